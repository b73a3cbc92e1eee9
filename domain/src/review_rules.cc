// The review family: looked-after children's reviews held, the IRO allocated, midway reviews,
// the paperwork of a review (the social worker's report, recommendations, the record), and the
// IRO's footprint beyond reviews (visits, quality-and-compliance forms, life-story work,
// case-file audits).
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

constexpr char kGrades[] = "OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT or INADEQUATE";
constexpr int kMaxThemes = 20;

// Paperwork about the review held on `review_text` (recommendations, the record, a quality
// form), dated `on`: that review is recorded and the paperwork is not dated before it.
absl::Status RequireReviewBefore(const ChildRecord& record, const std::string& review_text,
                                 absl::CivilDay on, absl::string_view path,
                                 absl::string_view field) {
  const absl::CivilDay review = *ParseIsoDate(review_text, "review_date");
  if (!record.ReviewHeldOn(review)) {
    return Precondition(absl::StrCat(path, ".review_date"),
                        absl::StrCat("no review held on ", review_text, " is recorded"));
  }
  if (on < review) {
    return Precondition(absl::StrCat(field, ".occurred_on"),
                        absl::StrCat(Day(on), " is before the review (", review_text, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReviewRules::CheckFields(const ChildEvent& e, absl::string_view path,
                                      const ValidationContext& ctx) {
  const absl::CivilDay today = ctx.today;
  switch (e.body_case()) {
    case ChildEvent::kIroAllocated: {
      const auto& b = e.iro_allocated();
      if (auto st = CheckId(b.iro_id(), absl::StrCat(path, ".iro_id"), true); !st.ok()) return st;
      if (auto st = CheckText(b.iro_name(), absl::StrCat(path, ".iro_name"), false); !st.ok()) {
        return st;
      }
      return CheckText(b.team(), absl::StrCat(path, ".team"), false);
    }
    case ChildEvent::kReviewHeld: {
      const auto& b = e.review_held();
      if (auto st = CheckId(b.iro_id(), absl::StrCat(path, ".iro_id"), false); !st.ok()) return st;
      if (!v1::ReviewHeld::Kind_IsValid(b.kind())) {
        return Invalid(absl::StrCat(path, ".kind"), "unknown value");
      }
      return CheckCode(b.participation(), absl::StrCat(path, ".participation"),
                       codes::IsParticipation, codes::kParticipationList,
                       "participation code (REVIEW_CODE)");
    }
    case ChildEvent::kSocialWorkerReportReceived: {
      // A report may arrive before the review it is for: the review date may be in the future.
      auto day = CheckDate(e.social_worker_report_received().review_date(),
                           absl::StrCat(path, ".review_date"), true, today, true);
      return day.status();
    }
    case ChildEvent::kRecommendationsIssued:
      return CheckDate(e.recommendations_issued().review_date(), absl::StrCat(path, ".review_date"),
                       true, today)
          .status();
    case ChildEvent::kReviewRecordDistributed:
      return CheckDate(e.review_record_distributed().review_date(),
                       absl::StrCat(path, ".review_date"), true, today)
          .status();
    case ChildEvent::kMidwayReviewCompleted:
      return CheckId(e.midway_review_completed().iro_id(), absl::StrCat(path, ".iro_id"), false);
    case ChildEvent::kIroVisit: {
      const auto& b = e.iro_visit();
      if (auto st = CheckId(b.iro_id(), absl::StrCat(path, ".iro_id"), true); !st.ok()) return st;
      if (b.mode() == v1::IroVisit::MODE_UNSPECIFIED || !v1::IroVisit::Mode_IsValid(b.mode())) {
        return Invalid(absl::StrCat(path, ".mode"), "required (FACE_TO_FACE or VIRTUAL)");
      }
      return absl::OkStatus();
    }
    case ChildEvent::kQualityAssuranceCompleted: {
      const auto& b = e.quality_assurance_completed();
      if (auto day = CheckDate(b.review_date(), absl::StrCat(path, ".review_date"), true, today);
          !day.ok()) {
        return day.status();
      }
      if (auto st = CheckId(b.iro_id(), absl::StrCat(path, ".iro_id"), false); !st.ok()) return st;
      if (b.grade() == v1::PRACTICE_GRADE_UNSPECIFIED || !v1::PracticeGrade_IsValid(b.grade())) {
        return Invalid(absl::StrCat(path, ".grade"), absl::StrCat("required (", kGrades, ")"));
      }
      if (b.themes_size() > kMaxThemes) {
        return Invalid(absl::StrCat(path, ".themes"), absl::StrCat("at most ", kMaxThemes));
      }
      for (int i = 0; i < b.themes_size(); ++i) {
        if (auto st = CheckText(b.themes(i), absl::StrCat(path, ".themes[", i, "]"), true);
            !st.ok()) {
          return st;
        }
      }
      if (b.grade() == v1::INADEQUATE && b.themes_size() == 0) {
        return Invalid(absl::StrCat(path, ".themes"),
                       "required for an INADEQUATE grading (the themes of the findings)");
      }
      return absl::OkStatus();
    }
    case ChildEvent::kLifeStoryWorkCompleted:
      return CheckText(e.life_story_work_completed().note(), absl::StrCat(path, ".note"), false);
    case ChildEvent::kCaseFileAudited: {
      const auto& b = e.case_file_audited();
      if (auto st = CheckText(b.auditor(), absl::StrCat(path, ".auditor"), true); !st.ok()) {
        return st;
      }
      if (!v1::PracticeGrade_IsValid(b.grade())) {
        return Invalid(absl::StrCat(path, ".grade"), absl::StrCat("one of ", kGrades));
      }
      return CheckText(b.note(), absl::StrCat(path, ".note"), false);
    }
    default:
      break;
  }
  return NotInFamily(e, path, "review");
}

absl::Status ReviewRules::CheckState(const ChildRecord& record, ChildEvent* e, absl::CivilDay on,
                                     absl::string_view path, absl::string_view field,
                                     const ValidationContext& /*ctx*/) {
  switch (e->body_case()) {
    case ChildEvent::kIroAllocated:
    case ChildEvent::kMidwayReviewCompleted:
    case ChildEvent::kIroVisit:
    case ChildEvent::kLifeStoryWorkCompleted:
      return RequireLookedAfter(record, on, path);
    case ChildEvent::kQualityAssuranceCompleted: {
      const std::string& review_text = e->quality_assurance_completed().review_date();
      if (auto st = RequireReviewBefore(record, review_text, on, path, field); !st.ok()) return st;
      const absl::CivilDay review = *ParseIsoDate(review_text, "review_date");
      for (const QualityAssuranceInfo& form : record.quality_assurance()) {
        if (form.review_date == review) {
          return Precondition(absl::StrCat(path, ".review_date"),
                              absl::StrCat("the review of ", review_text,
                                           " already has a quality-and-compliance form (recorded "
                                           "for ",
                                           Day(form.on), "); record a Correction to change it"));
        }
      }
      return absl::OkStatus();
    }
    case ChildEvent::kCaseFileAudited:
      // An audit may come after care ended, not before the child was ever looked after.
      if (record.periods().empty() || record.periods().front().start > on) {
        return Precondition(path, absl::StrCat("child ", record.child_id(),
                                               " has not been looked after by ", Day(on)));
      }
      return absl::OkStatus();
    case ChildEvent::kReviewHeld: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      if (record.ReviewHeldOn(on)) {
        return Precondition(path, absl::StrCat("a review is already recorded on ", Day(on)));
      }
      const std::string& code = e->review_held().participation();
      if (auto age = record.AgeOn(on)) {
        switch (codes::CheckParticipationForAge(code, *age)) {
          case codes::ParticipationForAge::kFits:
            break;
          case codes::ParticipationForAge::kPn0AtFourOrOver:
            return Precondition(
                absl::StrCat(path, ".participation"),
                absl::StrCat("PN0 is for children under 4; the child is ", *age, " on ", Day(on)));
          case codes::ParticipationForAge::kUnderFourNotPn0:
            return Precondition(
                absl::StrCat(path, ".participation"),
                absl::StrCat("the child is under 4 on ", Day(on), ": the code is PN0"));
        }
      }
      return absl::OkStatus();
    }
    case ChildEvent::kSocialWorkerReportReceived: {
      if (auto st = RequireLookedAfter(record, on, path); !st.ok()) return st;
      const absl::CivilDay review =
          *ParseIsoDate(e->social_worker_report_received().review_date(), "review_date");
      const PeriodOfCare* period = record.PeriodOn(on);
      if (review < period->start) {
        return Precondition(absl::StrCat(path, ".review_date"),
                            absl::StrCat(Day(review), " is before the period of care started (",
                                         Day(period->start), ")"));
      }
      return absl::OkStatus();
    }
    case ChildEvent::kRecommendationsIssued:
    case ChildEvent::kReviewRecordDistributed: {
      const std::string& review_text = e->has_recommendations_issued()
                                           ? e->recommendations_issued().review_date()
                                           : e->review_record_distributed().review_date();
      return RequireReviewBefore(record, review_text, on, path, field);
    }
    default:
      break;
  }
  return NotInFamily(*e, path, "review");
}

void ReviewRules::Apply(const ChildEvent& e, absl::CivilDay on, ChildRecord* record) {
  switch (e.body_case()) {
    case ChildEvent::kReviewHeld: {
      const auto& b = e.review_held();
      record->reviews_.push_back(ReviewInfo{on, b.participation(), b.kind(), b.iro_id()});
      record->care_facts_.emplace_back(on, "review");
      break;
    }
    case ChildEvent::kRecommendationsIssued:
      if (auto review = ParseIsoDate(e.recommendations_issued().review_date(), ""); review.ok()) {
        record->recommendations_.push_back(PaperworkInfo{on, *review});
      }
      break;
    case ChildEvent::kReviewRecordDistributed:
      if (auto review = ParseIsoDate(e.review_record_distributed().review_date(), "");
          review.ok()) {
        record->records_.push_back(PaperworkInfo{on, *review});
      }
      break;
    case ChildEvent::kIroAllocated: {
      const auto& b = e.iro_allocated();
      record->iros_.push_back(IroAllocation{on, b.iro_id(), b.iro_name(), b.team()});
      record->care_facts_.emplace_back(on, "IRO allocation");
      break;
    }
    case ChildEvent::kMidwayReviewCompleted:
      record->midway_reviews_.push_back(on);
      record->care_facts_.emplace_back(on, "midway review");
      break;
    case ChildEvent::kIroVisit:
      record->visits_.push_back(IroVisitInfo{on, e.iro_visit().iro_id(),
                                             e.iro_visit().mode() == v1::IroVisit::FACE_TO_FACE});
      record->care_facts_.emplace_back(on, "IRO visit");
      break;
    case ChildEvent::kQualityAssuranceCompleted:
      if (auto review = ParseIsoDate(e.quality_assurance_completed().review_date(), "");
          review.ok()) {
        const auto& b = e.quality_assurance_completed();
        record->qa_forms_.push_back(
            QualityAssuranceInfo{on, *review, b.grade(),
                                 std::vector<std::string>(b.themes().begin(), b.themes().end())});
      }
      break;
    case ChildEvent::kLifeStoryWorkCompleted:
      record->life_story_.push_back(on);
      record->care_facts_.emplace_back(on, "life-story work");
      break;
    case ChildEvent::kCaseFileAudited:
      record->audits_.push_back(on);
      break;
    case ChildEvent::kSocialWorkerReportReceived:
      if (auto review =
              ParseIsoDate(e.social_worker_report_received().review_date(), "review_date");
          review.ok()) {
        record->reports_.push_back(PaperworkInfo{on, *review});
      }
      record->care_facts_.emplace_back(on, "social worker report");
      break;
    default:
      break;
  }
}

}  // namespace footprint::domain::internal
