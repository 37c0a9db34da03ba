// The loader's progress bar (bytes read of all files), on a terminal only.
#pragma once
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace lscli {

// Progress bar on stderr, redrawn at most ten times a second.
class Progress {
    using Clock = std::chrono::steady_clock;

public:
    Progress(bool enabled, long long total) : on_(enabled && isatty(STDERR_FILENO)), total_(total > 0 ? total : 1) {}
    void update(const std::string& file, long long done_in_file) {
        if (!on_) return;
        auto now = Clock::now();
        if (now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        draw(file, base_ + done_in_file);
    }
    void file_done(long long bytes) {
        base_ += bytes;
        clear();
    }
    void clear() {
        if (on_) std::fprintf(stderr, "\r\033[K");
    }

private:
    void draw(const std::string& file, long long done) {
        double frac = std::min(1.0, double(done) / double(total_));
        int width = 30, filled = int(frac * width);
        std::string bar(size_t(filled), '=');
        if (filled < width) bar += '>', bar += std::string(size_t(width - filled - 1), ' ');
        std::fprintf(stderr, "\r\033[K[%s] %3d%%  %.1f/%.1f MB  %s", bar.c_str(), int(frac * 100), done / 1e6,
                     total_ / 1e6, file.c_str());
        std::fflush(stderr);
    }
    bool on_;
    long long total_, base_ = 0;
    Clock::time_point last_{};
};

}  // namespace lscli
