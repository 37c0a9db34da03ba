#include <gtest/gtest.h>

#include "core/base/error.h"
#include "core/base/interrupt.h"

namespace {
bool g_pending = false;
bool fake_checker() { return g_pending; }
}  // namespace

TEST(CoreError, CarriesKindAndHint) {
    try {
        ls::fail(ls::ErrorKind::InvalidParameter, "bad k", "k must be positive");
        FAIL() << "fail() returned";
    } catch (const ls::Error& e) {
        EXPECT_EQ(e.kind(), ls::ErrorKind::InvalidParameter);
        EXPECT_STREQ(e.what(), "bad k");
        EXPECT_EQ(e.hint(), "k must be positive");
    }
}

TEST(CoreInterrupt, NoCheckerNeverThrows) {
    ls::set_interrupt_checker(nullptr);
    EXPECT_NO_THROW(ls::check_interrupts());
}

TEST(CoreInterrupt, TickerThrowsCancelledWhenPending) {
    ls::set_interrupt_checker(&fake_checker);
    g_pending = false;
    ls::InterruptTicker ticker(10);
    for (int i = 0; i < 100; ++i) ticker.tick();
    g_pending = true;
    int ticks = 0;
    try {
        for (; ticks < 100; ++ticks) ticker.tick();
        FAIL() << "no cancel";
    } catch (const ls::Error& e) {
        EXPECT_EQ(e.kind(), ls::ErrorKind::Cancelled);
    }
    EXPECT_LT(ticks, 10);
    g_pending = false;
    ls::set_interrupt_checker(nullptr);
}
