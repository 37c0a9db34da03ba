// SHA-256 (FIPS 180-4), incremental. The loader fingerprints each CSV file so
// that re-loading an unchanged file is a no-op (docs/loading.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ls {

class Sha256 {
public:
    Sha256();
    void update(const void* data, size_t len);
    void update(std::string_view s) { update(s.data(), s.size()); }
    // Lower-case hex digest; the object must not be updated afterwards.
    std::string hex_digest();

private:
    void block(const unsigned char* p);
    std::uint32_t h_[8];
    unsigned char buf_[64];
    size_t buf_len_ = 0;
    std::uint64_t total_ = 0;
};

}  // namespace ls
