#include "import903/csv.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace footprint::import903 {
namespace {

absl::Status Error(absl::string_view file, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": ", what));
}

bool Blank(const std::vector<std::string>& fields) {
  return fields.size() == 1 && absl::StripAsciiWhitespace(fields[0]).empty();
}

}  // namespace

std::optional<size_t> CsvTable::Column(absl::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(header[i]),
                               absl::StripAsciiWhitespace(name))) {
      return i;
    }
  }
  return std::nullopt;
}

absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, absl::string_view file) {
  CsvTable table;
  table.file = std::string(file);
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  int line = 1;
  size_t i = 0;
  bool have_header = false;
  while (i < text.size()) {
    CsvRow row;
    row.line = line;
    std::string field;
    bool row_done = false;
    while (!row_done) {
      if (i < text.size() && text[i] == '"') {  // a quoted field
        const int opened_on = line;
        ++i;
        while (true) {
          if (i >= text.size()) return Error(file, opened_on, "a quoted field is never closed");
          const char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field.push_back('"');
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field.push_back(c);
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return Error(file, line, "a closing quote must be followed by a comma or a line end");
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          field.push_back(text[i++]);
        }
      }
      row.fields.push_back(std::move(field));
      field.clear();
      if (i >= text.size()) {
        row_done = true;
      } else if (text[i] == ',') {
        ++i;
      } else {  // a line end: \n, \r\n or \r
        if (text[i] == '\r') ++i;
        if (i < text.size() && text[i] == '\n') ++i;
        ++line;
        row_done = true;
      }
    }
    if (Blank(row.fields)) continue;
    if (!have_header) {
      table.header = std::move(row.fields);
      have_header = true;
    } else {
      table.rows.push_back(std::move(row));
    }
  }
  if (!have_header) return Error(file, 1, "the file is empty (no header row)");
  return table;
}

}  // namespace footprint::import903
