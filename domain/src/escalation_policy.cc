#include "domain/escalation_policy.h"

#include <charconv>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace footprint::domain {

EscalationPolicy EscalationPolicy::Default() {
  EscalationPolicy p;
  p.stages = {{"Informal", "Social worker or team manager", 5},
              {"Stage 1", "Team Manager", 5},
              {"Stage 2", "Service Manager", 5},
              {"Stage 3", "Head of Service", 5},
              {"Stage 4", "Director", 5}};
  p.auto_escalate_on_silence = true;
  p.themes = {"Drift and Delay", "Management Oversight", "Quality of Provision", "Quality of Plan"};
  return p;
}

absl::Status EscalationPolicy::Validate() const {
  if (stages.size() < 2) {
    return absl::InvalidArgumentError(
        "escalation.stages: needs the informal stage and at least one formal stage");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < stages.size(); ++i) {
    const std::string field = absl::StrCat("escalation.stages[", i, "]");
    if (stages[i].name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".name: required"));
    }
    if (!names.insert(absl::AsciiStrToLower(stages[i].name)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".name: '", stages[i].name, "' appears twice"));
    }
    if (stages[i].response_working_days <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".response_working_days: must be at least 1"));
    }
  }
  if (themes.empty()) return absl::InvalidArgumentError("escalation.themes: at least one theme");
  return absl::OkStatus();
}

int EscalationPolicy::FormalWorkingDays() const {
  int total = 0;
  for (size_t i = 1; i < stages.size(); ++i) total += stages[i].response_working_days;
  return total;
}

std::vector<std::string> EscalationPolicy::Warnings() const {
  std::vector<std::string> warnings;
  if (FormalWorkingDays() > 20) {
    warnings.push_back(absl::StrCat(
        "escalation: the formal stages add up to ", FormalWorkingDays(),
        " working days; the IRO Handbook (6.2) expects the whole formal process within 20 "
        "working days"));
  }
  return warnings;
}

std::optional<int> EscalationPolicy::FindStage(absl::string_view name_or_number) const {
  if (absl::EqualsIgnoreCase(name_or_number, "informal")) return 0;
  int number = -1;
  const auto [end, error] =
      std::from_chars(name_or_number.data(), name_or_number.data() + name_or_number.size(), number);
  if (!name_or_number.empty() && error == std::errc() &&
      end == name_or_number.data() + name_or_number.size()) {
    if (number >= 0 && number <= last_stage()) return number;
    return std::nullopt;
  }
  for (size_t i = 0; i < stages.size(); ++i) {
    if (absl::EqualsIgnoreCase(stages[i].name, name_or_number)) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::optional<std::string> EscalationPolicy::FindTheme(absl::string_view theme) const {
  for (const auto& t : themes) {
    if (absl::EqualsIgnoreCase(t, theme)) return t;
  }
  return std::nullopt;
}

}  // namespace footprint::domain
