// libFuzzer target: the CSV reader (src/core/files/csv_reader.cpp) and the
// delimiter guess on bytes nobody vouches for. The first input byte picks the
// expected field count (0: unknown, as before the header); the rest is the
// file, written to a temporary file because the reader maps a path.
// Checked: every record's raw text lies inside the file, line numbers only
// grow, the reader's position never passes the end, and it stops.
// Build (as tests/fuzz/run.sh does):
//   clang++-14 -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_csv_reader.cpp src/core/files/csv_reader.cpp
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/files/csv_reader.h"

namespace {

const std::string& scratch_path() {
    static const std::string path = "/tmp/fuzz_csv_reader." + std::to_string(getpid()) + ".csv";
    return path;
}

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_csv_reader: %s\n", what);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const size_t expected = data[0] % 8;
    std::FILE* f = std::fopen(scratch_path().c_str(), "wb");
    if (!f) return 0;
    std::fwrite(data + 1, 1, size - 1, f);
    std::fclose(f);

    ls::CsvReader reader(scratch_path());
    unlink(scratch_path().c_str());  // the mapping stays valid; nothing is left behind
    std::string_view all = reader.data();
    size_t eol = all.find('\n');
    reader.set_delimiter(ls::detect_delimiter(all.substr(0, eol)));
    if (expected) reader.set_expected_fields(expected);
    ls::CsvRecord rec;
    long long last_line = 0;
    size_t records = 0;
    while (reader.next(rec)) {
        check(rec.line > last_line, "line numbers must grow");
        check(rec.lines >= 1, "a record spans at least one line");
        last_line = rec.line;
        if (!rec.raw.empty())
            check(rec.raw.data() >= all.data() && rec.raw.data() + rec.raw.size() <= all.data() + all.size(),
                  "raw text outside the file");
        check(reader.position() <= reader.size(), "position past the end");
        check(++records <= all.size() + 1, "more records than bytes");
    }
    return 0;
}
