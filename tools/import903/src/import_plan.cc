#include "import903/import_plan.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace footprint::import903 {
namespace {

// A CSV field: quoted when it holds a comma, a quote or a line end.
std::string Field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\"", "\"\""}}), "\"");
}

void AppendRow(const std::string& child, const Reason& r, const char* left_out, std::string* out) {
  absl::StrAppend(out, Field(child), ",", Field(r.rule), ",", Field(r.detail));
  if (left_out != nullptr) absl::StrAppend(out, ",", left_out);
  absl::StrAppend(out, "\n");
}

}  // namespace

size_t ImportPlan::accepted() const {
  size_t n = 0;
  for (const ChildPlan& c : children) n += c.reasons.empty() ? 1 : 0;
  return n;
}

size_t ImportPlan::rejected() const { return children.size() - accepted(); }

std::map<std::string, size_t> ImportPlan::LeftOutByRule() const {
  std::map<std::string, size_t> by_rule;
  for (const ChildPlan& c : children) {
    if (!c.reasons.empty()) continue;
    for (const Reason& r : c.left_out) ++by_rule[r.rule];
  }
  return by_rule;
}

size_t ImportPlan::rows_left_out() const {
  size_t n = 0;
  for (const ChildPlan& c : children) {
    if (!c.reasons.empty()) continue;
    std::set<std::string> rows;
    for (const Reason& r : c.left_out) rows.insert(r.row.empty() ? r.detail : r.row);
    n += rows.size();
  }
  return n;
}

size_t ImportPlan::start_not_known() const {
  size_t n = 0;
  for (const ChildPlan& c : children) n += c.reasons.empty() && c.start_not_known ? 1 : 0;
  return n;
}

std::map<std::string, size_t> ImportPlan::RejectedByRule() const {
  std::map<std::string, size_t> by_rule;
  for (const ChildPlan& c : children) {
    std::set<std::string> rules;
    for (const Reason& r : c.reasons) rules.insert(r.rule);
    for (const std::string& rule : rules) ++by_rule[rule];
  }
  return by_rule;
}

std::map<std::string, size_t> ImportPlan::RepairsByRule() const {
  std::map<std::string, size_t> by_rule;
  for (const ChildPlan& c : children) {
    if (!c.reasons.empty()) continue;  // rejected later (by the intake): nothing was written
    for (const Reason& r : c.repairs) ++by_rule[r.rule];
  }
  return by_rule;
}

ImportPlan MakePlan(Returns returns, const ValidationOptions& given) {
  ImportPlan plan;
  plan.orphan_rows = std::move(returns.orphan_rows);
  ValidationOptions options = given;
  if (options.first_year == 0 && !returns.years.empty()) options.first_year = returns.years.front();
  for (auto& [id, child] : returns.children) {
    ChildPlan out;
    out.child_id = id;
    Checked checked = Validate(&child, options);
    out.episodes = child.episodes.size();
    out.reviews = child.reviews.size();
    if (checked.reasons.empty()) {
      out.repairs = std::move(checked.repairs);
      out.left_out = std::move(checked.left_out);
      out.not_recorded = std::move(checked.not_recorded);
      out.start_not_known = child.start_not_known;
      out.events = PlanEvents(child);
    } else {
      // Rejected whole: every reason, the rows that would have been left out among them.
      out.reasons = std::move(checked.reasons);
      for (Reason& r : checked.left_out) out.reasons.push_back(std::move(r));
    }
    plan.children.push_back(std::move(out));
  }
  return plan;
}

std::string RejectsCsv(const ImportPlan& plan) {
  std::string csv = "child_id,rule,detail,left_out\n";
  for (const ChildPlan& child : plan.children) {
    for (const Reason& r : child.reasons) AppendRow(child.child_id, r, "child", &csv);
    if (!child.reasons.empty()) continue;
    for (const Reason& r : child.left_out) AppendRow(child.child_id, r, "row", &csv);
    for (const Reason& r : child.not_recorded) AppendRow(child.child_id, r, "value", &csv);
  }
  for (const std::string& row : plan.orphan_rows) {
    absl::StrAppend(&csv, ",row.no_child,", Field(row), ",row\n");
  }
  return csv;
}
std::string RepairsCsv(const ImportPlan& plan) {
  std::string csv = "child_id,rule,detail\n";
  for (const ChildPlan& child : plan.children) {
    if (!child.reasons.empty()) continue;
    for (const Reason& r : child.repairs) AppendRow(child.child_id, r, nullptr, &csv);
  }
  return csv;
}

}  // namespace footprint::import903
