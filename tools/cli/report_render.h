// Renderings of the server's answers that do not depend on a terminal: a message as one line of
// JSON, and the IRO service's annual report (Queries.AnnualReport) as Markdown, CSV and a
// self-contained HTML page with inline SVG charts (docs/annual-report.md). Pure functions of
// their arguments; no I/O.
#ifndef FOOTPRINT_TOOLS_CLI_REPORT_RENDER_H_
#define FOOTPRINT_TOOLS_CLI_REPORT_RENDER_H_

#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "footprint/v1/reports.pb.h"

namespace footprint::cli {

// A Markdown table cell: characters Markdown would read ('|', '*', '<', ...) escaped.
std::string MdCell(absl::string_view text);
// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string CsvField(absl::string_view text);
// One CSV record: the fields (CsvField each), comma-separated, and a line break.
std::string CsvRow(const std::vector<std::string>& fields);
// HTML text: &, <, >, " and ' as character references.
std::string Html(absl::string_view text);

// One line of JSON: proto field names, fields with zero values included, map keys sorted.
absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message);

// The annual report as one line of JSON (MessageToJson), with every figure named in
// `not_recorded` (and in `previous.not_recorded`) printed as null.
absl::StatusOr<std::string> AnnualReportJson(const v1::AnnualReport& report);

// The annual report as a Markdown document: a heading per section and a table per figure group.
std::string AnnualReportMarkdown(const v1::AnnualReport& report);

// The annual report as CSV, one row per figure: `section,item,label,value`. `section` is the
// JSON path of the group ("care", "care.ended_by_reason"), `item` the field name or code, and
// `value` a whole number, a percentage with one decimal, or a word (the rating).
std::string AnnualReportCsv(const v1::AnnualReport& report);

// The annual report as one HTML page: inline CSS, a table per group and an SVG bar chart per
// breakdown; no script and no reference to anything outside the page.
std::string AnnualReportHtml(const v1::AnnualReport& report);

// The placements-with-parents report (Queries.PlacementsWithParents, docs/web.md) as Markdown
// (the counts, the quarter's change, a row per child) and as CSV (a row per child).
std::string PlacementsWithParentsMarkdown(const v1::PlacementsWithParentsReport& report);
std::string PlacementsWithParentsCsv(const v1::PlacementsWithParentsReport& report);

// The PLO and court report (Queries.PloCourt, docs/queries.md) as Markdown (the counts, a table
// of PLOs and one of proceedings) and as CSV (a row per PLO and per set of proceedings, the first
// column saying which).
std::string PloCourtMarkdown(const v1::PloCourtReport& report);
std::string PloCourtCsv(const v1::PloCourtReport& report);

}  // namespace footprint::cli

#endif  // FOOTPRINT_TOOLS_CLI_REPORT_RENDER_H_
