#include <gtest/gtest.h>

#include <string>

#include "cli/load/file_digest.h"

namespace {
std::string sha(const std::string& s) {
    lscli::Sha256Digest h;
    h.update(s);
    return h.hex_digest();
}
}  // namespace

// FIPS 180-4 example vectors, through OpenSSL (src/cli/load/file_digest.cpp).
TEST(Sha256, KnownVectors) {
    EXPECT_EQ(sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalEqualsOneShot) {
    std::string data;
    for (int i = 0; i < 5000; ++i) data += char('a' + i % 26);
    for (size_t step : {1u, 7u, 63u, 64u, 65u, 1000u}) {
        lscli::Sha256Digest h;
        for (size_t i = 0; i < data.size(); i += step) h.update(std::string_view(data).substr(i, step));
        EXPECT_EQ(h.hex_digest(), sha(data)) << step;
    }
}

TEST(Sha256, OneShotHelper) {
    EXPECT_EQ(lscli::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(lscli::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
