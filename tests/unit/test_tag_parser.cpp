#include <gtest/gtest.h>

#include <string>

#include "core/views/tag_parser.h"

using namespace ls::tags;

namespace {
TagList L(std::initializer_list<const char*> xs) {
    TagList out;
    for (auto x : xs) out.emplace_back(x);
    return out;
}
}  // namespace

TEST(TagParser, SeedFullFormFirstExample) {
    auto c = parse_tag_change("Были хештеги: #entry-email #офлайн, стали: #entry-email #онлайн");
    EXPECT_EQ(c.kind, ChangeKind::FullSet);
    EXPECT_TRUE(c.has_before);
    EXPECT_EQ(c.before, L({"#entry-email", "#офлайн"}));
    EXPECT_EQ(c.after, L({"#entry-email", "#онлайн"}));
    EXPECT_EQ(c.added, L({"#онлайн"}));
    EXPECT_EQ(c.removed, L({"#офлайн"}));
}

TEST(TagParser, SeedFullFormSecondExample) {
    auto c = parse_tag_change(
        "Были хештеги: #мотив #онлайн #M1-завершил #сверка-дат #M1-оплачен #M2-завершил, стали: #мотив #онлайн "
        "#M1-завершил #M1-оплачен #M2-завершил");
    EXPECT_EQ(c.kind, ChangeKind::FullSet);
    EXPECT_EQ(c.before.size(), 6u);
    EXPECT_EQ(c.after, L({"#мотив", "#онлайн", "#M1-завершил", "#M1-оплачен", "#M2-завершил"}));
    EXPECT_TRUE(c.added.empty());
    EXPECT_EQ(c.removed, L({"#сверка-дат"}));
}

TEST(TagParser, EmptyBeforeSet) {
    auto c = parse_tag_change("Были хештеги: , стали: #онлайн");
    EXPECT_EQ(c.kind, ChangeKind::FullSet);
    EXPECT_TRUE(c.has_before);
    EXPECT_TRUE(c.before.empty());
    EXPECT_EQ(c.after, L({"#онлайн"}));
    EXPECT_EQ(c.added, L({"#онлайн"}));
}

TEST(TagParser, EmptyAfterSet) {
    auto c = parse_tag_change("Были хештеги: #онлайн, стали: ");
    EXPECT_EQ(c.kind, ChangeKind::FullSet);
    EXPECT_TRUE(c.after.empty());
    EXPECT_EQ(c.removed, L({"#онлайн"}));
}

TEST(TagParser, InstalledTagVariants) {
    for (const char* s : {"Установлен хештег \"#онлайн\"", "Установлен хештег \"#онлайн\" --",
                          "Установлен хештег \"#онлайн\" -- Установлен хештег \"#онлайн\"",
                          "установлен хэштег «#онлайн» --", "Установлен хештег #онлайн"}) {
        auto c = parse_tag_change(s);
        EXPECT_EQ(c.kind, ChangeKind::Delta) << s;
        EXPECT_FALSE(c.has_before) << s;
        EXPECT_EQ(c.after, L({"#онлайн"})) << s;
        EXPECT_EQ(c.added, L({"#онлайн"})) << s;
        EXPECT_TRUE(c.removed.empty()) << s;
    }
}

TEST(TagParser, RemovedTag) {
    auto c = parse_tag_change("Удалён хештег \"#офлайн\" -- Установлен хештег \"#онлайн\"");
    EXPECT_EQ(c.kind, ChangeKind::Delta);
    EXPECT_EQ(c.added, L({"#онлайн"}));
    EXPECT_EQ(c.removed, L({"#офлайн"}));
}

TEST(TagParser, TyposAreNormalisedToOnline) {
    auto c = parse_tag_change("Были хештеги: #оулайн, стали: #оглайн #ОНЛАЙН #OnLine");
    EXPECT_EQ(c.before, L({"#онлайн"}));
    EXPECT_EQ(c.after, L({"#онлайн"}));
    EXPECT_TRUE(c.added.empty());
    EXPECT_TRUE(c.removed.empty());
    // Latin look-alike letters and ё
    EXPECT_EQ(normalize_tag("#oнлaйн"), "#онлайн");
    EXPECT_EQ(normalize_tag("#Оффлайн"), "#офлайн");
    EXPECT_EQ(normalize_tag("#M1-оплачен"), "#M1-оплачен");
    EXPECT_EQ(normalize_tag("онлайн"), "онлайн");
}

TEST(TagParser, SpacingOrderDuplicatesCommasNbsp) {
    auto c = parse_tag_change("  БЫЛИ   ХЕШТЕГИ:#b,#a ,#a\u00A0#x#y ,  СТАЛИ:\t#a,\u00A0#c  #c. ");
    EXPECT_EQ(c.kind, ChangeKind::FullSet);
    EXPECT_EQ(c.before, L({"#b", "#a", "#x", "#y"}));
    EXPECT_EQ(c.after, L({"#a", "#c"}));
    EXPECT_EQ(c.added, L({"#c"}));
    EXPECT_EQ(c.removed, L({"#b", "#x", "#y"}));
}

TEST(TagParser, AfterWithoutBefore) {
    auto c = parse_tag_change("стали: #онлайн");
    EXPECT_EQ(c.kind, ChangeKind::FullSet);
    EXPECT_FALSE(c.has_before);
    EXPECT_EQ(c.after, L({"#онлайн"}));
}

