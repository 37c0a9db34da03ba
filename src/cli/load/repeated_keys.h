// Which keys of a file may occur more than once, found with bounded client memory
// (docs/loading.md, "Client memory").
//
// The loader reads a keyed file twice. The first pass adds the 64-bit hash of the key of every
// line that may reach the duplicate check; finish() keeps the hashes seen at least twice. In the
// second pass (the COPY) a line whose key hash is not among them holds a key no other line has,
// so only the keys of repeated hashes are remembered, exactly (a hash collision only makes a
// unique key a candidate, which costs a few bytes, never a wrong verdict).
//
// The hashes are kept in memory up to `budget` bytes; a file with more lines spreads them over
// P temporary files by hash (P = lines x 8 bytes / budget, at most 256), each then sorted alone, so memory
// stays about `budget` whatever the file's size. What remains is the repeated hashes (8 bytes
// each): none in a clean export.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace lscli {

class RepeatedKeyHashes {
public:
    static constexpr size_t kDefaultBudget = size_t(16) << 20;

    // `expected`: the most lines add() will be called for (the file's physical lines).
    explicit RepeatedKeyHashes(long long expected, size_t budget = kDefaultBudget) {
        const size_t per = std::max<size_t>(budget / sizeof(std::uint64_t), 1024);
        const size_t n = expected > 0 ? size_t(expected) : 0;
        // at most 256 files (descriptors); beyond 512 M lines a partition outgrows the budget
        size_t parts = std::min<size_t>((n + per - 1) / per, 256);
        if (parts <= 1) {
            mem_.reserve(n);
            return;
        }
        files_.resize(parts, nullptr);
        wbuf_.resize(parts);
        // write buffers: a quarter of the budget at most, 64 KiB each at most
        wcap_ = std::clamp<size_t>(per / 4 / parts, 256, 8192);
        for (auto& f : files_) {
            f = std::tmpfile();
            if (!f) {
                close_all();
                throw std::runtime_error("cannot create a temporary file for the duplicate-key check");
            }
        }
        for (auto& b : wbuf_) b.reserve(wcap_);
    }
    ~RepeatedKeyHashes() { close_all(); }
    RepeatedKeyHashes(const RepeatedKeyHashes&) = delete;
    RepeatedKeyHashes& operator=(const RepeatedKeyHashes&) = delete;

    static std::uint64_t hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

    void add(std::uint64_t h) {
        if (files_.empty()) {
            mem_.push_back(h);
            return;
        }
        size_t p = size_t(mix(h) % files_.size());
        auto& b = wbuf_[p];
        b.push_back(h);
        if (b.size() >= wcap_) flush(p);
    }

    // After the last add(): keeps the hashes seen at least twice.
    void finish() {
        if (files_.empty()) {
            collect(mem_);
            std::vector<std::uint64_t>().swap(mem_);
        } else {
            std::vector<std::uint64_t> part;
            for (size_t p = 0; p < files_.size(); ++p) {
                flush(p);
                std::vector<std::uint64_t>().swap(wbuf_[p]);
                std::FILE* f = files_[p];
                if (std::fseek(f, 0, SEEK_END) != 0) throw io_error();
                long bytes = std::ftell(f);
                if (bytes < 0 || std::fseek(f, 0, SEEK_SET) != 0) throw io_error();
                part.resize(size_t(bytes) / sizeof(std::uint64_t));
                if (!part.empty() && std::fread(part.data(), sizeof(std::uint64_t), part.size(), f) != part.size())
                    throw io_error();
                std::fclose(f);
                files_[p] = nullptr;
                collect(part);
            }
            used_ = files_.size();
            files_.clear();
        }
        std::sort(repeated_.begin(), repeated_.end());
        repeated_.shrink_to_fit();
    }

    bool contains(std::uint64_t h) const { return std::binary_search(repeated_.begin(), repeated_.end(), h); }
    size_t repeated() const { return repeated_.size(); }
    size_t partitions_used() const { return used_; }  // after finish(): 1 in memory, else the temporary files

private:
    static std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer: the partition of a hash
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    }
    static std::runtime_error io_error() { return std::runtime_error("cannot use the temporary file of the duplicate-key check"); }
    void flush(size_t p) {
        auto& b = wbuf_[p];
        if (!b.empty() && std::fwrite(b.data(), sizeof(std::uint64_t), b.size(), files_[p]) != b.size()) throw io_error();
        b.clear();
    }
    void collect(std::vector<std::uint64_t>& v) {
        std::sort(v.begin(), v.end());
        for (size_t i = 1; i < v.size(); ++i)
            if (v[i] == v[i - 1] && (repeated_.empty() || repeated_.back() != v[i])) repeated_.push_back(v[i]);
    }
    void close_all() {
        for (auto* f : files_)
            if (f) std::fclose(f);
        files_.clear();
    }

    std::vector<std::uint64_t> mem_;                 // one partition: every hash, in memory
    std::vector<std::FILE*> files_;                  // else one temporary file per partition
    std::vector<std::vector<std::uint64_t>> wbuf_;   // and its write buffer
    size_t wcap_ = 0;
    size_t used_ = 1;
    std::vector<std::uint64_t> repeated_;            // sorted
};

}  // namespace lscli
