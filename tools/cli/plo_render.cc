// The PLO and court report as Markdown and CSV (report_render.h).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/cli/report_render.h"

namespace footprint::cli {
namespace {

using Cells = std::vector<std::string>;

std::string Weeks(double weeks) { return absl::StrFormat("%.1f", weeks); }
std::string YesNo(bool yes) { return yes ? "yes" : "no"; }

const Cells kHeader = {
    "Process", "Child", "Started",         "Ended",         "Outcome",
    "Days",    "Weeks", "Within 26 weeks", "Over 26 weeks", "Section 20 alongside",
    "IRO",     "Team"};

Cells PloCells(const v1::PloItem& p) {
  return {"PLO",
          p.child_id(),
          p.started_on(),
          p.ended_on(),
          p.outcome(),
          std::to_string(p.days()),
          Weeks(p.weeks()),
          "",
          "",
          YesNo(p.s20_alongside()),
          p.iro_id(),
          p.team()};
}

Cells ProceedingsCells(const v1::ProceedingsItem& p) {
  return {"proceedings",
          p.child_id(),
          p.issued_on(),
          p.concluded_on(),
          p.outcome(),
          std::to_string(p.days()),
          Weeks(p.weeks()),
          p.concluded_on().empty() ? "" : YesNo(p.within_26_weeks()),
          p.concluded_on().empty() ? YesNo(p.over_26_weeks()) : "",
          "",
          p.iro_id(),
          p.team()};
}

// A Markdown table of `rows` under the columns of kHeader at `columns`.
std::string Table(const std::vector<size_t>& columns, const std::vector<Cells>& rows) {
  std::string out = "|";
  for (size_t c : columns) absl::StrAppend(&out, " ", kHeader[c], " |");
  absl::StrAppend(&out, "\n|");
  for (size_t i = 0; i < columns.size(); ++i) absl::StrAppend(&out, "---|");
  absl::StrAppend(&out, "\n");
  for (const Cells& row : rows) {
    absl::StrAppend(&out, "|");
    for (size_t c : columns) {
      absl::StrAppend(&out, " ", row[c].empty() ? "-" : MdCell(row[c]), " |");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

std::string Counts(const google::protobuf::Map<std::string, int32_t>& counts) {
  const std::map<std::string, int32_t> sorted(counts.begin(), counts.end());
  std::vector<std::string> parts;
  for (const auto& [key, n] : sorted) parts.push_back(absl::StrCat(key, " ", n));
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

}  // namespace

std::string PloCourtMarkdown(const v1::PloCourtReport& r) {
  std::string out = absl::StrCat("# The Public Law Outline and care proceedings, ", r.from(),
                                 " to ", r.to(), "\n\n");
  absl::StrAppend(&out, "| Figure | Count |\n|---|---:|\n");
  const std::pair<const char*, std::string> rows[] = {
      {"PLOs running at some time", std::to_string(r.plo_size())},
      {"PLOs started", std::to_string(r.plo_started())},
      {"PLOs ended", std::to_string(r.plo_ended())},
      {"PLOs ended by outcome", Counts(r.plo_ended_by_outcome())},
      {"PLOs running at the end", std::to_string(r.plo_running())},
      {"Children in section 20 with a PLO alongside", std::to_string(r.s20_children_with_plo())},
      {"Proceedings running at some time", std::to_string(r.proceedings_size())},
      {"Proceedings issued", std::to_string(r.issued())},
      {"Proceedings concluded", std::to_string(r.concluded())},
      {"Concluded by outcome", Counts(r.concluded_by_outcome())},
      {"Concluded within 26 weeks", std::to_string(r.concluded_within_26_weeks())},
      {"Average weeks from issue to conclusion", Weeks(r.average_weeks_to_conclusion())},
      {"Proceedings running at the end", std::to_string(r.running())},
      {"Running for more than 26 weeks", std::to_string(r.running_over_26_weeks())},
  };
  for (const auto& [label, value] : rows) {
    absl::StrAppend(&out, "| ", label, " | ", MdCell(value), " |\n");
  }
  std::vector<Cells> plo;
  for (const auto& p : r.plo()) plo.push_back(PloCells(p));
  std::vector<Cells> court;
  for (const auto& p : r.proceedings()) court.push_back(ProceedingsCells(p));
  if (!plo.empty()) {
    absl::StrAppend(&out, "\n## PLO\n\n", Table({1, 2, 3, 4, 5, 6, 9, 10, 11}, plo));
  }
  if (!court.empty()) {
    absl::StrAppend(&out, "\n## Care proceedings\n\n",
                    Table({1, 2, 3, 4, 5, 6, 7, 8, 10, 11}, court));
  }
  return out;
}

std::string PloCourtCsv(const v1::PloCourtReport& r) {
  std::string out = CsvRow(kHeader);
  for (const auto& p : r.plo()) absl::StrAppend(&out, CsvRow(PloCells(p)));
  for (const auto& p : r.proceedings()) absl::StrAppend(&out, CsvRow(ProceedingsCells(p)));
  return out;
}

}  // namespace footprint::cli
