#pragma once
// LS_VERSION comes from the top-level VERSION file, passed by both builds
// (Makefile: -DLS_VERSION, CMakeLists.txt: add_compile_definitions), so the
// version is written once.
#ifndef LS_VERSION
#error "LS_VERSION is not defined: build with the Makefile or CMake, which read it from VERSION"
#endif
namespace ls {
constexpr const char* kVersion = LS_VERSION;
}
