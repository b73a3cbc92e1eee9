// CsvTable: a CSV file as its header and rows, as SSDA903 returns are exported (RFC 4180:
// comma-separated, fields optionally in double quotes with "" for a quote, CRLF or LF line
// ends, an optional UTF-8 byte order mark). Each row keeps the line it started on, so that a
// reason against a row can name "file:line".
//
// Thread-safety: a parsed table is immutable; ParseCsv is a pure function.
#ifndef FOOTPRINT_IMPORT903_CSV_H_
#define FOOTPRINT_IMPORT903_CSV_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace footprint::import903 {

struct CsvRow {
  int line = 0;  // 1-based line of the file where the row starts
  std::vector<std::string> fields;
};

struct CsvTable {
  std::string file;  // the name given to ParseCsv, for messages
  std::vector<std::string> header;
  std::vector<CsvRow> rows;

  // The index of the column whose header is `name` (compared without surrounding spaces and
  // case), or nullopt.
  std::optional<size_t> Column(absl::string_view name) const;
};

// Parses `text`. INVALID_ARGUMENT, naming the file and line, for an empty file (no header),
// a quote left open at the end, or a character after a closing quote other than a comma or
// a line end. Blank lines are skipped; a row may have more or fewer fields than the header
// (the caller decides what that means).
absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, absl::string_view file);

}  // namespace footprint::import903

#endif  // FOOTPRINT_IMPORT903_CSV_H_
