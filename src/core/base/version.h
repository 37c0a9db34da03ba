#pragma once
namespace ls {
constexpr const char* kVersion = "0.1.0";
}
