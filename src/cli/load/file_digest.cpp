#include "cli/load/file_digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace lscli {

void Sha256Digest::FreeCtx::operator()(evp_md_ctx_st* c) const { EVP_MD_CTX_free(c); }

Sha256Digest::Sha256Digest() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("OpenSSL: cannot start a SHA-256 digest");
}

void Sha256Digest::update(const void* data, size_t len) {
    if (EVP_DigestUpdate(ctx_.get(), data, len) != 1) throw std::runtime_error("OpenSSL: SHA-256 update failed");
}

std::string Sha256Digest::hex_digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) throw std::runtime_error("OpenSSL: SHA-256 final failed");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

std::string sha256_hex(std::string_view data) {
    Sha256Digest h;
    h.update(data);
    return h.hex_digest();
}

}  // namespace lscli
