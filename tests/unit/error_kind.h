// For the model tests: which ls::Error a call raises.
#pragma once
#include <functional>

#include "core/base/error.h"

// The kind of the ls::Error thrown by fn; Internal when none (a test failure).
inline ls::ErrorKind kind_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ls::Error& e) {
        return e.kind();
    }
    return ls::ErrorKind::Internal;
}