TEST(TagParser, MalformedIsNone) {
    for (const char* s : {"", "   ", "#онлайн", "Были хештеги: #a #b", "Установлен хештег", "hello, world",
                          "Установлен хештег \"\"", "#", "стал"}) {
        auto c = parse_tag_change(s);
        if (std::string(s) == "стал") {
            EXPECT_EQ(c.kind, ChangeKind::FullSet);  // an empty after-set, stated
            EXPECT_TRUE(c.after.empty());
        } else {
            EXPECT_EQ(c.kind, ChangeKind::None) << s;
        }
    }
}

TEST(TagParser, InvalidUtf8IsSeparatorAndOutputIsValid) {
    std::string s = "Были хештеги: #a\xff#b \xc3\x28 \xe2\x82, стали: #онл\xd0";
    auto c = parse_tag_change(s);
    EXPECT_EQ(c.kind, ChangeKind::FullSet);
    EXPECT_EQ(c.before, L({"#a", "#b"}));
    ASSERT_EQ(c.after.size(), 1u);
    EXPECT_EQ(c.after[0], "#онл");
    // lone continuation bytes, overlong encodings, surrogates
    auto d = parse_tag_change(std::string("\x80\x80 стали: #q\xc0\xaf #r\xed\xa0\x80 #s"));
    EXPECT_EQ(d.after, L({"#q", "#r", "#s"}));
}

TEST(TagParser, HugeCommentIsLinear) {
    std::string s = "Были хештеги: ";
    while (s.size() < 10u * 1024 * 1024) s += "#a #b, ";
    s += "стали: #онлайн";
    auto c = parse_tag_change(s);
    EXPECT_EQ(c.before, L({"#a", "#b"}));
    EXPECT_EQ(c.after, L({"#онлайн"}));
    std::string big(10u * 1024 * 1024, 'x');
    EXPECT_EQ(parse_tag_change(big).kind, ChangeKind::None);
    std::string one_tag = "стали: #" + big;
    EXPECT_EQ(parse_tag_change(one_tag).after.at(0).size(), big.size() + 1);
}

TEST(TagFormat, LearningFormat) {
    EXPECT_EQ(learning_format(L({"#a", "#онлайн"})), Format::Online);
    EXPECT_EQ(learning_format(L({"#оулайн"})), Format::Online);
    EXPECT_EQ(learning_format(L({"#офлайн"})), Format::Offline);
    EXPECT_EQ(learning_format(L({"#офлайн", "#онлайн"})), Format::Unknown);
    EXPECT_EQ(learning_format(L({})), Format::Unknown);
}

TEST(TagFormat, PaymentAndCompletion) {
    TagList t = L({"#M1-оплачен", "#м2-ОПЛАЧЕН", "#M2-завершил", "#M10-завершил", "#Mx-оплачен", "#M3оплачен"});
    EXPECT_EQ(modules_with_status(t, "оплачен"), (std::vector<int>{1, 2}));
    EXPECT_EQ(modules_with_status(t, "завершил"), (std::vector<int>{2, 10}));
    EXPECT_TRUE(has_payment(t));
    EXPECT_FALSE(has_payment(L({"#M1-завершил", "#оплачен"})));
}

TEST(TagFold, FullThenDeltaThenFull) {
    TagState s;
    apply_change(s, parse_tag_change("Установлен хештег \"#онлайн\""));
    EXPECT_FALSE(s.full);
    EXPECT_EQ(s.present, L({"#онлайн"}));
    apply_change(s, parse_tag_change("Были хештеги: #онлайн, стали: #онлайн #M1-оплачен"));
    EXPECT_TRUE(s.full);
    apply_change(s, parse_tag_change("Удален хештег \"#онлайн\" -- Установлен хештег \"#офлайн\""));
    EXPECT_TRUE(s.full);
    EXPECT_EQ(s.present, L({"#M1-оплачен", "#офлайн"}));
    apply_change(s, parse_tag_change("not a change"));
    EXPECT_EQ(s.present, L({"#M1-оплачен", "#офлайн"}));
}

TEST(TagFold, CombineIsAssociativeAndRoundTrips) {
    const char* comments[] = {"Установлен хештег \"#a\"", "Удален хештег \"#a\"", "Установлен хештег \"#b\"",
                              "Были хештеги: #x, стали: #x #y", "Удален хештег \"#x\"", "Установлен хештег \"#a\""};
    // sequential fold
    TagState seq;
    std::vector<TagState> parts;
    for (auto c : comments) {
        apply_change(seq, parse_tag_change(c));
        TagState one;
        apply_change(one, parse_tag_change(c));
        parts.push_back(one);
    }
    EXPECT_EQ(seq.present, L({"#y", "#a"}));
    // every split point: fold(left) ⊕ fold(right) == fold(all)
    for (size_t k = 0; k <= parts.size(); ++k) {
        TagState l, r;
        for (size_t i = 0; i < k; ++i) l = combine(l, parts[i]);
        for (size_t i = k; i < parts.size(); ++i) r = combine(r, parts[i]);
        TagState both = decode_state(encode_state(combine(decode_state(encode_state(l)), decode_state(encode_state(r)))));
        EXPECT_EQ(both.full, seq.full) << k;
        auto a = both.present, b = seq.present;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        EXPECT_EQ(a, b) << k;
    }
    // a pure delta keeps its removals across encode/decode
    TagState d;
    apply_change(d, parse_tag_change("Удален хештег \"#a\""));
    auto enc = encode_state(d);
    EXPECT_EQ(enc, L({"-#a"}));
    TagState full;
    full.full = true;
    full.present = L({"#a", "#b"});
    EXPECT_EQ(combine(full, decode_state(enc)).present, L({"#b"}));
}
