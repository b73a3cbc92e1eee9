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

// The rows of `list` of each child; with `accepted_only`, of the children not rejected.
std::string Rows(const ImportPlan& plan, std::vector<Reason> ChildPlan::*list, bool accepted_only) {
  std::string out = "child_id,rule,detail\n";
  for (const ChildPlan& child : plan.children) {
    if (accepted_only && !child.reasons.empty()) continue;
    for (const Reason& r : child.*list) {
      absl::StrAppend(&out, Field(child.child_id), ",", Field(r.rule), ",", Field(r.detail), "\n");
    }
  }
  return out;
}

}  // namespace

size_t ImportPlan::accepted() const {
  size_t n = 0;
  for (const ChildPlan& c : children) n += c.reasons.empty() ? 1 : 0;
  return n;
}

size_t ImportPlan::rejected() const { return children.size() - accepted(); }

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

ImportPlan MakePlan(Returns returns, const ValidationOptions& options) {
  ImportPlan plan;
  plan.orphan_rows = std::move(returns.orphan_rows);
  for (auto& [id, child] : returns.children) {
    ChildPlan out;
    out.child_id = id;
    Checked checked = Validate(&child, options);
    out.episodes = child.episodes.size();
    out.reviews = child.reviews.size();
    if (checked.reasons.empty()) {
      out.repairs = std::move(checked.repairs);
      out.events = PlanEvents(child);
    } else {
      out.reasons = std::move(checked.reasons);
    }
    plan.children.push_back(std::move(out));
  }
  return plan;
}

std::string RejectsCsv(const ImportPlan& plan) {
  std::string csv = Rows(plan, &ChildPlan::reasons, /*accepted_only=*/false);
  for (const std::string& row : plan.orphan_rows) {
    absl::StrAppend(&csv, ",row.no_child,", Field(row), "\n");
  }
  return csv;
}
std::string RepairsCsv(const ImportPlan& plan) {
  return Rows(plan, &ChildPlan::repairs, /*accepted_only=*/true);
}

}  // namespace footprint::import903
