#include "core/models/xgboost_library.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "core/base/error.h"

namespace ls::models {

namespace {

// The runtime name first (what libxgboost0 installs), then the development link.
constexpr const char* kCandidates[] = {"libxgboost.so.0", "libxgboost.so"};

struct Loaded {
    XgboostApi api;
    std::string error;  // empty when loaded
};

template <typename F>
void resolve(void* lib, const char* name, F& slot, std::string& error) {
    slot = reinterpret_cast<F>(dlsym(lib, name));
    if (!slot && error.empty()) error = std::string("symbol ") + name + " not found in libxgboost";
}

Loaded load() {
    Loaded out;
    void* lib = nullptr;
    std::string tried;
    for (const char* name : kCandidates) {
        // RTLD_LOCAL: XGBoost's symbols stay out of the backend's global namespace.
        lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (lib) break;
        const char* why = dlerror();
        tried += std::string(tried.empty() ? "" : "; ") + (why ? why : name);
    }
    if (!lib) {
        out.error = "cannot load the XGBoost library: " + tried;
        return out;
    }
    XgboostApi& a = out.api;
    std::string& e = out.error;
#define LS_XGBOOST_RESOLVE(field, symbol) resolve(lib, #symbol, a.field, e);
    LS_XGBOOST_FUNCTIONS(LS_XGBOOST_RESOLVE)
#undef LS_XGBOOST_RESOLVE
    // The library stays loaded for the life of the process, as a linked one would.
    return out;
}

}  // namespace

const XgboostApi& xgboost() {
    static std::once_flag once;
    static Loaded loaded;
    std::call_once(once, [] { loaded = load(); });
    if (!loaded.error.empty())
        fail(ErrorKind::FeatureNotSupported, loaded.error,
             "Tree models need XGBoost's shared library (Debian: apt-get install libxgboost0).");
    return loaded.api;
}

}  // namespace ls::models
