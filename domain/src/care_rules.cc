// The care family: periods of care, legal status, section 20 consent, the Public Law Outline
// (started, ended), care proceedings (issued, concluded) and permanence plans.
// Each event's field rules (CheckFields: codes, formats, required values; no record needed),
// state rules (CheckState: what the child's record must allow, filling in what the service
// computes) and application (Apply: what the fact changes in the record) are here, and only here;
// child_record.cc dispatches to them (docs/domain-events.md).
#include "event_rules.h"

#include "absl/strings/str_cat.h"
#include "domain/codes.h"

namespace footprint::domain::internal {

using v1::ChildEvent;

namespace {

bool PlacedWithParents(const v1::Placement* p) { return p != nullptr && p->type() == "P1"; }

// A start opens a process unless one runs (then it continues it).
void Start(std::vector<LegalProcess>* processes, absl::CivilDay on) {
  if (processes->empty() || processes->back().end) processes->push_back(LegalProcess{on, {}, ""});
}

// An end closes the process that runs (rules allow no other; a record that did not hold
// together keeps the first end).
void End(std::vector<LegalProcess>* processes, absl::CivilDay on, std::string outcome) {
  if (!processes->empty() && !processes->back().end && processes->back().start <= on) {
    processes->back().end = on;
    processes->back().outcome = std::move(outcome);
  }
}

// OK when a process of `processes` started on or before `on` and has not ended: what ends it
// (`what`, "PLO" or "care proceedings") ends that one.
absl::Status RequireRunning(const std::vector<LegalProcess>& processes, absl::CivilDay on,
                            absl::string_view path, absl::string_view what) {
  const LegalProcess* latest = nullptr;
  for (const LegalProcess& p : processes) {
    if (p.start <= on) latest = &p;
  }
  if (latest == nullptr) {
    return Precondition(path, absl::StrCat("no ", what, " has started on or before ", Day(on)));
  }
  if (latest->end) {
    return Precondition(path, absl::StrCat("the ", what, " started on ", Day(latest->start),
                                           " already ended on ", Day(*latest->end)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CareRules::CheckFields(const ChildEvent& e, absl::string_view path,
                                    const ValidationContext& ctx) {
  const absl::CivilDay today = ctx.today;
  switch (e.body_case()) {
    case ChildEvent::kPeriodOfCareStarted: {
      const auto& b = e.period_of_care_started();
      if (auto st = CheckCode(b.legal_status(), absl::StrCat(path, ".legal_status"),
                              codes::IsLegalStatus, codes::kLegalStatusList, "legal status (LS)");
          !st.ok()) {
        return st;
      }
      if (!b.has_placement()) return Invalid(absl::StrCat(path, ".placement"), "required");
      if (auto st = PlacementRules::CheckPlacement(b.placement(), absl::StrCat(path, ".placement"));
          !st.ok()) {
        return st;
      }
      if (auto st = CheckCode(b.category_of_need(), absl::StrCat(path, ".category_of_need"),
                              codes::IsCategoryOfNeed, codes::kCategoryOfNeedList,
                              "category of need (CIN)");
          !st.ok()) {
        return st;
      }
      auto dob = CheckDate(b.date_of_birth(), absl::StrCat(path, ".date_of_birth"), true, today);
      if (!dob.ok()) return dob.status();
      if (b.legal_status() == "V2" && b.placement().type() == "P1") {
        return Invalid(path,
                       "legal status V2 (single period of section 20) cannot be combined "
                       "with placement P1 (placed with parents)");
      }
      return absl::OkStatus();
    }
    case ChildEvent::kPeriodOfCareEnded:
      return CheckCode(e.period_of_care_ended().reason(), absl::StrCat(path, ".reason"),
                       codes::IsReasonCareEnded, codes::kReasonCareEndedList,
                       "reason care ended (REC E-code)");
    case ChildEvent::kLegalStatusChanged:
      return CheckCode(e.legal_status_changed().legal_status(), absl::StrCat(path, ".legal_status"),
                       codes::IsLegalStatus, codes::kLegalStatusList, "legal status (LS)");
    case ChildEvent::kSection20ConsentRecorded: {
      const auto& b = e.section20_consent_recorded();
      if (b.consented_by() == v1::Section20ConsentRecorded::CONSENTER_UNSPECIFIED ||
          !v1::Section20ConsentRecorded::Consenter_IsValid(b.consented_by())) {
        return Invalid(absl::StrCat(path, ".consented_by"),
                       "required (PARENT, OTHER_PERSON_WITH_PARENTAL_RESPONSIBILITY or "
                       "CHILD_AGED_16_OR_17)");
      }
      return CheckText(b.consenter_name(), absl::StrCat(path, ".consenter_name"), false);
    }
    case ChildEvent::kSection20ConsentWithdrawn:
      return CheckText(e.section20_consent_withdrawn().note(), absl::StrCat(path, ".note"), false);
    case ChildEvent::kPloStarted:
      return absl::OkStatus();
    case ChildEvent::kPermanencePlanRecorded: {
      const auto& b = e.permanence_plan_recorded();
      if (b.plan() == v1::PermanencePlanRecorded::PLAN_UNSPECIFIED ||
          !v1::PermanencePlanRecorded::Plan_IsValid(b.plan())) {
        return Invalid(absl::StrCat(path, ".plan"),
                       "required (RETURN_HOME, ADOPTION, SPECIAL_GUARDIANSHIP, "
                       "CHILD_ARRANGEMENTS_ORDER, LONG_TERM_FOSTERING, RESIDENTIAL_CARE, "
                       "INDEPENDENT_LIVING, DISCHARGE_OF_CARE_ORDER or OTHER)");
      }
      return CheckText(b.note(), absl::StrCat(path, ".note"), false);
    }
    case ChildEvent::kProceedingsIssued:
      return CheckText(e.proceedings_issued().court(), absl::StrCat(path, ".court"), false);
    case ChildEvent::kPloEnded: {
      const auto& b = e.plo_ended();
      if (b.outcome() == v1::PloEnded::OUTCOME_UNSPECIFIED ||
          !v1::PloEnded::Outcome_IsValid(b.outcome())) {
        return Invalid(absl::StrCat(path, ".outcome"),
                       "required (STEPPED_DOWN, PROCEEDINGS_ISSUED or MONITORING_ENDED)");
      }
      return CheckText(b.note(), absl::StrCat(path, ".note"), false);
    }
    case ChildEvent::kProceedingsConcluded: {
      const auto& b = e.proceedings_concluded();
      if (b.outcome() == v1::ProceedingsConcluded::OUTCOME_UNSPECIFIED ||
          !v1::ProceedingsConcluded::Outcome_IsValid(b.outcome())) {
        return Invalid(absl::StrCat(path, ".outcome"),
                       "required (CARE_ORDER, PLACEMENT_ORDER, SPECIAL_GUARDIANSHIP_ORDER, "
                       "CHILD_ARRANGEMENTS_ORDER, SUPERVISION_ORDER, NO_ORDER or WITHDRAWN)");
      }
      return CheckText(b.note(), absl::StrCat(path, ".note"), false);
    }
    default:
      break;
  }
  return NotInFamily(e, path, "care");
}

absl::Status CareRules::CheckState(const ChildRecord& record, ChildEvent* e, absl::CivilDay on,
                                   absl::string_view path, absl::string_view field,
                                   const ValidationContext& /*ctx*/) {
  switch (e->body_case()) {
    case ChildEvent::kPeriodOfCareStarted: {
      const auto& b = e->period_of_care_started();
      if (const PeriodOfCare* during = record.PeriodOn(on)) {
        return Precondition(
            path, absl::StrCat("child ", record.child_id(), " is already looked after on ", Day(on),
                               " (period of care from ", Day(during->start), ")"));
      }
      if (!b.reviews_known_from().empty()) {
        auto from = ParseIsoDate(b.reviews_known_from(), absl::StrCat(path, ".reviews_known_from"));
        if (!from.ok()) return from.status();
        if (*from <= on || b.start_not_known()) {
          return Invalid(absl::StrCat(path, ".reviews_known_from"),
                         b.start_not_known()
                             ? std::string("not with start_not_known (then no review before the "
                                           "start is in the record)")
                             : absl::StrCat(b.reviews_known_from(), " is not after the start"));
        }
        if (!record.periods().empty()) {
          return Precondition(absl::StrCat(path, ".reviews_known_from"),
                              absl::StrCat("only the first period of care in a child's record can "
                                           "begin before the record; child ",
                                           record.child_id(), " has a period of care from ",
                                           Day(record.periods().front().start)));
        }
      }
      if (b.start_not_known() && !record.periods().empty()) {
        return Precondition(
            absl::StrCat(path, ".start_not_known"),
            absl::StrCat("only the first period of care in a child's record can have a start "
                         "that is not known; child ",
                         record.child_id(), " has a period of care from ",
                         Day(record.periods().front().start)));
      }
      const absl::CivilDay dob = *ParseIsoDate(b.date_of_birth(), "date_of_birth");
      if (dob > on) {
        return Invalid(absl::StrCat(path, ".date_of_birth"),
                       absl::StrCat(b.date_of_birth(), " is after the period of care starts"));
      }
      if (record.date_of_birth() && *record.date_of_birth() != dob) {
        return Precondition(
            absl::StrCat(path, ".date_of_birth"),
            absl::StrCat(b.date_of_birth(),
                         " differs from the date of birth "
                         "recorded before (",
                         Day(*record.date_of_birth()), "); record a Correction to change it"));
      }
      return absl::OkStatus();
    }
    case ChildEvent::kPeriodOfCareEnded: {
      if (record.periods().empty()) {
        return Precondition(
            path, absl::StrCat("child ", record.child_id(), " has never been looked after"));
      }
      const PeriodOfCare* period = record.PeriodOn(on);
      if (period == nullptr) {
        // The latest period that started before `on`, if any, tells what went wrong.
        const PeriodOfCare* before = nullptr;
        for (const auto& p : record.periods()) {
          if (p.start <= on) before = &p;
        }
        if (before != nullptr && before->end) {
          return Precondition(path,
                              absl::StrCat("care has already ended (on ", Day(*before->end), ")"));
        }
        return Precondition(absl::StrCat(field, ".occurred_on"),
                            absl::StrCat(Day(on), " is before the period of care started"));
      }
      if (period->end) {
        return Precondition(path,
                            absl::StrCat("care has already ended (on ", Day(*period->end), ")"));
      }
      return absl::OkStatus();
    }
    case ChildEvent::kLegalStatusChanged: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      const std::string& status = e->legal_status_changed().legal_status();
      if (record.LegalStatusOn(on) == status) {
        return Precondition(absl::StrCat(path, ".legal_status"),
                            absl::StrCat("the legal status is already ", status, " on ", Day(on)));
      }
      if (status == "V2" && PlacedWithParents(record.PlacementOn(on))) {
        return Precondition(absl::StrCat(path, ".legal_status"),
                            "V2 (single period of section 20) cannot apply while the child is "
                            "placed with parents (P1)");
      }
      return absl::OkStatus();
    }
    case ChildEvent::kSection20ConsentRecorded:
    case ChildEvent::kSection20ConsentWithdrawn: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      const std::string status = record.LegalStatusOn(on);
      if (!codes::IsSection20(status)) {
        return Precondition(path, absl::StrCat("section 20 consent applies to legal status V2, "
                                               "V3 or V4; the legal status on ",
                                               Day(on), " is ", status));
      }
      if (e->has_section20_consent_recorded() &&
          e->section20_consent_recorded().consented_by() ==
              v1::Section20ConsentRecorded::CHILD_AGED_16_OR_17) {
        auto age = record.AgeOn(on);
        if (age && (*age < 16 || *age > 17)) {
          return Precondition(absl::StrCat(path, ".consented_by"),
                              absl::StrCat("the child is ", *age, " on ", Day(on),
                                           "; only a child aged 16 or 17 may consent alone"));
        }
      }
      return absl::OkStatus();
    }
    case ChildEvent::kPloStarted:
    case ChildEvent::kProceedingsIssued:
    case ChildEvent::kPermanencePlanRecorded:
      return RequireLookedAfter(record, on, path);
    case ChildEvent::kPloEnded:
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      return RequireRunning(record.plo_processes(), on, path, "PLO");
    case ChildEvent::kProceedingsConcluded:
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      return RequireRunning(record.court_processes(), on, path, "care proceedings");
    default:
      break;
  }
  return NotInFamily(*e, path, "care");
}

void CareRules::Apply(const ChildEvent& e, absl::CivilDay on, ChildRecord* record) {
  switch (e.body_case()) {
    case ChildEvent::kPeriodOfCareStarted: {
      const auto& b = e.period_of_care_started();
      if (!record->periods_.empty() && !record->periods_.back().end) {
        record->problems_.push_back(
            absl::StrCat("a period of care starts on ", Day(on), " while the one from ",
                         Day(record->periods_.back().start), " has not ended"));
      } else if (!record->periods_.empty() && on <= *record->periods_.back().end) {
        record->problems_.push_back(absl::StrCat("a period of care starts on ", Day(on),
                                                 ", not after the previous one ended (",
                                                 Day(*record->periods_.back().end), ")"));
      }
      record->periods_.push_back(
          PeriodOfCare{on, std::nullopt, "", !b.start_not_known(), std::nullopt});
      if (b.start_not_known()) {
        record->periods_.back().reviews_known_from = on;
      } else if (auto from = ParseIsoDate(b.reviews_known_from(), "reviews_known_from");
                 from.ok() && *from > on) {
        record->periods_.back().reviews_known_from = *from;
      }
      record->legal_status_.emplace_back(on, b.legal_status());
      record->placements_.push_back(PlacementSpan{on, b.placement(), true, true, ""});
      if (auto dob = ParseIsoDate(b.date_of_birth(), "date_of_birth"); dob.ok()) {
        record->date_of_birth_ = *dob;
      }
      break;
    }
    case ChildEvent::kPeriodOfCareEnded:
      if (!record->periods_.empty() && !record->periods_.back().end &&
          record->periods_.back().start <= on) {
        record->periods_.back().end = on;
        record->periods_.back().end_reason = e.period_of_care_ended().reason();
      } else {
        record->problems_.push_back(
            absl::StrCat("care ends on ", Day(on), " with no period of care open that day"));
      }
      break;
    case ChildEvent::kLegalStatusChanged:
      record->legal_status_.emplace_back(on, e.legal_status_changed().legal_status());
      record->care_facts_.emplace_back(on, "legal status change");
      break;
    case ChildEvent::kPermanencePlanRecorded:
      record->plans_.push_back(PermanencePlan{on, e.permanence_plan_recorded().plan()});
      record->care_facts_.emplace_back(on, "permanence plan");
      break;
    case ChildEvent::kSection20ConsentRecorded:
      record->consents_.push_back(
          ConsentInfo{on, false, false, e.section20_consent_recorded().consented_by()});
      record->care_facts_.emplace_back(on, "section 20 consent");
      break;
    case ChildEvent::kSection20ConsentWithdrawn:
      record->consents_.push_back(ConsentInfo{on, true,
                                              e.section20_consent_withdrawn().removal_requested(),
                                              v1::Section20ConsentRecorded::CONSENTER_UNSPECIFIED});
      record->care_facts_.emplace_back(on, "section 20 consent");
      break;
    case ChildEvent::kPloStarted:
      record->plo_starts_.push_back(on);
      Start(&record->plo_processes_, on);
      record->care_facts_.emplace_back(on, "PLO start");
      break;
    case ChildEvent::kPloEnded:
      End(&record->plo_processes_, on, v1::PloEnded::Outcome_Name(e.plo_ended().outcome()));
      record->care_facts_.emplace_back(on, "PLO end");
      break;
    case ChildEvent::kProceedingsIssued:
      record->proceedings_.push_back(on);
      Start(&record->court_processes_, on);
      record->care_facts_.emplace_back(on, "proceedings");
      break;
    case ChildEvent::kProceedingsConcluded:
      End(&record->court_processes_, on,
          v1::ProceedingsConcluded::Outcome_Name(e.proceedings_concluded().outcome()));
      record->care_facts_.emplace_back(on, "conclusion of proceedings");
      break;
    default:
      break;
  }
}

}  // namespace footprint::domain::internal
