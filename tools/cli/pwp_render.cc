// The placements-with-parents report as Markdown and CSV (report_render.h).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/cli/report_render.h"

namespace footprint::cli {
namespace {

// The columns of a child's row, in order: (header, value).
std::vector<std::pair<const char*, std::string>> Columns(const v1::PlacementWithParentsItem& c) {
  std::string approved = c.approved_on();
  if (!approved.empty()) {
    absl::StrAppend(&approved, " by ", c.approved_by());
    if (c.approved_before_assessment()) absl::StrAppend(&approved, " (before the assessment)");
  } else if (c.approval_not_known()) {
    approved = "not known (imported)";
  }
  return {
      {"Child", c.child_id()},
      {"Placed with parents since", (c.placed_since_not_known() ? "by " : "") + c.placed_since()},
      {"Days at home",
       (c.placed_since_not_known() ? "at least " : "") + std::to_string(c.days_at_home())},
      {"Order", c.order()},
      {"Approved by the nominated officer", approved},
      {"Assessment completed", c.assessment_completed_on()},
      {"Placement plan", c.placement_plan_on()},
      {"Placement plan due", c.placement_plan_due_on()},
      {"Permanence plan", c.permanence_plan()},
      {"Next review due", c.next_review_due()},
      {"IRO", c.iro_id()},
      {"Team", c.team()},
      {"Flags", absl::StrJoin(c.flags(), "; ")},
  };
}

std::string Signed(int n) { return n > 0 ? absl::StrCat("+", n) : absl::StrCat(n); }

}  // namespace

std::string PlacementsWithParentsMarkdown(const v1::PlacementsWithParentsReport& r) {
  std::string out = absl::StrCat("# Children placed with parents as at ", r.as_at(), "\n\n");
  absl::StrAppend(&out, r.children_size(), " placed with parents (", r.flagged(), " flagged); on ",
                  r.previous_as_at(), ", three months before: ", r.previous_placed_with_parents(),
                  " (", Signed(r.change()), "). In the quarter ", r.began_in_quarter(),
                  " placements with parents began and ", r.ended_in_quarter(), " ended.\n\n");
  absl::StrAppend(&out, "| Figure | Children |\n|---|---:|\n");
  for (const auto& [order, n] :
       std::map<std::string, int32_t>(r.by_order().begin(), r.by_order().end())) {
    absl::StrAppend(&out, "| Under ", MdCell(order), " | ", n, " |\n");
  }
  const std::pair<const char*, int32_t> flags[] = {
      {"Not approved by the nominated officer", r.not_approved()},
      {"Placed before approval", r.placed_before_approval()},
      {"Assessment overdue", r.assessment_overdue()},
      {"No placement plan", r.no_placement_plan()},
      {"Placement plan late", r.placement_plan_late()},
      {"At home long without a plan to discharge the order", r.long_without_discharge_plan()},
      {"Approval not known (record imported)", r.approval_not_known()},
  };
  for (const auto& [label, n] : flags) absl::StrAppend(&out, "| ", label, " | ", n, " |\n");
  if (r.children_size() == 0) return out;
  absl::StrAppend(&out, "\n## Children\n\n|");
  for (const auto& [header, value] : Columns(r.children(0)))
    absl::StrAppend(&out, " ", header, " |");
  absl::StrAppend(&out, "\n|");
  for (size_t i = 0; i < Columns(r.children(0)).size(); ++i) absl::StrAppend(&out, "---|");
  absl::StrAppend(&out, "\n");
  for (const auto& child : r.children()) {
    absl::StrAppend(&out, "|");
    for (const auto& [header, value] : Columns(child)) {
      absl::StrAppend(&out, " ", value.empty() ? "-" : MdCell(value), " |");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

std::string PlacementsWithParentsCsv(const v1::PlacementsWithParentsReport& r) {
  // The header is the columns' names, taken from an empty item's.
  const auto row = [](const v1::PlacementWithParentsItem& item, bool header) {
    std::vector<std::string> fields;
    for (const auto& [name, value] : Columns(item)) fields.push_back(header ? name : value);
    return CsvRow(fields);
  };
  std::string out = row(v1::PlacementWithParentsItem(), true);
  for (const auto& child : r.children()) absl::StrAppend(&out, row(child, false));
  return out;
}

}  // namespace footprint::cli
