// EscalationPolicy: a council's dispute resolution process (shared/docs/domain.md sections 7
// and 11): the stages, who responds at each, their response deadlines in working days, whether
// silence escalates, and the themes challenges are filed under. Configuration, never constants.
//
// Thread-safety: a value; immutable once built.
#ifndef FOOTPRINT_DOMAIN_ESCALATION_POLICY_H_
#define FOOTPRINT_DOMAIN_ESCALATION_POLICY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace footprint::domain {

struct EscalationStage {
  std::string name;           // "Informal", "Stage 1", ...
  std::string role;           // who responds: "Team Manager", ...
  int response_working_days;  // deadline, counted from the day the stage is entered (day 0)
};

struct EscalationPolicy {
  // stages[0] is the informal stage; stages[1..] are the formal stages in order of seniority.
  std::vector<EscalationStage> stages;
  // When a stage's deadline passes with no response, escalate to the next stage.
  bool auto_escalate_on_silence = true;
  std::vector<std::string> themes;

  // domain.md section 11: informal 5 WD; stages 1-4 (Team Manager, Service Manager, Head of
  // Service, Director) 5 WD each; auto-escalation on; the seed council's themes.
  static EscalationPolicy Default();

  // INVALID_ARGUMENT when the policy cannot work: no formal stage, a non-positive deadline,
  // empty or duplicate names, no themes.
  absl::Status Validate() const;
  // Warnings for a person (e.g. formal stages adding up to more than the 20 working days of
  // the IRO Handbook 6.2).
  std::vector<std::string> Warnings() const;

  // "informal", a stage name (case-insensitive) or its number ("0".."n"). nullopt if none.
  std::optional<int> FindStage(absl::string_view name_or_number) const;
  int last_stage() const { return static_cast<int>(stages.size()) - 1; }
  // Sum of the formal stages' deadlines.
  int FormalWorkingDays() const;
  // Case-insensitive match; returns the policy's spelling.
  std::optional<std::string> FindTheme(absl::string_view theme) const;
};

}  // namespace footprint::domain

#endif  // FOOTPRINT_DOMAIN_ESCALATION_POLICY_H_
