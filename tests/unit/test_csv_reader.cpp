#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/files/csv_reader.h"

namespace {

// Writes `content` to a temporary file and reads every record back.
struct Parsed {
    std::vector<std::vector<std::string>> fields;
    std::vector<std::string> raw, errors;
    std::vector<long long> lines;
};

Parsed read_all(const std::string& content, size_t expected_fields = 0) {
    char path[] = "/tmp/ls-csv-test-XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    FILE* f = fdopen(fd, "wb");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    Parsed p;
    {
        ls::CsvReader r(path);
        ls::CsvRecord rec;
        bool header = expected_fields > 0;
        while (r.next(rec)) {
            if (header) {
                r.set_expected_fields(expected_fields);
                header = false;
                continue;
            }
            p.fields.emplace_back(rec.fields.begin(), rec.fields.end());
            p.raw.emplace_back(rec.raw);
            p.errors.push_back(rec.error);
            p.lines.push_back(rec.line);
        }
        EXPECT_EQ(r.position(), r.size());
    }
    std::remove(path);
    return p;
}

}  // namespace

TEST(CsvReader, PlainQuotedAndEscaped) {
    auto p = read_all("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,,\n");
    ASSERT_EQ(p.fields.size(), 3u);
    EXPECT_EQ(p.fields[1], (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
    EXPECT_EQ(p.fields[2], (std::vector<std::string>{"2", "", ""}));
    EXPECT_EQ(p.lines[2], 3);
    EXPECT_EQ(p.raw[1], "1,\"x, y\",\"say \"\"hi\"\"\"");
}

TEST(CsvReader, CrlfBomAndNoFinalNewline) {
    auto p = read_all("\xEF\xBB\xBFuserID,age\r\n982,16\r\n2566,17");
    ASSERT_EQ(p.fields.size(), 3u);
    EXPECT_EQ(p.fields[0][0], "userID");
    EXPECT_EQ(p.fields[1], (std::vector<std::string>{"982", "16"}));
    EXPECT_EQ(p.fields[2], (std::vector<std::string>{"2566", "17"}));
    EXPECT_EQ(p.raw[1], "982,16");
}

TEST(CsvReader, EmbeddedNewlineKeepsLineNumbers) {
    auto p = read_all("id,comment\n1,\"two\nlines\"\n2,x\n", 2);
    ASSERT_EQ(p.fields.size(), 2u);
    EXPECT_EQ(p.fields[0][1], "two\nlines");
    EXPECT_EQ(p.lines[0], 2);
    EXPECT_EQ(p.lines[1], 4);
    EXPECT_EQ(p.raw[0], "1,\"two\nlines\"");
}

TEST(CsvReader, StrayQuoteRejectsOnlyItsLine) {
    auto p = read_all("id,comment\n1,\"never closed\n2,ok\n3,\"also\n4,fine\n", 2);
    ASSERT_EQ(p.fields.size(), 4u);
    EXPECT_EQ(p.errors[0], "unbalanced quote");
    EXPECT_EQ(p.lines[0], 2);
    EXPECT_EQ(p.raw[0], "1,\"never closed");
    EXPECT_EQ(p.errors[1], "");
    EXPECT_EQ(p.fields[1], (std::vector<std::string>{"2", "ok"}));
    EXPECT_EQ(p.lines[1], 3);
    EXPECT_EQ(p.errors[2], "unbalanced quote");
    EXPECT_EQ(p.fields[3], (std::vector<std::string>{"4", "fine"}));
    EXPECT_EQ(p.lines[3], 5);
}

TEST(CsvReader, QuoteErrors) {
    auto p = read_all("a,b\nx\"y,1\n\"q\"z,2\n");
    ASSERT_EQ(p.errors.size(), 3u);
    EXPECT_EQ(p.errors[1], "quote inside an unquoted field");
    EXPECT_EQ(p.errors[2], "text after a closing quote");
    auto q = read_all("a\n\"open to the end");
    EXPECT_EQ(q.errors[1], "unterminated quoted field");
}

TEST(CsvReader, BlankLinesAndEmptyFile) {
    auto p = read_all("a,b\n\n1,2\n\n");
    ASSERT_EQ(p.fields.size(), 4u);
    EXPECT_EQ(p.raw[1], "");
    EXPECT_EQ(p.fields[1].size(), 1u);
    EXPECT_EQ(p.lines[2], 3);
    auto e = read_all("");
    EXPECT_TRUE(e.fields.empty());
}

TEST(CsvReader, DetectDelimiter) {
    EXPECT_EQ(ls::detect_delimiter("a,b"), ',');
    EXPECT_EQ(ls::detect_delimiter("a;b"), ';');
    EXPECT_EQ(ls::detect_delimiter("a\tb"), '\t');
    EXPECT_EQ(ls::detect_delimiter("a"), ',');
}

// A CRLF file whose lines end in a quoted field: the '\r' after the closing
// quote belongs to the line end. It used to end the record there, leaving the
// '\n' to be read as a phantom blank record, so every later line number (and
// the line number of every later reject) was one too high.
TEST(CsvReader, CrlfAfterQuotedLastFieldKeepsLineNumbers) {
    auto p = read_all("id,comment\r\n1,\"a\"\r\n2,\"two\r\nlines\"\r\n3,x\"y\r\n4,\"b\"\r\n5,ok", 2);
    ASSERT_EQ(p.fields.size(), 5u);  // no phantom blank records
    EXPECT_EQ(p.lines, (std::vector<long long>{2, 3, 5, 6, 7}));
    EXPECT_EQ(p.fields[0], (std::vector<std::string>{"1", "a"}));
    EXPECT_EQ(p.raw[0], "1,\"a\"");
    EXPECT_EQ(p.fields[1][1], "two\r\nlines");
    EXPECT_EQ(p.errors[2], "quote inside an unquoted field");  // a later reject, on its own physical line
    EXPECT_EQ(p.raw[2], "3,x\"y");
    EXPECT_EQ(p.errors[3], "");
    EXPECT_EQ(p.fields[3], (std::vector<std::string>{"4", "b"}));
    EXPECT_EQ(p.fields[4], (std::vector<std::string>{"5", "ok"}));
    // A quoted last field with CR at the very end of the file.
    auto q = read_all("a\r\n\"x\"\r");
    ASSERT_EQ(q.fields.size(), 2u);
    EXPECT_EQ(q.errors[1], "");
    EXPECT_EQ(q.fields[1], (std::vector<std::string>{"x"}));
}
