// Spec-driven loading of a platform's CSV export (`learnerscore load`).
//
// A *file spec* says which clean table a CSV file goes to and, for every clean
// column, which raw header spellings are accepted and how the raw value is
// converted. Specs register themselves from their own files with a static
// FileSpecRegistrar (the 1T files: load_specs_1t.cpp); a new data set adds its
// own `load_specs_<name>.cpp` and a DatasetRegistrar, and never touches the
// loader. The loader itself creates <schema>.load_rejects and load_log for any
// data set (learnerscore._create_load_tables). See docs/loading.md.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lscli {

// One converted value in its PostgreSQL text form (not yet COPY-escaped).
struct FieldValue {
    bool null = false;
    std::string text;
};

// Converts a raw CSV field (already trimmed, BOM-free, valid UTF-8) into `out`.
// Returns an empty string on success, else the human-readable reason the value
// is rejected (the whole line then goes to load_rejects).
using ValueConverter = std::string (*)(std::string_view raw, FieldValue& out);

struct ColumnSpec {
    std::string column;                // clean column name (docs/loading.md)
    std::vector<std::string> headers;  // accepted raw headers; matched case-, space-,
                                       // '_'- and '-'-insensitively (see normalize_header)
    ValueConverter convert;
    bool not_null = false;             // a NULL result (empty cell, marker) rejects the line
    bool may_be_absent = false;        // header missing from the file → the column is NULL
};

// Cross-column check run on a converted row; returns "" or the reject reason.
using RowCheck = std::string (*)(const std::vector<FieldValue>& row);

// A column whose value must be a key of a table loaded before (e.g. contacts.user_id in
// users.user_id): the loader reads that table's keys once and rejects a line whose
// value is not among them with `reason` (e.g. "unknown learner").
struct ColumnReference {
    std::string column;      // the spec's column
    std::string table;       // the referenced clean table in the same schema
    std::string ref_column;  // its key column
    std::string reason;      // the reject reason
};

struct FileSpec {
    std::string dataset;               // "1t", "courses": which DatasetSpec creates the schema
    std::string file;                  // file name in the folder, e.g. "users.csv" (case-insensitive)
    std::string table;                 // clean table in the target schema
    std::vector<ColumnSpec> columns;   // in the clean table's column order
    std::vector<std::string> key;      // unique key columns: a repeated key rejects the later line
    RowCheck row_check = nullptr;
    std::vector<ColumnReference> references = {};
    std::vector<std::string> not_in_future = {};  // timestamp columns: a value after the server's
                                                  // localtimestamp rejects the line ("dated in the future")
};

// A data set: how to create its tables in a schema (idempotent), and the load order.
struct DatasetSpec {
    std::string name;        // "1t"
    std::string create_sql;  // SQL with one %s placeholder for the quoted schema literal,
                             // e.g. "CALL learnerscore.create_learning_schema(%s)"
};

std::vector<FileSpec>& file_specs();
std::vector<DatasetSpec>& dataset_specs();
const FileSpec* find_file_spec(const std::string& file_name);  // nullptr when unknown
const DatasetSpec* find_dataset_spec(const std::string& name);

struct FileSpecRegistrar {
    explicit FileSpecRegistrar(FileSpec s) { file_specs().push_back(std::move(s)); }
};
struct DatasetRegistrar {
    explicit DatasetRegistrar(DatasetSpec s) { dataset_specs().push_back(std::move(s)); }
};

// Header comparison key: lower-case (ASCII and Cyrillic), with spaces, '_',
// '-' and a BOM removed, so "window size", "Window_Size" and "windowsize" match.
std::string normalize_header(std::string_view raw);

// Standard converters over src/core/load/normalize.h (documented in docs/loading.md).
namespace conv {
std::string text(std::string_view raw, FieldValue& out);          // "" → NULL
std::string integer(std::string_view raw, FieldValue& out);       // int4; "" → NULL
std::string real(std::string_view raw, FieldValue& out);          // float4, finite; "1.00"
std::string timestamp(std::string_view raw, FieldValue& out);     // DD.MM.YYYY HH:MM[:SS], ISO
std::string date(std::string_view raw, FieldValue& out);          // DD.MM.YYYY, YYYY-MM-DD (a midnight time is allowed)
std::string result(std::string_view raw, FieldValue& out);        // int; "Пропуск" → NULL
std::string int_or_marker(std::string_view raw, FieldValue& out); // int; "Нет данных"/"Не сдана"/… → NULL
std::string tg_bot(std::string_view raw, FieldValue& out);        // 0/1/2; "—"/"" → 0
std::string tz_offset(std::string_view raw, FieldValue& out);     // validated "+03:00", kept as text
}  // namespace conv

}  // namespace lscli
