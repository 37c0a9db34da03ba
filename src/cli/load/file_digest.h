// SHA-256 of a file's bytes, through OpenSSL's EVP interface (libcrypto). The
// loader fingerprints each CSV file so that re-loading an unchanged file is a
// no-op (docs/loading.md).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of the header

namespace lscli {

// Incremental: update() any number of times, then hex_digest() once.
class Sha256Digest {
public:
    Sha256Digest();  // not copyable: it owns its OpenSSL context (ctx_)
    void update(const void* data, size_t len);
    void update(std::string_view s) { update(s.data(), s.size()); }
    // Lower-case hex digest; the object must not be updated afterwards.
    std::string hex_digest();

private:
    struct FreeCtx {
        void operator()(evp_md_ctx_st* c) const;
    };
    std::unique_ptr<evp_md_ctx_st, FreeCtx> ctx_;
};

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace lscli
