// The IRO manager's reports over hand-computed timetables (shared/docs/domain.md sections 4-9
// and 11). Every child's record is built from ChildEvents that first pass the intake rules
// (CompleteAndValidate, which also fills a challenge's stage name and response deadline from the
// default escalation policy), and every expected date below was counted by hand on the England &
// Wales calendar: day 0 is the trigger day, "within N working days" is the Nth working day after
// it, and calendar months clamp to the end of a shorter month.
//
// Bank holidays that matter here: 2025-12-25/26; 2026-01-01, 04-03 (Good Friday), 04-06 (Easter
// Monday), 05-04, 05-25, 08-31, 12-25, 12-28 (substitute for Boxing Day); 2027-01-01, 08-30.
#include "projections/reports.h"

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "domain/child_record.h"
#include "domain/escalation_policy.h"
#include "domain/review_schedule.h"
#include "domain/working_calendar.h"
#include "projections/council_view.h"

namespace footprint::projections {

using domain::AnswerLateness;
using domain::ChallengeState;
using domain::ChallengeStep;
using domain::ChildRecord;
using domain::CompleteAndValidate;
using domain::EscalationPolicy;
using domain::FormatIsoDate;
using domain::ReviewSettings;
using domain::ReviewTimeline;
using domain::ValidationContext;
using domain::WorkingCalendar;
namespace {

absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

const WorkingCalendar& Calendar() { return WorkingCalendar::EnglandAndWales(); }

const EscalationPolicy& Policy() {
  static const EscalationPolicy policy = EscalationPolicy::Default();
  return policy;
}

CouncilSettings Settings(const ReviewSettings& reviews = {}) {
  CouncilSettings settings;
  settings.reviews = reviews;
  settings.policy = &Policy();
  settings.calendar = &Calendar();
  return settings;
}

v1::Placement Place(const std::string& type, const std::string& provider = "PR1",
                    std::optional<double> miles = std::nullopt,
                    v1::Placement::Registration registration = v1::Placement::REGISTERED) {
  v1::Placement p;
  p.set_type(type);
  p.set_provider(provider);
  p.set_registration(registration);
  if (miles) p.set_distance_miles(*miles);
  return p;
}

// A child's record built from events that each pass the intake rules first (a scenario that
// could not be recorded through the service fails its REQUIRE).
class Child {
 public:
  explicit Child(const std::string& id) : id_(id), record_(id) {}

  Child& Start(const std::string& on, const std::string& legal_status = "C2",
               const v1::Placement& placement = Place("U1"),
               const std::string& date_of_birth = "2015-06-01") {
    v1::ChildEvent e = Event(on);
    auto* b = e.mutable_period_of_care_started();
    b->set_legal_status(legal_status);
    *b->mutable_placement() = placement;
    b->set_category_of_need("N1");
    b->set_date_of_birth(date_of_birth);
    return Add(e);
  }
  // A period imported from returns that begin mid-care: it began on or before `on`.
  Child& StartNotKnown(const std::string& on, const std::string& legal_status = "C2") {
    v1::ChildEvent e = Event(on);
    auto* b = e.mutable_period_of_care_started();
    b->set_legal_status(legal_status);
    *b->mutable_placement() = Place("U1");
    b->set_category_of_need("N1");
    b->set_date_of_birth("2005-06-01");
    b->set_start_not_known(true);
    return Add(e);
  }
  Child& End(const std::string& on, const std::string& reason = "E4A") {
    v1::ChildEvent e = Event(on);
    e.mutable_period_of_care_ended()->set_reason(reason);
    return Add(e);
  }
  Child& Status(const std::string& on, const std::string& legal_status) {
    v1::ChildEvent e = Event(on);
    e.mutable_legal_status_changed()->set_legal_status(legal_status);
    return Add(e);
  }
  Child& Move(const std::string& on, const v1::Placement& placement,
              const std::string& reason = "CARPL", bool carer_changed = true) {
    v1::ChildEvent e = Event(on);
    auto* b = e.mutable_placement_changed();
    *b->mutable_placement() = placement;
    b->set_reason_for_change(reason);
    b->set_carer_changed(carer_changed);
    return Add(e);
  }
  Child& Review(const std::string& on, const std::string& participation = "PN1") {
    v1::ChildEvent e = Event(on);
    e.mutable_review_held()->set_participation(participation);
    return Add(e);
  }
  Child& Iro(const std::string& on, const std::string& iro_id, const std::string& team) {
    v1::ChildEvent e = Event(on);
    auto* b = e.mutable_iro_allocated();
    b->set_iro_id(iro_id);
    b->set_iro_name("IRO " + iro_id);
    b->set_team(team);
    return Add(e);
  }
  Child& SocialWorkerReport(const std::string& on, const std::string& review_date) {
    v1::ChildEvent e = Event(on);
    e.mutable_social_worker_report_received()->set_review_date(review_date);
    return Add(e);
  }
  Child& Recommendations(const std::string& on, const std::string& review_date) {
    v1::ChildEvent e = Event(on);
    e.mutable_recommendations_issued()->set_review_date(review_date);
    return Add(e);
  }
  Child& RecordDistributed(const std::string& on, const std::string& review_date) {
    v1::ChildEvent e = Event(on);
    e.mutable_review_record_distributed()->set_review_date(review_date);
    return Add(e);
  }
  Child& Midway(const std::string& on) {
    v1::ChildEvent e = Event(on);
    e.mutable_midway_review_completed();
    return Add(e);
  }
  Child& Consent(const std::string& on, v1::Section20ConsentRecorded::Consenter by =
                                            v1::Section20ConsentRecorded::PARENT) {
    v1::ChildEvent e = Event(on);
    e.mutable_section20_consent_recorded()->set_consented_by(by);
    return Add(e);
  }
  Child& ConsentWithdrawn(const std::string& on, bool removal_requested) {
    v1::ChildEvent e = Event(on);
    e.mutable_section20_consent_withdrawn()->set_removal_requested(removal_requested);
    return Add(e);
  }
  Child& Plan(const std::string& on, v1::PermanencePlanRecorded::Plan plan) {
    v1::ChildEvent e = Event(on);
    e.mutable_permanence_plan_recorded()->set_plan(plan);
    return Add(e);
  }
  Child& Plo(const std::string& on) {
    v1::ChildEvent e = Event(on);
    e.mutable_plo_started();
    return Add(e);
  }
  Child& PloEnd(const std::string& on, v1::PloEnded::Outcome outcome) {
    v1::ChildEvent e = Event(on);
    e.mutable_plo_ended()->set_outcome(outcome);
    return Add(e);
  }
  Child& Issue(const std::string& on) {
    v1::ChildEvent e = Event(on);
    e.mutable_proceedings_issued()->set_court("Family Court");
    return Add(e);
  }
  Child& Conclude(const std::string& on, v1::ProceedingsConcluded::Outcome outcome) {
    v1::ChildEvent e = Event(on);
    e.mutable_proceedings_concluded()->set_outcome(outcome);
    return Add(e);
  }
  // Raised at `stage` (empty: informal).
  Child& Raise(const std::string& on, const std::string& challenge_id, const std::string& iro_id,
               const std::string& theme, const std::string& stage = "") {
    v1::ChildEvent e = Event(on);
    auto* b = e.mutable_challenge_raised();
    b->set_challenge_id(challenge_id);
    b->set_iro_id(iro_id);
    b->set_theme(theme);
    b->set_issue("issue " + challenge_id);
    if (!stage.empty()) b->mutable_stage()->set_name(stage);
    return Add(e);
  }
  // To the next stage.
  Child& Escalate(const std::string& on, const std::string& challenge_id) {
    v1::ChildEvent e = Event(on);
    e.mutable_challenge_escalated()->set_challenge_id(challenge_id);
    return Add(e);
  }
  Child& Respond(const std::string& on, const std::string& challenge_id) {
    v1::ChildEvent e = Event(on);
    e.mutable_challenge_responded()->set_challenge_id(challenge_id);
    e.mutable_challenge_responded()->set_response("we will act");
    return Add(e);
  }
  Child& Resolve(const std::string& on, const std::string& challenge_id) {
    v1::ChildEvent e = Event(on);
    e.mutable_challenge_resolved()->set_challenge_id(challenge_id);
    e.mutable_challenge_resolved()->set_outcome("plan agreed");
    return Add(e);
  }
  Child& Withdraw(const std::string& on, const std::string& challenge_id) {
    v1::ChildEvent e = Event(on);
    e.mutable_challenge_withdrawn()->set_challenge_id(challenge_id);
    return Add(e);
  }
  Child& Cafcass(const std::string& on, const std::string& challenge_id) {
    v1::ChildEvent e = Event(on);
    e.mutable_cafcass_referral_made()->set_challenge_id(challenge_id);
    e.mutable_cafcass_referral_made()->set_reason("no progress");
    return Add(e);
  }

  // The IRO's footprint beyond reviews.
  Child& Visit(const std::string& on, bool face_to_face) {
    v1::ChildEvent e = Event(on);
    e.mutable_iro_visit()->set_iro_id("iro-1");
    e.mutable_iro_visit()->set_mode(face_to_face ? v1::IroVisit::FACE_TO_FACE
                                                 : v1::IroVisit::VIRTUAL);
    return Add(e);
  }
  Child& QualityAssurance(const std::string& on, const std::string& review_date,
                          v1::PracticeGrade grade, std::vector<std::string> themes = {}) {
    v1::ChildEvent e = Event(on);
    auto* b = e.mutable_quality_assurance_completed();
    b->set_review_date(review_date);
    b->set_grade(grade);
    for (std::string& theme : themes) b->add_themes(std::move(theme));
    return Add(e);
  }
  Child& LifeStory(const std::string& on) {
    v1::ChildEvent e = Event(on);
    e.mutable_life_story_work_completed();
    return Add(e);
  }
  Child& Audit(const std::string& on) {
    v1::ChildEvent e = Event(on);
    e.mutable_case_file_audited()->set_auditor("iro-2");
    return Add(e);
  }
  // Placements with parents: the nominated officer's approval, the parent's assessment and a
  // placement plan, each for the placement starting on `placement_start`.
  Child& Approve(const std::string& on, const std::string& placement_start,
                 bool before_assessment = false) {
    v1::ChildEvent e = Event(on);
    auto* b = e.mutable_placement_with_parents_approved();
    b->set_placement_start(placement_start);
    b->set_approved_by("N. Officer");
    b->set_before_assessment(before_assessment);
    return Add(e);
  }
  Child& Assess(const std::string& on, const std::string& placement_start) {
    v1::ChildEvent e = Event(on);
    e.mutable_parent_assessment_completed()->set_placement_start(placement_start);
    return Add(e);
  }
  Child& PlacementPlan(const std::string& on, const std::string& placement_start) {
    v1::ChildEvent e = Event(on);
    e.mutable_placement_plan_recorded()->set_placement_start(placement_start);
    return Add(e);
  }

  const std::string& id() const { return id_; }
  const ChildRecord& record() const { return record_; }

 private:
  v1::ChildEvent Event(const std::string& on) const {
    v1::ChildEvent e;
    e.set_child_id(id_);
    e.set_occurred_on(on);
    return e;
  }
  Child& Add(v1::ChildEvent e) {
    ValidationContext context;
    context.today = D(2030, 12, 31);
    context.policy = &Policy();
    context.calendar = &Calendar();
    const absl::Status valid = CompleteAndValidate(record_, &e, "event", context);
    INFO(e.ShortDebugString());
    INFO(valid.ToString());
    REQUIRE(valid.ok());
    record_.Add("e" + std::to_string(next_++), e);
    const absl::Status consistent = record_.Consistency();
    INFO(consistent.ToString());
    REQUIRE(consistent.ok());
    return *this;
  }

  std::string id_;
  ChildRecord record_;
  int next_ = 0;
};

// The child as the server's view holds it: with its review timeline for the default settings
// (reports asked with other settings compute directly; both must agree, see
// review_timeline_test.cc).
std::shared_ptr<const ChildRecord> AsInView(const ChildRecord& record) {
  auto copy = std::make_shared<ChildRecord>(record);
  auto timeline = ReviewTimeline::Build(*copy, Settings().reviews, Calendar());
  REQUIRE(timeline.ok());
  copy->set_review_timeline(std::move(*timeline));
  return copy;
}

ChildMap Council(std::initializer_list<const Child*> children) {
  ChildMap map;
  for (const Child* child : children) map[child->id()] = AsInView(child->record());
  return map;
}

template <typename Items>
std::vector<std::string> ChildIds(const Items& items) {
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item.child_id());
  return ids;
}

template <typename Items>
auto FindChild(const Items& items, const std::string& child_id) {
  for (const auto& item : items) {
    if (item.child_id() == child_id) return item;
  }
  FAIL("no item for child " << child_id);
  return *items.begin();
}

v1::ReviewsDueReport Due(const ChildMap& children, absl::CivilDay as_at, int within_days,
                         bool overdue_only = false, const ReportFilter& filter = {},
                         const CouncilSettings& settings = Settings()) {
  auto report = ReviewsDue(children, as_at, within_days, overdue_only, filter, settings);
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return *report;
}

v1::TimelinessReport Held(const ChildMap& children, absl::CivilDay from, absl::CivilDay to,
                          const ReportFilter& filter = {},
                          const CouncilSettings& settings = Settings()) {
  auto report = Timeliness(children, from, to, filter, settings);
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return *report;
}

v1::EscalationReport Open(const ChildMap& children, absl::CivilDay as_at, absl::CivilDay from,
                          absl::CivilDay to, const ReportFilter& filter = {}) {
  auto report = Escalations(children, as_at, from, to, filter, Settings());
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return *report;
}

v1::Section20Report S20(const ChildMap& children, absl::CivilDay as_at,
                        std::optional<absl::CivilDay> from = std::nullopt,
                        const ReportFilter& filter = {}) {
  auto report = Section20(children, as_at, from, filter, Settings());
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return *report;
}

v1::PlacementReport Stability(const ChildMap& children, absl::CivilDay as_at,
                              const ReportFilter& filter = {}) {
  auto report = Placements(children, as_at, filter, Settings());
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return *report;
}

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& list) {
  return std::vector<std::string>(list.begin(), list.end());
}

int Count(const google::protobuf::Map<std::string, int32_t>& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? 0 : it->second;
}

// --- 1. Looked after the day before a bank holiday weekend ------------------------------------

TEST_CASE("looked after the day before Easter: the first review is due after 20 working days",
          "[reports]") {
  Child a("A");
  a.Start("2026-04-02");  // Thursday, the day before Good Friday
  const ChildMap council = Council({&a});
  // Day 0 Thu 2 Apr. Fri 3 (Good Friday), Sat 4, Sun 5, Mon 6 (Easter Monday) do not count:
  // Tue 7 = 1, Wed 8 = 2, Thu 9 = 3, Fri 10 = 4; Mon 13 - Fri 17 = 5-9; Mon 20 - Fri 24 = 10-14;
  // Mon 27 - Thu 30 = 15-18; Fri 1 May = 19; Mon 4 May (early May bank holiday) does not count;
  // Tue 5 May = 20. 33 days after 2 April.
  const v1::ReviewsDueReport due = Due(council, D(2026, 4, 2), 33);
  REQUIRE(due.items_size() == 1);
  const v1::ReviewDueItem& item = due.items(0);
  CHECK(item.child_id() == "A");
  CHECK(item.due_on() == "2026-05-05");
  CHECK(item.rule() == "1st review: 20 working days from 2026-04-02");
  CHECK(item.review_number() == 1);
  CHECK(item.period_start() == "2026-04-02");
  CHECK(item.last_review().empty());
  CHECK(item.days_until_due() == 33);
  CHECK_FALSE(item.overdue());
  // One day short of the due date is outside a 32-day window.
  CHECK(Due(council, D(2026, 4, 2), 32).items_size() == 0);

  SECTION("with the council's 28-days setting") {
    ReviewSettings days28;
    days28.first_review = ReviewSettings::FirstReview::kTwentyEightDays;
    // 2 April + 28 calendar days = Thu 30 April (bank holidays make no difference).
    const v1::ReviewsDueReport report =
        Due(council, D(2026, 4, 2), 28, false, {}, Settings(days28));
    REQUIRE(report.items_size() == 1);
    CHECK(report.items(0).due_on() == "2026-04-30");
    CHECK(report.items(0).rule() == "1st review: 28 days from 2026-04-02");
    CHECK(report.items(0).days_until_due() == 28);
    // As at Fri 1 May it is overdue by one day.
    const v1::ReviewsDueReport late = Due(council, D(2026, 5, 1), 0, true, {}, Settings(days28));
    REQUIRE(late.items_size() == 1);
    CHECK(late.items(0).overdue());
    CHECK(late.items(0).days_until_due() == -1);
    // Under the default rule it is not overdue then (due 5 May).
    CHECK(Due(council, D(2026, 5, 1), 0, true).items_size() == 0);
  }
}

// --- 2 and 3. An early review pulls the cycle forward; a late one re-anchors it --------------

// Looked after Mon 5 Jan 2026: 1st due Mon 2 Feb (Tue 6 - Fri 9 = 4, 12-16 = 9, 19-23 = 14,
// 26-30 = 19, Mon 2 Feb = 20). Held early on Tue 20 Jan, so the 2nd is due 3 months after it:
// Mon 20 Apr (not 2 May). Held late on Tue 5 May, so the 3rd is due 6 months after that:
// Thu 5 Nov (not 20 Oct).
Child EarlyThenLate() {
  Child t1("T1");
  t1.Start("2026-01-05")
      .Iro("2026-01-05", "iro-1", "North")
      // Report on Tue 13 Jan: Wed 14, Thu 15, Fri 16, Mon 19, Tue 20 = 5 working days before.
      .SocialWorkerReport("2026-01-13", "2026-01-20")
      .Review("2026-01-20", "PN1")
      // Recommendations due 5 WD after Tue 20 Jan = Tue 27 Jan: issued that day, in time.
      .Recommendations("2026-01-27", "2026-01-20")
      // Record due 20 WD after Tue 20 Jan: 21-23 = 3, 26-30 = 8, 2-6 Feb = 13, 9-13 = 18,
      // Mon 16 = 19, Tue 17 Feb = 20: distributed that day, in time.
      .RecordDistributed("2026-02-17", "2026-01-20")
      .Midway("2026-03-16")
      // Report on Tue 28 Apr: Wed 29, Thu 30, Fri 1 May, (Mon 4 May bank holiday), Tue 5 May
      // = 4 working days before (7 calendar days; 5 if the bank holiday were counted).
      .SocialWorkerReport("2026-04-28", "2026-05-05")
      .Review("2026-05-05", "PN5")
      // Recommendations due 5 WD after Tue 5 May: 6, 7, 8, 11, Tue 12 May.
      .Recommendations("2026-05-12", "2026-05-05")
      // Record due 20 WD after Tue 5 May: 6-8 = 3, 11-15 = 8, 18-22 = 13, (Mon 25 May bank
      // holiday), 26-29 = 17, Mon 1 Jun = 18, Tue 2 = 19, Wed 3 Jun = 20: in time on the day.
      .RecordDistributed("2026-06-03", "2026-05-05")
      .Midway("2026-08-03");
  return t1;
}

TEST_CASE("an early review pulls the next due date forward to 3 months after it", "[reports]") {
  // As at 1 April (before the 2nd review) the 2nd is due 20 April, 19 days on.
  Child upto_april("T1");
  upto_april.Start("2026-01-05").Iro("2026-01-05", "iro-1", "North").Review("2026-01-20");
  const v1::ReviewsDueReport due = Due(Council({&upto_april}), D(2026, 4, 1), 30);
  REQUIRE(due.items_size() == 1);
  CHECK(due.items(0).due_on() == "2026-04-20");
  CHECK(due.items(0).rule() == "2nd review: 3 months after the review on 2026-01-20");
  CHECK(due.items(0).review_number() == 2);
  CHECK(due.items(0).last_review() == "2026-01-20");
  CHECK(due.items(0).days_until_due() == 19);
  // As at 21 April, with no 2nd review yet, it is overdue by one day.
  const v1::ReviewsDueReport overdue = Due(Council({&upto_april}), D(2026, 4, 21), 0, true);
  REQUIRE(overdue.items_size() == 1);
  CHECK(overdue.items(0).due_on() == "2026-04-20");
  CHECK(overdue.items(0).days_until_due() == -1);
  CHECK(overdue.items(0).overdue());
}

TEST_CASE("a late review re-anchors the cycle and is not counted in time", "[reports]") {
  const Child t1 = EarlyThenLate();
  const ChildMap council = Council({&t1});
  // After the late review: the 3rd review 6 months after Tue 5 May = Thu 5 Nov.
  const v1::ReviewsDueReport due = Due(council, D(2026, 10, 6), 30);
  REQUIRE(due.items_size() == 1);
  CHECK(due.items(0).due_on() == "2026-11-05");
  CHECK(due.items(0).rule() == "3rd review: 6 months after the review on 2026-05-05");
  CHECK(due.items(0).review_number() == 3);
  CHECK(due.items(0).last_review() == "2026-05-05");
  CHECK(due.items(0).days_until_due() == 30);
  // Overdue from Fri 6 Nov, not on the due date itself.
  CHECK(Due(council, D(2026, 11, 5), 0, true).items_size() == 0);
  CHECK(Due(council, D(2026, 11, 6), 0, true).items_size() == 1);

  const v1::TimelinessReport held = Held(council, D(2026, 1, 1), D(2026, 6, 30));
  CHECK(held.reviews_held() == 2);
  CHECK(held.reviews_in_time() == 1);
  CHECK(held.percent_in_time() == Approx(50.0));
  CHECK(held.rating() == "red");
  CHECK(held.children_reviewed() == 1);
  CHECK(held.children_all_in_time() == 0);  // one late review makes the child late
  CHECK(held.percent_children_in_time() == Approx(0.0));
  REQUIRE(held.reviews_size() == 2);
  const v1::HeldReviewItem& early = held.reviews(0);
  CHECK(early.held_on() == "2026-01-20");
  CHECK(early.due_on() == "2026-02-02");
  CHECK(early.in_time());
  CHECK(early.review_number() == 1);
  CHECK(early.report_working_days_before() == 5);
  CHECK(early.recommendations_on() == "2026-01-27");
  CHECK(early.recommendations_in_time());
  CHECK(early.record_on() == "2026-02-17");
  CHECK(early.record_in_time());
  const v1::HeldReviewItem& late = held.reviews(1);
  CHECK(late.held_on() == "2026-05-05");
  CHECK(late.due_on() == "2026-04-20");
  CHECK(late.rule() == "2nd review: 3 months after the review on 2026-01-20");
  CHECK_FALSE(late.in_time());
  CHECK(late.review_number() == 2);
  CHECK(late.participation() == "PN5");
  CHECK(late.report_working_days_before() == 4);
  CHECK(late.recommendations_in_time());
  CHECK(late.record_in_time());
}

// --- Timeliness figures over a period -----------------------------------------------------------

TEST_CASE("timeliness over a period: in time, RAG, participation, paperwork", "[reports]") {
  const Child t1 = EarlyThenLate();  // 20 Jan in time, 5 May late; midway reviews Mar and Aug
  // T2, under 4 (PN0), looked after Mon 2 Mar 2026: 1st due 20 WD later = Mon 30 Mar (3-6 = 4,
  // 9-13 = 9, 16-20 = 14, 23-27 = 19, Mon 30 = 20). Held on the due date: in time. 2nd due
  // 3 months later = Tue 30 Jun: held on the due date, in time.
  Child t2("T2");
  t2.Start("2026-03-02", "C1", Place("U1"), "2024-01-01")
      .Iro("2026-03-02", "iro-1", "North")
      .SocialWorkerReport("2026-03-30", "2026-03-30")  // same day
      .Review("2026-03-30", "PN0")
      // 5 WD after Mon 30 Mar: Tue 31 = 1, Wed 1 Apr = 2, Thu 2 = 3, (Good Friday, Easter
      // Monday), Tue 7 = 4, Wed 8 Apr = 5: issued on the deadline, in time.
      .Recommendations("2026-04-08", "2026-03-30")
      .Review("2026-06-30", "PN0")
      .SocialWorkerReport("2026-07-01", "2026-06-30")  // the day after the review
      // 5 WD after Tue 30 Jun: 1, 2, 3, 6, Tue 7 Jul. Issued Wed 8 Jul: late.
      .Recommendations("2026-07-08", "2026-06-30");
  // T3, looked after Mon 11 May 2026: 1st due 20 WD later: 12-15 = 4, 18-22 = 9, (Mon 25 May),
  // 26-29 = 13, 1-5 Jun = 18, Mon 8 = 19, Tue 9 Jun = 20. Not held by 30 June: the child is
  // counted as reviewed late although no review was held.
  Child t3("T3");
  t3.Start("2026-05-11").Iro("2026-05-11", "iro-2", "South");
  // T4, looked after Mon 6 Oct 2025: 1st due Mon 3 Nov, held Thu 30 Oct; 2nd due 3 months later
  // = Sat 31 Jan 2026, held Thu 29 Jan (in time, the only review in the period); no report.
  Child t4("T4");
  t4.Start("2025-10-06")
      .Iro("2025-10-06", "iro-2", "South")
      .Review("2025-10-30", "PN1")
      .Review("2026-01-29", "PN7");
  const ChildMap council = Council({&t1, &t2, &t3, &t4});

  const v1::TimelinessReport held = Held(council, D(2026, 1, 1), D(2026, 6, 30));
  // Reviews in the period: T1 20 Jan (in time), 5 May (late); T2 30 Mar, 30 Jun (in time);
  // T4 29 Jan (in time). 4 of 5 = 80%: red (below amber 87).
  CHECK(held.reviews_held() == 5);
  CHECK(held.reviews_in_time() == 4);
  CHECK(held.percent_in_time() == Approx(80.0));
  CHECK(held.rating() == "red");
  // Per child: T1 late, T2 all in time, T3 missed its review due 9 June, T4 all in time.
  CHECK(held.children_reviewed() == 4);
  CHECK(held.children_all_in_time() == 2);
  CHECK(held.percent_children_in_time() == Approx(50.0));
  CHECK(Count(held.participation(), "PN0") == 2);
  CHECK(Count(held.participation(), "PN1") == 1);
  CHECK(Count(held.participation(), "PN5") == 1);
  CHECK(Count(held.participation(), "PN7") == 1);
  CHECK(Count(held.participation(), "PN2") == 0);
  CHECK(held.participation().size() == 8);  // every code listed, zeros included
  // Social worker reports: T1 5 WD before, T1 4 WD before, T2 same day, T2 after, T4 none.
  const v1::ReportTimeliness& reports = held.social_worker_reports();
  CHECK(reports.five_or_more_days_before() == 1);
  CHECK(reports.one_to_four_days_before() == 1);
  CHECK(reports.same_day() == 1);
  CHECK(reports.after() == 1);
  CHECK(reports.not_received() == 1);
  // Recommendations in time: T1 both, T2 30 Mar (not 30 Jun) = 3. Records: T1 both = 2.
  CHECK(held.recommendations_in_time() == 3);
  CHECK(held.records_in_time() == 2);
  // Midway reviews in the period: T1's on 16 March (not 3 August).
  CHECK(held.midway_reviews() == 1);
  CHECK(FindChild(held.reviews(), "T2").report_working_days_before() == 0);

  SECTION("one IRO's children") {
    ReportFilter iro1;
    iro1.iro = "iro-1";
    const v1::TimelinessReport mine = Held(council, D(2026, 1, 1), D(2026, 6, 30), iro1);
    CHECK(mine.reviews_held() == 4);  // T1 and T2
    CHECK(mine.reviews_in_time() == 3);
    CHECK(mine.percent_in_time() == Approx(75.0));
    CHECK(mine.children_reviewed() == 2);
    CHECK(mine.children_all_in_time() == 1);
  }
  SECTION("one team's children") {
    ReportFilter south;
    south.team = "South";
    const v1::TimelinessReport team = Held(council, D(2026, 1, 1), D(2026, 6, 30), south);
    CHECK(team.reviews_held() == 1);       // T4
    CHECK(team.children_reviewed() == 2);  // T4, and T3 with its missed review
    CHECK(team.children_all_in_time() == 1);
    CHECK(team.percent_in_time() == Approx(100.0));
    CHECK(team.rating() == "green");
  }
  SECTION("a period with no reviews has no rating") {
    const v1::TimelinessReport none = Held(council, D(2026, 7, 1), D(2026, 7, 31));
    CHECK(none.reviews_held() == 0);
    CHECK(none.rating().empty());
  }
}

// `in_time` children reviewed on their due date (Mon 2 Feb 2026, 20 WD after Mon 5 Jan) and
// `late` children the day after.
ChildMap FebruaryReviews(int in_time, int late) {
  std::vector<Child> children;
  for (int i = 0; i < in_time + late; ++i) {
    Child child("R" + std::to_string(i));
    child.Start("2026-01-05").Review(i < in_time ? "2026-02-02" : "2026-02-03");
    children.push_back(std::move(child));
  }
  ChildMap map;
  for (const Child& child : children) map[child.id()] = AsInView(child.record());
  return map;
}

TEST_CASE("timeliness rating against the council's thresholds: green 95, amber 87", "[reports]") {
  const auto rating = [](int in_time, int late, const CouncilSettings& settings = Settings()) {
    const v1::TimelinessReport report =
        Held(FebruaryReviews(in_time, late), D(2026, 2, 1), D(2026, 2, 28), {}, settings);
    REQUIRE(report.reviews_held() == in_time + late);
    CHECK(report.reviews_in_time() == in_time);
    CHECK(report.children_all_in_time() == in_time);
    return report.rating();
  };
  CHECK(rating(95, 5) == "green");  // 95.0% exactly
  CHECK(rating(94, 6) == "amber");
  CHECK(rating(87, 13) == "amber");  // 87.0% exactly
  CHECK(rating(86, 14) == "red");
  ReviewSettings lenient;
  lenient.green_percent = 90;
  lenient.amber_percent = 80;
  CHECK(rating(94, 6, Settings(lenient)) == "green");
  CHECK(rating(86, 14, Settings(lenient)) == "amber");
}

// --- 4. A new period of care restarts the cycle -----------------------------------------------

TEST_CASE("a new period of care restarts the cycle at 20 working days", "[reports]") {
  Child n("N");
  // 1st period from Mon 3 Nov 2025: 1st due Mon 1 Dec, held Fri 28 Nov; 2nd held Fri 20 Feb.
  // Care ends Tue 31 Mar. A 2nd period starts Fri 22 May 2026: 20 WD from it: (Mon 25 May bank
  // holiday), Tue 26 - Fri 29 = 4, 1-5 Jun = 9, 8-12 = 14, 15-19 = 19, Mon 22 Jun = 20.
  // Carrying the old cycle on would have given 20 Aug (6 months after 20 Feb).
  n.Start("2025-11-03")
      .Review("2025-11-28")
      .Review("2026-02-20")
      .End("2026-03-31")
      .Start("2026-05-22", "C1");
  const ChildMap council = Council({&n});
  // Between the periods the child is in no list, whatever the window.
  CHECK(Due(council, D(2026, 4, 15), 365).items_size() == 0);
  CHECK(Due(council, D(2026, 4, 15), 0, true).items_size() == 0);

  const v1::ReviewsDueReport due = Due(council, D(2026, 5, 22), 31);
  REQUIRE(due.items_size() == 1);
  CHECK(due.items(0).due_on() == "2026-06-22");
  CHECK(due.items(0).rule() == "1st review: 20 working days from 2026-05-22");
  CHECK(due.items(0).review_number() == 1);
  CHECK(due.items(0).period_start() == "2026-05-22");
  CHECK(due.items(0).last_review().empty());  // the reviews of the 1st period do not count
  CHECK(due.items(0).days_until_due() == 31);

  // A review on 22 June is in time, as the 1st of the new period.
  n.Review("2026-06-22");
  const v1::TimelinessReport held = Held(Council({&n}), D(2026, 6, 1), D(2026, 6, 30));
  REQUIRE(held.reviews_size() == 1);
  CHECK(held.reviews(0).due_on() == "2026-06-22");
  CHECK(held.reviews(0).review_number() == 1);
  CHECK(held.reviews(0).in_time());
  // The 2nd of the new period: 3 months after 22 June = 22 September.
  const v1::ReviewsDueReport next = Due(Council({&n}), D(2026, 9, 1), 21);
  REQUIRE(next.items_size() == 1);
  CHECK(next.items(0).due_on() == "2026-09-22");
  CHECK(next.items(0).review_number() == 2);
}

// --- 5. Month-end clamping ----------------------------------------------------------------------

TEST_CASE("reviews due after month-end reviews clamp to the end of a shorter month", "[reports]") {
  // K1 looked after Mon 2 Aug 2027: 20 WD = 3-6 = 4, 9-13 = 9, 16-20 = 14, 23-27 = 19,
  // (Mon 30 Aug bank holiday), Tue 31 Aug = 20. Held on Tue 31 Aug: 2nd due 31 Aug + 3 months
  // = 30 Nov (no 31 Nov).
  Child k1("K1");
  k1.Start("2027-08-02").Review("2027-08-31");
  const v1::ReviewsDueReport three = Due(Council({&k1}), D(2027, 11, 1), 29);
  REQUIRE(three.items_size() == 1);
  CHECK(three.items(0).due_on() == "2027-11-30");
  CHECK(three.items(0).days_until_due() == 29);
  CHECK(Due(Council({&k1}), D(2027, 11, 1), 28).items_size() == 0);

  // K2: 1st review Fri 25 Jun 2027, 2nd Tue 31 Aug 2027 (early: due 25 Sep): 3rd due 31 Aug +
  // 6 months = 29 Feb 2028 (a leap year; not 2 March).
  Child k2("K2");
  k2.Start("2027-06-01").Review("2027-06-25").Review("2027-08-31");
  const v1::ReviewsDueReport leap = Due(Council({&k2}), D(2028, 2, 1), 28);
  REQUIRE(leap.items_size() == 1);
  CHECK(leap.items(0).due_on() == "2028-02-29");
  CHECK(leap.items(0).rule() == "3rd review: 6 months after the review on 2027-08-31");
  CHECK(leap.items(0).days_until_due() == 28);

  // K3: 2nd review Thu 31 Aug 2028: 3rd due 28 Feb 2029.
  Child k3("K3");
  k3.Start("2028-06-05").Review("2028-06-30").Review("2028-08-31");
  const v1::ReviewsDueReport plain = Due(Council({&k3}), D(2029, 2, 1), 27);
  REQUIRE(plain.items_size() == 1);
  CHECK(plain.items(0).due_on() == "2029-02-28");
  CHECK(plain.items(0).days_until_due() == 27);

  // The review history agrees: K1's review on 31 Aug was on its due date, so in time.
  const v1::TimelinessReport held = Held(Council({&k1, &k2}), D(2027, 8, 1), D(2027, 8, 31));
  CHECK(held.reviews_held() == 2);
  CHECK(held.reviews_in_time() == 2);
  CHECK(FindChild(held.reviews(), "K1").due_on() == "2027-08-31");
  CHECK(FindChild(held.reviews(), "K2").due_on() == "2027-09-25");
}

// --- 6. A placement move, with and without the post-move setting --------------------------------

// Both looked after Mon 7 Sep 2026 (1st due Mon 5 Oct), reviewed Fri 2 Oct: 2nd due 3 months
// after = Sat 2 Jan 2027.
// M1 moves Fri 4 Dec 2026: 20 WD later = 7-11 = 5, 14-18 = 10, 21-24 = 14, (25 and 28 Dec),
// 29-31 = 17, (1 Jan), Mon 4 = 18, Tue 5 = 19, Wed 6 Jan = 20: later than 2 Jan, so no change;
// 28 days later = Fri 1 Jan 2027: one day earlier than 2 Jan, so it applies.
// M2 moves Mon 30 Nov 2026: 20 WD later = 1-4 Dec = 4, 7-11 = 9, 14-18 = 14, 21-24 = 18,
// (25 and 28 Dec), Tue 29 = 19, Wed 30 Dec = 20; 28 days later = Mon 28 Dec.
ChildMap Movers() {
  Child m1("M1");
  m1.Start("2026-09-07").Review("2026-10-02").Move("2026-12-04", Place("U4", "PR4"));
  Child m2("M2");
  m2.Start("2026-09-07").Review("2026-10-02").Move("2026-11-30", Place("U4", "PR4"));
  return Council({&m1, &m2});
}

TEST_CASE("reviews due after a placement move come forward only with the post-move setting",
          "[reports]") {
  const ChildMap council = Movers();
  const absl::CivilDay as_at = D(2026, 12, 4);

  SECTION("setting off: 3 months after the last review for both") {
    const v1::ReviewsDueReport due = Due(council, as_at, 60);
    REQUIRE(due.items_size() == 2);
    for (const v1::ReviewDueItem& item : due.items()) {
      CHECK(item.due_on() == "2027-01-02");
      CHECK(item.rule() == "2nd review: 3 months after the review on 2026-10-02");
      CHECK(item.days_until_due() == 29);
    }
  }
  SECTION("20 working days after a move") {
    ReviewSettings wd;
    wd.post_move = ReviewSettings::PostMove::kTwentyWorkingDays;
    const v1::ReviewsDueReport due = Due(council, as_at, 60, false, {}, Settings(wd));
    REQUIRE(due.items_size() == 2);
    CHECK(ChildIds(due.items()) == std::vector<std::string>{"M2", "M1"});  // by due date
    CHECK(due.items(0).due_on() == "2026-12-30");
    CHECK(due.items(0).rule() ==
          "2nd review: 20 working days after the placement move on 2026-11-30");
    CHECK(due.items(0).days_until_due() == 26);
    CHECK(due.items(1).due_on() == "2027-01-02");  // 6 Jan would be later: unchanged
    CHECK(due.items(1).rule() == "2nd review: 3 months after the review on 2026-10-02");
    // As at 31 Dec M2 is overdue under the setting, and not without it.
    const v1::ReviewsDueReport overdue = Due(council, D(2026, 12, 31), 0, true, {}, Settings(wd));
    CHECK(ChildIds(overdue.items()) == std::vector<std::string>{"M2"});
    CHECK(Due(council, D(2026, 12, 31), 0, true).items_size() == 0);
  }
  SECTION("28 days after a move") {
    ReviewSettings days;
    days.post_move = ReviewSettings::PostMove::kTwentyEightDays;
    const v1::ReviewsDueReport due = Due(council, as_at, 60, false, {}, Settings(days));
    REQUIRE(due.items_size() == 2);
    CHECK(FindChild(due.items(), "M2").due_on() == "2026-12-28");
    CHECK(FindChild(due.items(), "M1").due_on() == "2027-01-01");
    CHECK(FindChild(due.items(), "M1").rule() ==
          "2nd review: 28 days after the placement move on 2026-12-04");
  }
}

TEST_CASE("a review held after the post-move due date is late only with the setting", "[reports]") {
  Child m2("M2");
  m2.Start("2026-09-07")
      .Review("2026-10-02")
      .Move("2026-11-30", Place("U4", "PR4"))
      .Review("2026-12-31");  // Thu 31 Dec
  const ChildMap council = Council({&m2});
  const v1::TimelinessReport off = Held(council, D(2026, 12, 1), D(2026, 12, 31));
  REQUIRE(off.reviews_size() == 1);
  CHECK(off.reviews(0).due_on() == "2027-01-02");
  CHECK(off.reviews(0).in_time());
  ReviewSettings wd;
  wd.post_move = ReviewSettings::PostMove::kTwentyWorkingDays;
  const v1::TimelinessReport on = Held(council, D(2026, 12, 1), D(2026, 12, 31), {}, Settings(wd));
  REQUIRE(on.reviews_size() == 1);
  CHECK(on.reviews(0).due_on() == "2026-12-30");
  CHECK_FALSE(on.reviews(0).in_time());
  CHECK(on.reviews_in_time() == 0);
}

// --- 7. Section 20 ------------------------------------------------------------------------------

// As at Mon 12 Oct 2026:
// S1 born 1 Mar 2023 (aged 3), V2 since Mon 12 Jan 2026 = 273 days (9 months), no consent, no
//   plan: under 5 for more than 8 weeks (56 days), more than 6 months (12 Jul) without a plan,
//   no consent.
// S2 born 1 Mar 2022 (aged 4), V2 since Mon 2 Feb 2026 = 252 days, consent on 2 Feb and a plan
//   on 1 May: only the under-5 flag.
// S3 aged 16, V2 since Tue 1 Sep, consent then withdrawn with a removal request on 12 Oct.
// S4 V2 from Mon 2 Mar to Sun 9 Aug, C2 from Mon 10 Aug: left s20 inside a range from 1 Aug.
// S5 V2 from Mon 1 Jun, care ended Wed 30 Sep: left s20 inside the range.
// S6 V2 from Mon 2 Feb, care ended Fri 31 Jul: before the range.
// B1 V3 (short breaks) since Mon 11 May.
struct Section20Council {
  Child s1{"S1"}, s2{"S2"}, s3{"S3"}, s4{"S4"}, s5{"S5"}, s6{"S6"}, b1{"B1"};
  Section20Council() {
    // 1st review: day 0 is Tue 13 Jan (24 hours after accommodation); 20 WD = Tue 10 Feb. 2nd
    // held Fri 8 May; 3rd due 6 months later = Sun 8 Nov. Reviews are PN0: under 4.
    s1.Start("2026-01-12", "V2", Place("U1"), "2023-03-01")
        .Iro("2026-01-12", "iro-1", "North")
        .Review("2026-02-10", "PN0")
        .Review("2026-05-08", "PN0");
    s2.Start("2026-02-02", "V2", Place("U1"), "2022-03-01")
        .Iro("2026-02-02", "iro-2", "South")
        .Consent("2026-02-02")
        .Plan("2026-05-01", v1::PermanencePlanRecorded::RETURN_HOME);
    s3.Start("2026-09-01", "V2", Place("K2"), "2010-05-05")
        .Consent("2026-09-01")
        .ConsentWithdrawn("2026-10-12", true);
    s4.Start("2026-03-02", "V2", Place("U1"), "2012-01-01")
        .Plo("2026-07-01")
        .Status("2026-08-10", "C2");
    s5.Start("2026-06-01", "V2", Place("U1"), "2010-01-01")
        .Consent("2026-06-01", v1::Section20ConsentRecorded::CHILD_AGED_16_OR_17)
        .End("2026-09-30");
    s6.Start("2026-02-02", "V2", Place("U1"), "2012-01-01").End("2026-07-31");
    b1.Start("2026-05-11", "V3", Place("U1"), "2016-01-01");
  }
  ChildMap council() const { return Council({&s1, &s2, &s3, &s4, &s5, &s6, &b1}); }
};

TEST_CASE("section 20: a child aged 3 in s20 for 9 months is flagged", "[reports]") {
  const Section20Council c;
  const v1::Section20Report report = S20(c.council(), D(2026, 10, 12));
  CHECK(ChildIds(report.children()) == std::vector<std::string>{"S1", "S2", "S3"});
  CHECK(ChildIds(report.short_breaks()) == std::vector<std::string>{"B1"});
  CHECK(report.flagged() == 3);

  const v1::Section20Item s1 = FindChild(report.children(), "S1");
  CHECK(s1.legal_status() == "V2");
  CHECK(s1.s20_since() == "2026-01-12");
  CHECK(s1.days_in_s20() == 273);
  CHECK(s1.age() == 3);
  CHECK(s1.date_of_birth() == "2023-03-01");
  CHECK_FALSE(s1.consent_recorded());
  CHECK(s1.permanence_plan().empty());
  CHECK(s1.iro_id() == "iro-1");
  CHECK(s1.team() == "North");
  CHECK(Strings(s1.flags()) ==
        std::vector<std::string>{"under 5 and in section 20 for more than 8 weeks",
                                 "in section 20 for more than 6 months without a permanence plan",
                                 "no consent recorded"});

  const v1::Section20Item s2 = FindChild(report.children(), "S2");
  CHECK(s2.days_in_s20() == 252);
  CHECK(s2.age() == 4);
  CHECK(s2.consent_recorded());
  CHECK(s2.consent_on() == "2026-02-02");
  CHECK(s2.permanence_plan() == "RETURN_HOME");
  CHECK(s2.permanence_plan_on() == "2026-05-01");
  CHECK(Strings(s2.flags()) ==
        std::vector<std::string>{"under 5 and in section 20 for more than 8 weeks"});

  const v1::Section20Item s3 = FindChild(report.children(), "S3");
  CHECK(s3.days_in_s20() == 41);
  CHECK(s3.age() == 16);
  CHECK(s3.removal_requested());
  CHECK_FALSE(s3.consent_recorded());  // withdrawn
  CHECK(Strings(s3.flags()) == std::vector<std::string>{"removal requested by a parent: act today",
                                                        "no consent recorded"});

  const v1::Section20Item b1 = FindChild(report.short_breaks(), "B1");
  CHECK(b1.legal_status() == "V3");
  CHECK(b1.s20_since() == "2026-05-11");
  CHECK(b1.days_in_s20() == 154);

  SECTION("a filter by IRO") {
    ReportFilter iro1;
    iro1.iro = "iro-1";
    CHECK(ChildIds(S20(c.council(), D(2026, 10, 12), std::nullopt, iro1).children()) ==
          std::vector<std::string>{"S1"});
  }
}

TEST_CASE("section 20 flags start the day after their thresholds", "[reports]") {
  const Section20Council c;
  const ChildMap council = Council({&c.s1});
  // 8 weeks = 56 days: on Mon 9 Mar (56 days after 12 Jan) not yet; on Tue 10 Mar, yes.
  CHECK(Strings(FindChild(S20(council, D(2026, 3, 9)).children(), "S1").flags()) ==
        std::vector<std::string>{"no consent recorded"});
  CHECK(Strings(FindChild(S20(council, D(2026, 3, 10)).children(), "S1").flags()) ==
        std::vector<std::string>{"under 5 and in section 20 for more than 8 weeks",
                                 "no consent recorded"});
  // 6 months after 12 Jan = 12 Jul: flagged from 13 Jul.
  CHECK(FindChild(S20(council, D(2026, 7, 12)).children(), "S1").flags_size() == 2);
  CHECK(FindChild(S20(council, D(2026, 7, 13)).children(), "S1").flags_size() == 3);
}

TEST_CASE("the section 20 report over a range includes children who left s20 in it", "[reports]") {
  const Section20Council c;
  const v1::Section20Report report = S20(c.council(), D(2026, 10, 12), D(2026, 8, 1));
  CHECK(report.from() == "2026-08-01");
  // S6 left before 1 August; B1 is short breaks.
  CHECK(ChildIds(report.children()) == std::vector<std::string>{"S1", "S2", "S3", "S4", "S5"});
  CHECK(ChildIds(report.short_breaks()) == std::vector<std::string>{"B1"});
  // S4 is described on its last day in s20, Sun 9 Aug: 2 Mar to 9 Aug = 160 days; PLO from
  // 1 July; no consent; under 6 months, so no plan flag.
  const v1::Section20Item s4 = FindChild(report.children(), "S4");
  CHECK(s4.legal_status() == "V2");
  CHECK(s4.s20_since() == "2026-03-02");
  CHECK(s4.days_in_s20() == 160);
  CHECK(s4.plo_started_on() == "2026-07-01");
  CHECK(Strings(s4.flags()) == std::vector<std::string>{"no consent recorded"});
  // S5 on the day care ended, Wed 30 Sep: 1 Jun to 30 Sep = 121 days; consented (aged 16).
  const v1::Section20Item s5 = FindChild(report.children(), "S5");
  CHECK(s5.days_in_s20() == 121);
  CHECK(s5.age() == 16);
  CHECK(s5.consent_recorded());
  CHECK(s5.flags_size() == 0);
  CHECK(report.flagged() == 4);  // S1, S2, S3, S4
}

// --- 8. A challenge open across Christmas --------------------------------------------------------

// X, looked after Mon 7 Sep 2026 (IRO iro-3, team East), reviewed Fri 2 Oct (1st due Mon 5 Oct):
// 2nd due Sat 2 Jan 2027.
//   X:2 informal, Quality of Plan, raised Mon 2 Nov, withdrawn Tue 10 Nov.
//   X:1 informal, Drift and Delay, raised Mon 21 Dec 2026: 5 WD = Tue 22 = 1, Wed 23 = 2,
//     Thu 24 = 3, (Fri 25 Christmas, Mon 28 substitute Boxing Day), Tue 29 = 4, Wed 30 Dec = 5.
//     Escalated by the IRO to Stage 1 on Tue 5 Jan 2027: due Wed 6 = 1 ... Tue 12 Jan = 5.
//     Responded Thu 7 Jan, resolved Fri 8 Jan at Stage 1.
// Y, looked after Mon 2 Nov 2026 (IRO iro-4, team West).
//   Y:1 formal (Stage 1), Quality of Provision, raised Thu 24 Dec 2026: 5 WD = Tue 29 = 1,
//     Wed 30 = 2, Thu 31 = 3, (Fri 1 Jan), Mon 4 = 4, Tue 5 Jan = 5. Referred to CAFCASS Wed
//     6 Jan; never answered.
struct ChristmasCouncil {
  Child x{"X"}, y{"Y"};
  ChristmasCouncil() {
    x.Start("2026-09-07", "C1")
        .Iro("2026-09-07", "iro-3", "East")
        .Review("2026-10-02")
        .Raise("2026-11-02", "X:2", "iro-3", "Quality of Plan")
        .Withdraw("2026-11-10", "X:2")
        .Raise("2026-12-21", "X:1", "iro-3", "Drift and Delay")
        .Escalate("2027-01-05", "X:1")
        .Respond("2027-01-07", "X:1")
        .Resolve("2027-01-08", "X:1");
    y.Start("2026-11-02", "C2")
        .Iro("2026-11-02", "iro-4", "West")
        .Raise("2026-12-24", "Y:1", "iro-4", "quality of provision", "Stage 1")
        .Cafcass("2027-01-06", "Y:1");
  }
  ChildMap council() const { return Council({&x, &y}); }
};

TEST_CASE("a challenge open across Christmas counts working days only", "[reports]") {
  const ChristmasCouncil c;
  const ChildMap council = c.council();
  // As at Mon 4 Jan 2027, with December's counts.
  const v1::EscalationReport report = Open(council, D(2027, 1, 4), D(2026, 12, 1), D(2026, 12, 31));
  REQUIRE(report.open_size() == 2);
  CHECK(ChildIds(report.open()) == std::vector<std::string>{"X", "Y"});  // by date raised
  const v1::ChallengeItem& x1 = report.open(0);
  CHECK(x1.id() == "X:1");
  CHECK(x1.stage().number() == 0);
  CHECK(x1.stage().name() == "Informal");
  CHECK(x1.status() == "awaiting_response");
  CHECK(x1.raised_on() == "2026-12-21");
  CHECK(x1.deadline() == "2026-12-30");
  // Working days after Mon 21 Dec up to Mon 4 Jan: 22, 23, 24, 29, 30, 31 Dec, 4 Jan = 7.
  CHECK(x1.working_days_open() == 7);
  CHECK(x1.working_days_at_stage() == 7);
  CHECK(x1.response_overdue());
  CHECK_FALSE(x1.formal());
  CHECK_FALSE(x1.over_twenty_working_days());
  CHECK(x1.team() == "East");
  const v1::ChallengeItem& y1 = report.open(1);
  CHECK(y1.id() == "Y:1");
  CHECK(y1.stage().name() == "Stage 1");
  CHECK(y1.theme() == "Quality of Provision");  // the policy's spelling
  CHECK(y1.deadline() == "2027-01-05");
  // After Thu 24 Dec up to Mon 4 Jan: 29, 30, 31 Dec, 4 Jan = 4.
  CHECK(y1.working_days_open() == 4);
  CHECK_FALSE(y1.response_overdue());
  CHECK(y1.formal());
  CHECK(y1.cafcass_referred_on().empty());

  CHECK(Count(report.open_by_stage(), "Informal") == 1);
  CHECK(Count(report.open_by_stage(), "Stage 1") == 1);
  CHECK(Count(report.open_by_theme(), "Drift and Delay") == 1);
  CHECK(Count(report.open_by_theme(), "Quality of Provision") == 1);
  CHECK(Count(report.open_by_theme(), "Quality of Plan") == 0);
  CHECK(Count(report.open_by_iro(), "iro-3") == 1);
  CHECK(Count(report.open_by_team(), "West") == 1);
  CHECK(report.overdue_responses() == 1);
  // December: X:1 (informal) and Y:1 (formal) raised; X:2 was raised and withdrawn in November.
  CHECK(report.raised() == 2);
  CHECK(report.raised_informal() == 1);
  CHECK(report.raised_formal() == 1);
  CHECK(Count(report.raised_by_theme(), "Drift and Delay") == 1);
  CHECK(Count(report.raised_by_theme(), "Quality of Provision") == 1);
  CHECK(report.withdrawn() == 0);
  CHECK(report.cafcass_referrals() == 0);
  CHECK(report.resolved_by_stage().empty());
}

TEST_CASE("a response is overdue from the day after its deadline", "[reports]") {
  const ChristmasCouncil c;
  const ChildMap council = c.council();
  const auto overdue = [&](absl::CivilDay as_at, const std::string& id) {
    const v1::EscalationReport report = Open(council, as_at, as_at, as_at);
    for (const v1::ChallengeItem& item : report.open()) {
      if (item.id() == id) return item.response_overdue();
    }
    FAIL("challenge " << id << " not open on " << FormatIsoDate(as_at));
    return false;
  };
  CHECK_FALSE(overdue(D(2026, 12, 30), "X:1"));  // on the deadline
  CHECK(overdue(D(2026, 12, 31), "X:1"));
  CHECK_FALSE(overdue(D(2027, 1, 5), "Y:1"));
  CHECK(overdue(D(2027, 1, 6), "Y:1"));

  // Escalated on Tue 5 Jan, X:1 starts Stage 1 afresh: due 12 Jan, not overdue.
  const v1::EscalationReport jan5 = Open(council, D(2027, 1, 5), D(2027, 1, 5), D(2027, 1, 5));
  const v1::ChallengeItem x1 = FindChild(jan5.open(), "X");
  CHECK(x1.stage().name() == "Stage 1");
  CHECK(x1.stage_entered_on() == "2027-01-05");
  CHECK(x1.deadline() == "2027-01-12");
  CHECK(x1.working_days_open() == 8);
  CHECK(x1.working_days_at_stage() == 0);
  CHECK_FALSE(x1.response_overdue());
  CHECK(x1.formal());
  CHECK(Count(jan5.open_by_stage(), "Stage 1") == 2);
  CHECK(Count(jan5.open_by_stage(), "Informal") == 0);
}

TEST_CASE("escalation counts over a period and the 20 working day total", "[reports]") {
  const ChristmasCouncil c;
  const ChildMap council = c.council();
  // As at Tue 26 Jan 2027, Y:1 has been formal for 20 working days since Thu 24 Dec: 29-31 Dec
  // = 3, 4-8 Jan = 8, 11-15 = 13, 18-22 = 18, Mon 25 = 19, Tue 26 = 20. Over 20 from Wed 27.
  const v1::EscalationReport jan26 = Open(council, D(2027, 1, 26), D(2026, 11, 1), D(2027, 1, 26));
  REQUIRE(jan26.open_size() == 1);
  CHECK(jan26.open(0).working_days_open() == 20);
  CHECK_FALSE(jan26.open(0).over_twenty_working_days());
  const v1::EscalationReport jan27 = Open(council, D(2027, 1, 27), D(2026, 11, 1), D(2027, 1, 27));
  REQUIRE(jan27.open_size() == 1);
  const v1::ChallengeItem& y1 = jan27.open(0);
  CHECK(y1.id() == "Y:1");
  CHECK(y1.working_days_open() == 21);
  CHECK(y1.over_twenty_working_days());
  CHECK(y1.response_overdue());
  CHECK(y1.cafcass_referred_on() == "2027-01-06");
  // November to 27 January: X:2, X:1 informal, Y:1 formal; X:1 resolved at Stage 1; X:2
  // withdrawn; Y:1 referred to CAFCASS.
  CHECK(jan27.raised() == 3);
  CHECK(jan27.raised_informal() == 2);
  CHECK(jan27.raised_formal() == 1);
  CHECK(Count(jan27.raised_by_theme(), "Quality of Plan") == 1);
  CHECK(Count(jan27.resolved_by_stage(), "Stage 1") == 1);
  CHECK(jan27.resolved_by_stage().size() == 1);
  CHECK(jan27.withdrawn() == 1);
  CHECK(jan27.cafcass_referrals() == 1);
  CHECK(jan27.overdue_responses() == 1);

  SECTION("filters by IRO and by team") {
    ReportFilter iro4;
    iro4.iro = "iro-4";
    const v1::EscalationReport mine =
        Open(council, D(2027, 1, 4), D(2026, 11, 1), D(2027, 1, 31), iro4);
    CHECK(ChildIds(mine.open()) == std::vector<std::string>{"Y"});
    CHECK(mine.raised() == 1);
    ReportFilter east;
    east.team = "East";
    const v1::EscalationReport team =
        Open(council, D(2027, 1, 4), D(2026, 11, 1), D(2027, 1, 31), east);
    CHECK(ChildIds(team.open()) == std::vector<std::string>{"X"});
    CHECK(team.raised() == 2);
    CHECK(team.withdrawn() == 1);
  }
}

// --- Placements ---------------------------------------------------------------------------------

// As at Wed 31 Mar 2027 the 12 months run from 1 Apr 2026 (AddMonths(-12) = 31 Mar 2026 is the
// day before the window).
// P1 in care since 2 Jun 2025 (U1, 5 miles):
//   Tue 31 Mar 2026 U2, new carer (STAND): the placement in force when the window opens = 1
//   Mon 1 Jun 2026 T0 temporary (ALLEG): excluded
//   Mon 15 Jun 2026 U4 new carer (CARPL): 2
//   Tue 1 Sep 2026 U5 same carer (RNE T; PLACE): not a new placement
//   Mon 11 Jan 2027 K2 unregistered, 35 miles, new carer (CREQB): 3
// P2 in care since Tue 5 May 2026 (U1, 20 miles) = 1; Mon 3 Aug 2026 U3 new carer, 20 miles
//   (CREQB) = 2.
// P3 in care 5 Jan - 18 Dec 2026; moved Wed 1 Jul 2026 (CHILD). Not looked after on 31 Mar.
struct PlacementCouncil {
  Child p1{"P1"}, p2{"P2"}, p3{"P3"};
  PlacementCouncil() {
    p1.Start("2025-06-02", "C2", Place("U1", "PR1", 5))
        .Iro("2025-06-02", "iro-1", "North")
        .Move("2026-03-31", Place("U2", "PR1", 5), "STAND")
        .Move("2026-06-01", Place("T0", ""), "ALLEG")
        .Move("2026-06-15", Place("U4", "PR4", 12), "CARPL")
        .Move("2026-09-01", Place("U5", "PR4", 12), "PLACE", /*carer_changed=*/false)
        .Move("2027-01-11", Place("K2", "PR4", 35, v1::Placement::UNREGISTERED), "CREQB");
    p2.Start("2026-05-05", "C1", Place("U1", "PR1", 20))
        .Iro("2026-05-05", "iro-2", "South")
        .Move("2026-08-03", Place("U3", "PR2", 20), "CREQB");
    p3.Start("2026-01-05").Move("2026-07-01", Place("U4", "PR4"), "CHILD").End("2026-12-18");
  }
  ChildMap council() const { return Council({&p1, &p2, &p3}); }
};

TEST_CASE("placement stability over the 12 months to 31 March", "[reports]") {
  const PlacementCouncil c;
  const v1::PlacementReport report = Stability(c.council(), D(2027, 3, 31));
  CHECK(report.as_at() == "2027-03-31");
  CHECK(report.looked_after() == 2);
  CHECK(ChildIds(report.children()) == std::vector<std::string>{"P1", "P2"});
  const v1::PlacementItem p1 = FindChild(report.children(), "P1");
  CHECK(p1.placements_last_12_months() == 3);
  CHECK(p1.moves_last_12_months() == 2);
  CHECK(p1.three_or_more());
  CHECK(p1.unregistered());
  CHECK(p1.over_20_miles());
  CHECK(p1.current().type() == "K2");
  CHECK(p1.placed_since() == "2027-01-11");
  CHECK(p1.iro_id() == "iro-1");
  const v1::PlacementItem p2 = FindChild(report.children(), "P2");
  CHECK(p2.placements_last_12_months() == 2);
  CHECK(p2.moves_last_12_months() == 1);
  CHECK_FALSE(p2.three_or_more());
  CHECK_FALSE(p2.unregistered());
  CHECK_FALSE(p2.over_20_miles());  // exactly 20 miles is not more than 20
  CHECK(report.three_or_more() == 1);
  CHECK(report.unregistered() == 1);
  CHECK(report.over_20_miles() == 1);
  // Reasons for the placements that ended in the window (P3's too): not STAND (31 Mar 2026).
  CHECK(Count(report.reasons_ended(), "ALLEG") == 1);
  CHECK(Count(report.reasons_ended(), "CARPL") == 1);
  CHECK(Count(report.reasons_ended(), "PLACE") == 1);
  CHECK(Count(report.reasons_ended(), "CREQB") == 2);
  CHECK(Count(report.reasons_ended(), "CHILD") == 1);
  CHECK(Count(report.reasons_ended(), "STAND") == 0);
  CHECK(report.reasons_ended().size() == 5);

  SECTION("one day earlier the 31 March 2026 move is inside the window") {
    // As at 30 Mar 2027 the window opens on 31 Mar 2026 (day before: 30 Mar 2026): U1 in force,
    // then U2, U4, K2 = 4.
    const v1::PlacementReport earlier = Stability(c.council(), D(2027, 3, 30));
    CHECK(FindChild(earlier.children(), "P1").placements_last_12_months() == 4);
    CHECK(FindChild(earlier.children(), "P1").moves_last_12_months() == 3);
    CHECK(Count(earlier.reasons_ended(), "STAND") == 1);
  }
  SECTION("before the unregistered move") {
    const v1::PlacementReport before = Stability(c.council(), D(2027, 1, 10));
    const v1::PlacementItem item = FindChild(before.children(), "P1");
    CHECK(item.current().type() == "U5");
    CHECK_FALSE(item.unregistered());
    CHECK_FALSE(item.over_20_miles());
    CHECK(before.looked_after() == 2);  // P3 left care on 18 Dec
  }
  SECTION("a team filter") {
    ReportFilter south;
    south.team = "South";
    const v1::PlacementReport team = Stability(c.council(), D(2027, 3, 31), south);
    CHECK(ChildIds(team.children()) == std::vector<std::string>{"P2"});
    CHECK(team.looked_after() == 1);
    CHECK(Count(team.reasons_ended(), "CREQB") == 1);
    CHECK(Count(team.reasons_ended(), "ALLEG") == 0);
  }
}

// --- Reviews due ---------------------------------------------------------------------------------

// As at Mon 1 Jun 2026:
// R1 looked after Mon 11 May: 1st due Tue 9 Jun (20 WD, skipping Mon 25 May) = 8 days on.
// R2 reviewed Mon 2 Feb: 2nd due Sat 2 May: 30 days overdue.
// R3 looked after Mon 9 Feb (1st due Mon 9 Mar), reviewed Mon 2 Mar: 2nd due Tue 2 Jun = 1 day.
// R4 reviewed Thu 30 Oct 2025 and Mon 1 Dec 2025: 3rd due 1 Jun 2026 = today, not overdue.
// R5 left care Thu 30 Apr.
// R6 reviewed Fri 30 Jan and Fri 24 Apr: 3rd due Sat 24 Oct = 145 days on.
struct DueCouncil {
  Child r1{"R1"}, r2{"R2"}, r3{"R3"}, r4{"R4"}, r5{"R5"}, r6{"R6"};
  DueCouncil() {
    r1.Start("2026-05-11").Iro("2026-05-11", "iro-1", "North");
    r2.Start("2026-01-05").Iro("2026-01-05", "iro-2", "South").Review("2026-02-02");
    r3.Start("2026-02-09").Iro("2026-02-09", "iro-1", "North").Review("2026-03-02");
    r4.Start("2025-10-06")
        .Iro("2025-10-06", "iro-2", "South")
        .Review("2025-10-30")
        .Review("2025-12-01");
    r5.Start("2026-01-05").Iro("2026-01-05", "iro-1", "North").End("2026-04-30");
    r6.Start("2026-01-05").Review("2026-01-30").Review("2026-04-24");
  }
  ChildMap council() const { return Council({&r1, &r2, &r3, &r4, &r5, &r6}); }
};

TEST_CASE("reviews due within N days, overdue reviews, and filters", "[reports]") {
  const DueCouncil c;
  const ChildMap council = c.council();
  const absl::CivilDay as_at = D(2026, 6, 1);

  const v1::ReviewsDueReport within30 = Due(council, as_at, 30);
  CHECK(within30.as_at() == "2026-06-01");
  CHECK(ChildIds(within30.items()) == std::vector<std::string>{"R4", "R3", "R1"});
  CHECK(within30.items(0).due_on() == "2026-06-01");
  CHECK(within30.items(0).days_until_due() == 0);
  CHECK_FALSE(within30.items(0).overdue());
  CHECK(within30.items(0).review_number() == 3);
  CHECK(within30.items(0).rule() == "3rd review: 6 months after the review on 2025-12-01");
  CHECK(within30.items(0).iro_id() == "iro-2");
  CHECK(within30.items(0).team() == "South");
  CHECK(within30.items(1).due_on() == "2026-06-02");
  CHECK(within30.items(1).days_until_due() == 1);
  CHECK(within30.items(2).due_on() == "2026-06-09");
  CHECK(within30.items(2).days_until_due() == 8);
  // The window is inclusive: 8 days takes in R1, 7 does not.
  CHECK(ChildIds(Due(council, as_at, 8).items()) == std::vector<std::string>{"R4", "R3", "R1"});
  CHECK(ChildIds(Due(council, as_at, 7).items()) == std::vector<std::string>{"R4", "R3"});
  CHECK(ChildIds(Due(council, as_at, 0).items()) == std::vector<std::string>{"R4"});
  CHECK(ChildIds(Due(council, as_at, 145).items()) ==
        std::vector<std::string>{"R4", "R3", "R1", "R6"});

  const v1::ReviewsDueReport overdue = Due(council, as_at, 0, true);
  REQUIRE(overdue.items_size() == 1);
  CHECK(overdue.items(0).child_id() == "R2");
  CHECK(overdue.items(0).due_on() == "2026-05-02");
  CHECK(overdue.items(0).days_until_due() == -30);
  CHECK(overdue.items(0).overdue());
  CHECK(overdue.items(0).last_review() == "2026-02-02");
  // The next day R4 is overdue too; R3 (due that day) is not.
  CHECK(ChildIds(Due(council, D(2026, 6, 2), 0, true).items()) ==
        std::vector<std::string>{"R2", "R4"});

  ReportFilter iro1;
  iro1.iro = "iro-1";
  CHECK(ChildIds(Due(council, as_at, 30, false, iro1).items()) ==
        std::vector<std::string>{"R3", "R1"});
  ReportFilter south;
  south.team = "South";
  CHECK(ChildIds(Due(council, as_at, 30, false, south).items()) == std::vector<std::string>{"R4"});
  CHECK(ChildIds(Due(council, as_at, 0, true, south).items()) == std::vector<std::string>{"R2"});
}

// --- Child summary -------------------------------------------------------------------------------

TEST_CASE("one child's summary: status, placement, IRO, reviews, challenges, flags", "[reports]") {
  const ChristmasCouncil c;
  auto summary = Summarize(c.x.record(), D(2027, 1, 4), Settings());
  REQUIRE(summary.ok());
  CHECK(summary->child_id() == "X");
  CHECK(summary->as_at() == "2027-01-04");
  CHECK(summary->looked_after());
  CHECK(summary->period_start() == "2026-09-07");
  CHECK(summary->legal_status() == "C1");
  CHECK(summary->placement().type() == "U1");
  CHECK(summary->placed_since() == "2026-09-07");
  CHECK(summary->iro_id() == "iro-3");
  CHECK(summary->iro_name() == "IRO iro-3");
  CHECK(summary->team() == "East");
  CHECK(summary->age() == 11);  // born 1 Jun 2015
  CHECK(summary->placements_last_12_months() == 1);
  // 1st review: due Mon 5 Oct (Tue 8 - Fri 11 Sep = 4, 14-18 = 9, 21-25 = 14, 28 Sep - 2 Oct =
  // 19, Mon 5 Oct = 20), held Fri 2 Oct.
  REQUIRE(summary->reviews_size() == 1);
  CHECK(summary->reviews(0).held_on() == "2026-10-02");
  CHECK(summary->reviews(0).due_on() == "2026-10-05");
  CHECK(summary->reviews(0).in_time());
  // 2nd review due Sat 2 Jan 2027: overdue by 2 days on Mon 4 Jan.
  CHECK(summary->next_review().due_on() == "2027-01-02");
  CHECK(summary->next_review().review_number() == 2);
  CHECK(summary->next_review().days_until_due() == -2);
  CHECK(summary->next_review().overdue());
  CHECK(Strings(summary->flags()) == std::vector<std::string>{"review overdue"});
  // Only the open challenge (X:2 was withdrawn in November).
  REQUIRE(summary->challenges_size() == 1);
  CHECK(summary->challenges(0).id() == "X:1");
  CHECK(summary->challenges(0).deadline() == "2026-12-30");
  CHECK(summary->challenges(0).working_days_open() == 7);
  CHECK(summary->challenges(0).response_overdue());

  SECTION("a child in section 20 carries its flags") {
    const Section20Council s;
    auto s1 = Summarize(s.s1.record(), D(2026, 10, 12), Settings());
    REQUIRE(s1.ok());
    CHECK(s1->legal_status() == "V2");
    CHECK(s1->age() == 3);
    // 3rd review due Sun 8 Nov (6 months after Fri 8 May), 27 days on.
    CHECK(s1->next_review().due_on() == "2026-11-08");
    CHECK(s1->next_review().days_until_due() == 27);
    REQUIRE(s1->reviews_size() == 2);
    CHECK(s1->reviews(0).due_on() == "2026-02-10");
    CHECK(s1->reviews(0).in_time());
    CHECK(s1->reviews(1).due_on() == "2026-05-10");
    CHECK(s1->reviews(1).in_time());
    CHECK(Strings(s1->flags()) ==
          std::vector<std::string>{"under 5 and in section 20 for more than 8 weeks",
                                   "in section 20 for more than 6 months without a permanence plan",
                                   "no consent recorded"});
  }
  SECTION("a child who has left care") {
    const PlacementCouncil p;
    auto p3 = Summarize(p.p3.record(), D(2027, 1, 10), Settings());
    REQUIRE(p3.ok());
    CHECK_FALSE(p3->looked_after());
    CHECK_FALSE(p3->has_next_review());
    CHECK(p3->flags_size() == 0);
    CHECK(p3->challenges_size() == 0);
  }
  SECTION("three placements and an unregistered one are flagged") {
    const PlacementCouncil p;
    auto p1 = Summarize(p.p1.record(), D(2027, 3, 31), Settings());
    REQUIRE(p1.ok());
    CHECK(p1->placements_last_12_months() == 3);
    const std::vector<std::string> flags = Strings(p1->flags());
    CHECK(std::count(flags.begin(), flags.end(), "3 or more placements in 12 months") == 1);
    CHECK(std::count(flags.begin(), flags.end(), "unregistered placement") == 1);
  }
}

// --- The annual report ---------------------------------------------------------------------------

// The collection year `year` (1 April `year` to 31 March `year`+1) up to `to`.
v1::AnnualReport Annual(const ChildMap& children, absl::CivilDay to,
                        const ReportFilter& filter = {}, int year = 2025) {
  auto report = AnnualReport(children, year, to, filter, Settings());
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return *report;
}

// The collection year 2025 runs from Tue 1 Apr 2025 to Tue 31 Mar 2026.
//   A1  C2 since Mon 6 Jan 2025, still looked after: at the start and at the end.
//   A2  enters care Mon 2 Jun 2025 under section 20 (V2); no consent, no plan; V2 on 31 March.
//   A3  C1 since Mon 4 Nov 2024, returns home (E4A) Tue 30 Sep 2025: at the start, not the end.
//   A4  enters Mon 6 Oct 2025 under police protection (L1) and leaves (E13) on Tue 31 Mar 2026,
//       the last day: started and ended, not looked after at the end.
//   A5  enters on the first day, Tue 1 Apr 2025 (C1): started, not at the start.
//   A6  Mon 6 May 2024 - Mon 31 Mar 2025 (E8): over the day before the year; not counted.
//   A7  enters Wed 1 Apr 2026, the day after the year; not counted.
//   A8  short breaks (V3) since Mon 1 Sep 2025: counted apart (section20.short_breaks_*), not in
//       the care or placement figures, as the 903 counts children looked after.
//   A9  V2 since Mon 3 Feb 2025, a care order (C2) from Mon 7 Jul 2025: in s20 during the year,
//       not at its end.
//   A10 two periods in the year: Tue 6 May - Fri 29 Aug 2025 (E4B), and from Mon 3 Nov 2025.
// Every child is in the placement it started in (U1, distance not recorded).
struct AnnualCareCouncil {
  Child a1{"A1"}, a2{"A2"}, a3{"A3"}, a4{"A4"}, a5{"A5"}, a6{"A6"}, a7{"A7"}, a8{"A8"}, a9{"A9"},
      a10{"A10"};
  AnnualCareCouncil() {
    a1.Start("2025-01-06");
    a2.Start("2025-06-02", "V2");
    a3.Start("2024-11-04", "C1").End("2025-09-30", "E4A");
    a4.Start("2025-10-06", "L1").End("2026-03-31", "E13");
    a5.Start("2025-04-01", "C1");
    a6.Start("2024-05-06").End("2025-03-31", "E8");
    a7.Start("2026-04-01");
    a8.Start("2025-09-01", "V3");
    a9.Start("2025-02-03", "V2").Status("2025-07-07", "C2");
    a10.Start("2025-05-06").End("2025-08-29", "E4B").Start("2025-11-03");
  }
  ChildMap council() const { return Council({&a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9, &a10}); }
};

TEST_CASE("annual report: children looked after at the start and end, entering and leaving care",
          "[reports][annual]") {
  const AnnualCareCouncil c;
  const ChildMap council = c.council();
  const v1::AnnualReport report = Annual(council, D(2026, 3, 31));
  CHECK(report.year() == 2025);
  CHECK(report.from() == "2025-04-01");
  CHECK(report.to() == "2026-03-31");
  CHECK(report.complete());
  CHECK(report.iro().empty());
  CHECK(report.team().empty());

  const v1::AnnualCare& care = report.care();
  // Looked after on at least one day of the year: A1, A2, A3, A4, A5, A9, A10 (A10 once).
  CHECK(care.looked_after_during() == 7);
  // At the start (began before 1 April and had not ended before it): A1, A3, A9. A5 began on
  // 1 April; A6 ended on 31 March 2025.
  CHECK(care.looked_after_at_start() == 3);
  // Started: A2, A4, A5 and both of A10's = 5. Ended: A3, A4 (on 31 March 2026) and A10's
  // first = 3.
  CHECK(care.periods_started() == 5);
  CHECK(care.periods_ended() == 3);
  // At the end: A1, A2, A5, A9, A10 (A4 left on the last day, so is not).
  CHECK(care.looked_after_at_end() == 5);
  CHECK(care.looked_after_at_end() ==
        care.looked_after_at_start() + care.periods_started() - care.periods_ended());
  CHECK(Count(care.started_by_legal_status(), "V2") == 1);  // A2
  CHECK(Count(care.started_by_legal_status(), "C2") == 2);  // A10, twice
  CHECK(Count(care.started_by_legal_status(), "C1") == 1);  // A5
  CHECK(Count(care.started_by_legal_status(), "L1") == 1);  // A4
  CHECK(Count(care.started_by_legal_status(), "V3") == 0);  // A8: short breaks
  CHECK(care.started_by_legal_status().size() == 4);
  CHECK(Count(care.ended_by_reason(), "E4A") == 1);  // A3
  CHECK(Count(care.ended_by_reason(), "E13") == 1);  // A4
  CHECK(Count(care.ended_by_reason(), "E4B") == 1);  // A10
  CHECK(Count(care.ended_by_reason(), "E8") == 0);   // A6, the day before the year
  CHECK(care.ended_by_reason().size() == 3);
  CHECK(Count(care.legal_status_at_end(), "C2") == 3);  // A1, A9, A10
  CHECK(Count(care.legal_status_at_end(), "V2") == 1);  // A2
  CHECK(Count(care.legal_status_at_end(), "C1") == 1);  // A5
  CHECK(Count(care.legal_status_at_end(), "V3") == 0);  // A8: short breaks
  CHECK(care.legal_status_at_end().size() == 3);

  const v1::AnnualSection20& s20 = report.section20();
  CHECK(s20.at_end() == 1);  // A2 (A9 is C2 by then)
  // A2 on 31 March: no consent recorded, and more than 6 months (from 2 Dec) without a plan.
  CHECK(s20.flagged_at_end() == 1);
  CHECK(s20.short_breaks_at_end() == 1);  // A8
  // In s20 at some time in the year: A2, and A9 until Sun 6 July.
  CHECK(s20.during() == 2);
  CHECK(s20.short_breaks_during() == 1);
  // The Section 20 report over the year lists those children.
  const v1::Section20Report during = S20(council, D(2026, 3, 31), D(2025, 4, 1));
  CHECK(ChildIds(during.children()) == std::vector<std::string>{"A2", "A9"});
  CHECK(ChildIds(during.short_breaks()) == std::vector<std::string>{"A8"});

  const v1::AnnualPlacements& placements = report.placements();
  CHECK(Count(placements.type_at_end(), "U1") == 5);  // not A8
  CHECK(placements.type_at_end().size() == 1);
  // A period's first placement is not a move (A10's second period neither).
  CHECK(placements.moves() == 0);
  CHECK(placements.children_who_moved() == 0);
  CHECK(placements.reasons_ended().empty());
  CHECK(placements.distance_known() == 0);
  CHECK(placements.over_20_miles() == 0);
  CHECK(placements.three_or_more() == 0);

  SECTION("the year so far, to Fri 31 Oct 2025") {
    const v1::AnnualReport so_far = Annual(council, D(2025, 10, 31));
    CHECK_FALSE(so_far.complete());
    CHECK(so_far.from() == "2025-04-01");
    CHECK(so_far.to() == "2025-10-31");
    const v1::AnnualCare& part = so_far.care();
    CHECK(part.looked_after_during() == 7);
    CHECK(part.looked_after_at_start() == 3);
    // Started: A2, A4 (6 Oct), A5 and A10's first = 4 (its second starts on 3 Nov).
    CHECK(part.periods_started() == 4);
    // Ended: A10 (29 Aug) and A3 (30 Sep) = 2; A4 is still looked after.
    CHECK(part.periods_ended() == 2);
    CHECK(part.looked_after_at_end() == 5);  // A1, A2, A4, A5, A9
    CHECK(part.looked_after_at_end() ==
          part.looked_after_at_start() + part.periods_started() - part.periods_ended());
    CHECK(Count(part.ended_by_reason(), "E4A") == 1);
    CHECK(Count(part.ended_by_reason(), "E4B") == 1);
    CHECK(Count(part.ended_by_reason(), "E13") == 0);
    CHECK(part.ended_by_reason().size() == 2);
    CHECK(Count(part.legal_status_at_end(), "L1") == 1);  // A4
    CHECK(Count(part.legal_status_at_end(), "C2") == 2);  // A1, A9
    CHECK(part.legal_status_at_end().size() == 4);        // C1, C2, L1, V2
    CHECK(so_far.section20().at_end() == 1);              // A2
  }
  SECTION("on the first day of the year") {
    const v1::AnnualReport first = Annual(council, D(2025, 4, 1));
    CHECK_FALSE(first.complete());
    CHECK(first.to() == "2025-04-01");
    CHECK(first.care().looked_after_during() == 4);  // A1, A3, A5, A9
    CHECK(first.care().looked_after_at_start() == 3);
    CHECK(first.care().periods_started() == 1);  // A5
    CHECK(first.care().periods_ended() == 0);
    CHECK(first.care().looked_after_at_end() == 4);
    CHECK(Count(first.care().legal_status_at_end(), "C1") == 2);  // A3, A5
    CHECK(Count(first.care().legal_status_at_end(), "V2") == 1);  // A9
    CHECK(first.section20().at_end() == 1);
    CHECK(first.section20().flagged_at_end() == 1);  // A9: no consent recorded
    CHECK(first.section20().during() == 1);
  }
  SECTION("the year before ends with the children this one starts with") {
    // 1 Apr 2024 - 31 Mar 2025: A6 (6 May), A3 (4 Nov), A1 (6 Jan), A9 (3 Feb) start; A6 ends
    // on the last day.
    const v1::AnnualReport before = Annual(council, D(2025, 3, 31), {}, 2024);
    CHECK(before.year() == 2024);
    CHECK(before.from() == "2024-04-01");
    CHECK(before.complete());
    CHECK(before.care().looked_after_during() == 4);
    CHECK(before.care().looked_after_at_start() == 0);
    CHECK(before.care().periods_started() == 4);
    CHECK(before.care().periods_ended() == 1);
    CHECK(Count(before.care().ended_by_reason(), "E8") == 1);
    CHECK(before.care().looked_after_at_end() == 3);
    CHECK(before.care().looked_after_at_end() == care.looked_after_at_start());
  }
  SECTION("a last day outside the year is refused") {
    for (const absl::CivilDay last : {D(2026, 4, 1), D(2025, 3, 31), D(2027, 3, 31)}) {
      INFO(FormatIsoDate(last));
      const auto refused = AnnualReport(council, 2025, last, ReportFilter{}, Settings());
      CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
    }
  }
}

// Placement moves in the collection year 2025 (1 Apr 2025 - 31 Mar 2026):
//   M1 in care since Mon 2 Sep 2024 (U1, 5 miles):
//     Mon 31 Mar 2025 U4, new carer (STAND): the day before the year, not counted
//     Mon 2 Jun 2025 U6, new carer (CARPL): move 1
//     Mon 1 Sep 2025 U6, same carer (PLACE): not a move
//     Mon 5 Jan 2026 K2, unregistered, 35 miles, new carer (CHILD): move 2
//   M2 enters care Tue 6 May 2025 (U1, 20 miles; a period's first placement is not a move); to
//     a temporary placement Mon 7 Jul (ALLEG): move 1 (temporary placements count); U3 on Mon
//     21 Jul (STAND), distance not recorded: move 2.
//   M3 in care since Mon 3 Jun 2024; U4 on Tue 1 Apr 2025, the first day (CREQB): a move; left
//     care Fri 19 Dec 2025.
//   M4 in care since Mon 6 Jan 2025 (U1, exactly 20 miles), never moved.
struct AnnualMovesCouncil {
  Child m1{"M1"}, m2{"M2"}, m3{"M3"}, m4{"M4"};
  AnnualMovesCouncil() {
    m1.Start("2024-09-02", "C2", Place("U1", "PR1", 5))
        .Move("2025-03-31", Place("U4", "PR4", 8), "STAND")
        .Move("2025-06-02", Place("U6", "PR4", 12), "CARPL")
        .Move("2025-09-01", Place("U6", "PR4", 12), "PLACE", /*carer_changed=*/false)
        .Move("2026-01-05", Place("K2", "PR4", 35, v1::Placement::UNREGISTERED), "CHILD");
    m2.Start("2025-05-06", "C1", Place("U1", "PR1", 20))
        .Move("2025-07-07", Place("T0", ""), "ALLEG")
        .Move("2025-07-21", Place("U3", "PR2"), "STAND");
    m3.Start("2024-06-03").Move("2025-04-01", Place("U4", "PR4"), "CREQB").End("2025-12-19");
    m4.Start("2025-01-06", "C2", Place("U1", "PR1", 20));
  }
  ChildMap council() const { return Council({&m1, &m2, &m3, &m4}); }
};

TEST_CASE("annual report: placement moves in the year and the placements at its end",
          "[reports][annual]") {
  const AnnualMovesCouncil c;

  // M1 alone: the two changes of carer dated in the year.
  const v1::AnnualPlacements one = Annual(Council({&c.m1}), D(2026, 3, 31)).placements();
  CHECK(one.moves() == 2);
  CHECK(one.children_who_moved() == 1);
  CHECK(Count(one.reasons_ended(), "CARPL") == 1);
  CHECK(Count(one.reasons_ended(), "CHILD") == 1);
  CHECK(Count(one.reasons_ended(), "STAND") == 0);  // 31 March 2025
  CHECK(Count(one.reasons_ended(), "PLACE") == 0);  // same carer
  CHECK(one.reasons_ended().size() == 2);

  const ChildMap council = c.council();
  const v1::AnnualReport report = Annual(council, D(2026, 3, 31));
  const v1::AnnualPlacements& p = report.placements();
  // M1 2, M2 2 (the temporary placement included), M3 1; M4 none.
  CHECK(p.moves() == 5);
  CHECK(p.children_who_moved() == 3);
  CHECK(Count(p.reasons_ended(), "CARPL") == 1);
  CHECK(Count(p.reasons_ended(), "CHILD") == 1);
  CHECK(Count(p.reasons_ended(), "ALLEG") == 1);
  CHECK(Count(p.reasons_ended(), "STAND") == 1);  // M2's; not M1's of 31 March 2025
  CHECK(Count(p.reasons_ended(), "CREQB") == 1);  // on the first day
  CHECK(p.reasons_ended().size() == 5);
  // At the end: M1, M2, M4 (M3 left in December).
  CHECK(report.care().looked_after_at_end() == 3);
  CHECK(Count(p.type_at_end(), "K2") == 1);
  CHECK(Count(p.type_at_end(), "U3") == 1);
  CHECK(Count(p.type_at_end(), "U1") == 1);
  CHECK(p.type_at_end().size() == 3);
  // Over the 12 months to 31 March 2026 (the day before them: 31 March 2025): M1 U4 (in force
  // then), U6, K2 = 3; M2 U1, U3 (the temporary one excluded) = 2; M4 U1 = 1.
  CHECK(p.three_or_more() == 1);
  CHECK(p.unregistered() == 1);    // M1
  CHECK(p.over_20_miles() == 1);   // M1 at 35; M4 at exactly 20 is not over
  CHECK(p.distance_known() == 2);  // M1, M4; M2's U3 has none
  // The Placements report as at the last day agrees on the children at the end; its reasons
  // take in the same-carer change, the annual moves do not.
  const v1::PlacementReport stability = Stability(council, D(2026, 3, 31));
  CHECK(stability.looked_after() == report.care().looked_after_at_end());
  CHECK(stability.three_or_more() == p.three_or_more());
  CHECK(stability.unregistered() == p.unregistered());
  CHECK(stability.over_20_miles() == p.over_20_miles());
  CHECK(Count(stability.reasons_ended(), "PLACE") == 1);

  SECTION("the year so far, to Sun 31 Aug 2025") {
    const v1::AnnualReport august = Annual(council, D(2025, 8, 31));
    CHECK_FALSE(august.complete());
    const v1::AnnualPlacements& q = august.placements();
    // M1 2 Jun; M2 7 and 21 Jul; M3 1 Apr.
    CHECK(q.moves() == 4);
    CHECK(q.children_who_moved() == 3);
    CHECK(Count(q.reasons_ended(), "CHILD") == 0);
    CHECK(q.reasons_ended().size() == 4);  // CARPL, ALLEG, STAND, CREQB
    // All four at the end: M1 U6, M2 U3, M3 U4, M4 U1.
    CHECK(august.care().looked_after_at_end() == 4);
    CHECK(Count(q.type_at_end(), "U6") == 1);
    CHECK(Count(q.type_at_end(), "U4") == 1);
    CHECK(q.type_at_end().size() == 4);
    // Over the 12 months to 31 Aug 2025 (from 1 Sep 2024): M1 U1 (from 2 Sep 2024), U4, U6 = 3.
    CHECK(q.three_or_more() == 1);
    CHECK(q.unregistered() == 0);
    CHECK(q.over_20_miles() == 0);   // M1 at 12, M4 at 20
    CHECK(q.distance_known() == 2);  // M1, M4
  }
}

// Reviews in the collection year 2025:
//   Y1 looked after Mon 6 Jan 2025: 1st due Mon 3 Feb (Tue 7 - Fri 10 Jan = 4, 13-17 = 9,
//     20-24 = 14, 27-31 = 19, Mon 3 Feb = 20), held Thu 30 Jan (PN1, before the year). 2nd due
//     3 months later, Wed 30 Apr: held Thu 24 Apr (PN2), the social worker's report on Mon
//     14 Apr (6 working days before: 15, 16, 17, (Good Friday 18, Easter Monday 21), 22, 23,
//     24), recommendations Fri 25 Apr (in time), the record Thu 1 May (in time). 3rd due
//     6 months later, Fri 24 Oct: held Thu 23 Oct (PN2). 4th held Thu 16 Apr 2026 (PN7), after
//     the year. Midway reviews Mon 10 Feb 2025 (before the year) and Mon 21 Jul 2025.
//   Y2 born 1 Jan 2023 (PN0), looked after Mon 2 Jun 2025: 1st due Mon 30 Jun (3-6 Jun = 4,
//     9-13 = 9, 16-20 = 14, 23-27 = 19, Mon 30 = 20), held Fri 4 Jul: late. 2nd due 3 months
//     after it, Sat 4 Oct: held Fri 26 Sep, in time.
//   Y3 looked after Mon 7 Oct 2024: reviewed Thu 31 Oct 2024 (due Mon 4 Nov) and Fri 24 Jan 2025
//     (due Fri 31 Jan), both PN1, then Fri 18 Jul 2025 (PN4; due Thu 24 Jul), in time; left
//     care Fri 29 Aug 2025.
struct AnnualReviewsCouncil {
  Child y1{"Y1"}, y2{"Y2"}, y3{"Y3"};
  AnnualReviewsCouncil() {
    y1.Start("2025-01-06")
        .Review("2025-01-30", "PN1")
        .Midway("2025-02-10")
        .SocialWorkerReport("2025-04-14", "2025-04-24")
        .Review("2025-04-24", "PN2")
        .Recommendations("2025-04-25", "2025-04-24")
        .RecordDistributed("2025-05-01", "2025-04-24")
        .Midway("2025-07-21")
        .Review("2025-10-23", "PN2")
        .Review("2026-04-16", "PN7");
    y2.Start("2025-06-02", "C2", Place("U1"), "2023-01-01")
        .Review("2025-07-04", "PN0")
        .Review("2025-09-26", "PN0");
    y3.Start("2024-10-07")
        .Review("2024-10-31", "PN1")
        .Review("2025-01-24", "PN1")
        .Review("2025-07-18", "PN4")
        .End("2025-08-29", "E4A");
  }
  ChildMap council() const { return Council({&y1, &y2, &y3}); }
};

TEST_CASE("annual report: the reviews held in the year, as the timeliness report counts them",
          "[reports][annual]") {
  const AnnualReviewsCouncil c;
  const ChildMap council = c.council();
  const v1::AnnualReviews reviews = Annual(council, D(2026, 3, 31)).reviews();
  // In the year: Y1 24 Apr and 23 Oct, Y2 4 Jul (late) and 26 Sep, Y3 18 Jul = 5, 4 in time:
  // 80%, red (below amber's 87).
  CHECK(reviews.held() == 5);
  CHECK(reviews.held_in_time() == 4);
  CHECK(reviews.percent_in_time() == Approx(80.0));
  CHECK(reviews.rating() == "red");
  CHECK(reviews.children_reviewed() == 3);
  CHECK(reviews.children_all_in_time() == 2);  // Y1, Y3
  CHECK(reviews.percent_children_in_time() == Approx(200.0 / 3));
  CHECK(Count(reviews.participation(), "PN0") == 2);
  CHECK(Count(reviews.participation(), "PN2") == 2);
  CHECK(Count(reviews.participation(), "PN4") == 1);
  CHECK(Count(reviews.participation(), "PN1") == 0);  // all three before the year
  CHECK(Count(reviews.participation(), "PN7") == 0);  // after it
  CHECK(reviews.participation().size() == 8);         // every code, zeros included
  CHECK(reviews.social_worker_reports().five_or_more_days_before() == 1);
  CHECK(reviews.social_worker_reports().one_to_four_days_before() == 0);
  CHECK(reviews.social_worker_reports().not_received() == 4);
  CHECK(reviews.recommendations_in_time() == 1);
  CHECK(reviews.records_in_time() == 1);
  CHECK(reviews.midway_reviews() == 1);  // 21 Jul, not 10 Feb 2025

  // The timeliness report over the same days gives every figure.
  const v1::TimelinessReport held = Held(council, D(2025, 4, 1), D(2026, 3, 31));
  CHECK(reviews.held() == held.reviews_held());
  CHECK(reviews.held_in_time() == held.reviews_in_time());
  CHECK(reviews.percent_in_time() == Approx(held.percent_in_time()));
  CHECK(reviews.rating() == held.rating());
  CHECK(reviews.children_reviewed() == held.children_reviewed());
  CHECK(reviews.children_all_in_time() == held.children_all_in_time());
  for (const char* code : {"PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"}) {
    INFO(code);
    CHECK(Count(reviews.participation(), code) == Count(held.participation(), code));
  }
  CHECK(reviews.social_worker_reports().five_or_more_days_before() ==
        held.social_worker_reports().five_or_more_days_before());
  CHECK(reviews.social_worker_reports().not_received() ==
        held.social_worker_reports().not_received());
  CHECK(reviews.recommendations_in_time() == held.recommendations_in_time());
  CHECK(reviews.records_in_time() == held.records_in_time());
  CHECK(reviews.midway_reviews() == held.midway_reviews());

  SECTION("the year so far, to Tue 30 Sep 2025") {
    const v1::AnnualReviews so_far = Annual(council, D(2025, 9, 30)).reviews();
    // Y1 24 Apr, Y2 4 Jul (late) and 26 Sep, Y3 18 Jul: 3 of 4 in time.
    CHECK(so_far.held() == 4);
    CHECK(so_far.held_in_time() == 3);
    CHECK(so_far.percent_in_time() == Approx(75.0));
    CHECK(so_far.rating() == "red");
    CHECK(so_far.children_all_in_time() == 2);  // Y1 (next due 24 Oct), Y3
    CHECK(so_far.held() == Held(council, D(2025, 4, 1), D(2025, 9, 30)).reviews_held());
  }
}

// Challenges in the collection year 2025:
//   H1 (iro-1), looked after since Mon 6 Jan 2025:
//     H1:1 informal, Quality of Plan, raised Mon 17 Mar 2025 (before the year), answered Thu
//       20 Mar, resolved Tue 8 Apr: resolved in the year, at the informal stage.
//     H1:2 informal, Drift and Delay, raised Mon 2 Jun 2025, escalated to Stage 1 Mon 16 Jun,
//       answered Wed 18 Jun, resolved Fri 20 Jun at Stage 1.
//     H1:3 raised at Stage 1, Quality of Plan, Mon 2 Mar 2026: due 5 working days later, Mon
//       9 Mar; referred to CAFCASS Mon 16 Mar; unanswered on 31 March: open, response overdue.
//     CAFCASS referrals outside any challenge: Mon 3 Feb 2025 (before the year), Mon 3 Nov 2025.
//   H2 (iro-2), looked after since Tue 6 May 2025:
//     H2:1 informal, quality of provision, raised Tue 1 Jul 2025, withdrawn Thu 10 Jul.
//     H2:2 informal, Drift and Delay, raised Mon 23 Mar 2026 (due Mon 30 Mar), answered Fri
//       27 Mar: open at the end, not overdue.
struct AnnualChallengeCouncil {
  Child h1{"H1"}, h2{"H2"};
  AnnualChallengeCouncil() {
    h1.Start("2025-01-06")
        .Iro("2025-01-06", "iro-1", "North")
        .Cafcass("2025-02-03", "")
        .Raise("2025-03-17", "H1:1", "iro-1", "Quality of Plan")
        .Respond("2025-03-20", "H1:1")
        .Resolve("2025-04-08", "H1:1")
        .Raise("2025-06-02", "H1:2", "iro-1", "Drift and Delay")
        .Escalate("2025-06-16", "H1:2")
        .Respond("2025-06-18", "H1:2")
        .Resolve("2025-06-20", "H1:2")
        .Cafcass("2025-11-03", "")
        .Raise("2026-03-02", "H1:3", "iro-1", "Quality of Plan", "Stage 1")
        .Cafcass("2026-03-16", "H1:3");
    h2.Start("2025-05-06", "C1")
        .Iro("2025-05-06", "iro-2", "South")
        .Raise("2025-07-01", "H2:1", "iro-2", "quality of provision")
        .Withdraw("2025-07-10", "H2:1")
        .Raise("2026-03-23", "H2:2", "iro-2", "Drift and Delay")
        .Respond("2026-03-27", "H2:2");
  }
  ChildMap council() const { return Council({&h1, &h2}); }
};

TEST_CASE("annual report: challenges raised, closed and open at the end, and CAFCASS referrals",
          "[reports][annual]") {
  const AnnualChallengeCouncil c;
  const ChildMap council = c.council();
  const v1::AnnualChallenges ch = Annual(council, D(2026, 3, 31)).challenges();
  // Raised in the year: H1:2, H1:3, H2:1, H2:2 (not H1:1, raised in March 2025).
  CHECK(ch.raised() == 4);
  CHECK(ch.raised_informal() == 3);
  CHECK(ch.raised_formal() == 1);  // H1:3
  CHECK(Count(ch.raised_by_theme(), "Drift and Delay") == 2);
  CHECK(Count(ch.raised_by_theme(), "Quality of Plan") == 1);
  CHECK(Count(ch.raised_by_theme(), "Quality of Provision") == 1);  // the policy's spelling
  CHECK(ch.raised_by_theme().size() == 3);
  // Resolved in the year: H1:1 informally (raised before it), H1:2 at Stage 1.
  CHECK(Count(ch.resolved_by_stage(), "Informal") == 1);
  CHECK(Count(ch.resolved_by_stage(), "Stage 1") == 1);
  CHECK(ch.resolved_by_stage().size() == 2);
  CHECK(ch.resolved() == 2);
  CHECK(ch.withdrawn() == 1);  // H2:1
  // H1:3's referral, and H1's own of 3 November (not February's).
  CHECK(ch.cafcass_referrals() == 2);
  CHECK(ch.open_at_end() == 2);  // H1:3, H2:2
  CHECK(Count(ch.open_at_end_by_stage(), "Stage 1") == 1);
  CHECK(Count(ch.open_at_end_by_stage(), "Informal") == 1);
  CHECK(ch.open_at_end_by_stage().size() == 2);
  CHECK(ch.overdue_responses_at_end() == 1);  // H1:3; H2:2 has its answer

  // The escalation report over the year, as at its last day, counts the same challenges; the
  // child's own referral is outside it.
  const v1::EscalationReport year = Open(council, D(2026, 3, 31), D(2025, 4, 1), D(2026, 3, 31));
  CHECK(ch.raised() == year.raised());
  CHECK(ch.raised_formal() == year.raised_formal());
  CHECK(ch.withdrawn() == year.withdrawn());
  CHECK(year.cafcass_referrals() == 1);
  CHECK(ch.cafcass_referrals() == year.cafcass_referrals() + 1);
  CHECK(ch.open_at_end() == year.open_size());
  CHECK(ch.overdue_responses_at_end() == year.overdue_responses());

  SECTION("the year so far, to Mon 30 Jun 2025") {
    const v1::AnnualChallenges june = Annual(council, D(2025, 6, 30)).challenges();
    CHECK(june.raised() == 1);  // H1:2
    CHECK(june.raised_informal() == 1);
    CHECK(june.raised_formal() == 0);
    CHECK(june.resolved() == 2);  // H1:1, H1:2
    CHECK(june.withdrawn() == 0);
    CHECK(june.cafcass_referrals() == 0);
    CHECK(june.open_at_end() == 0);
    CHECK(june.open_at_end_by_stage().empty());
    CHECK(june.overdue_responses_at_end() == 0);
  }
}

// Answers to a stage, in time and late (docs/workflow.md, "Late answers"), child L in care since
// Mon 1 Dec 2025. Bank holidays in the way: Thu 25 and Fri 26 Dec 2025, Thu 1 Jan 2026. Every
// stage allows 5 working days (EscalationPolicy::Default()).
//   L:1 informal, raised Wed 24 Dec 2025: day 0 Wed 24; Mon 29 = 1, Tue 30 = 2, Wed 31 = 3,
//       Fri 2 Jan = 4, Mon 5 Jan = 5: due Mon 5 Jan. Responded Tue 6 Jan: the first working day
//       after the due date, so 1 working day late.
//   L:2 informal, raised Mon 5 Jan 2026: Tue 6 = 1 ... Fri 9 = 4, Mon 12 = 5: due Mon 12 Jan.
//       Responded Mon 12 Jan (on the due date: in time), resolved Wed 14 Jan (after the
//       response, it answers nothing).
//   L:3 at Stage 1, raised Fri 9 Jan: Mon 12 = 1 ... Fri 16 = 5: due Fri 16 Jan. Responded Sat
//       17 Jan (not a working day: 0 working days after the due date, in time). Escalated by the
//       IRO to Stage 2 on Mon 19 Jan: Tue 20 = 1 ... Fri 23 = 4, Mon 26 = 5: due Mon 26 Jan.
//       Resolved Thu 29 Jan with no response at Stage 2: the resolution answers Stage 2, late by
//       Tue 27, Wed 28, Thu 29 = 3 working days.
//   L:4 informal, raised Mon 5 Jan (due Mon 12 Jan), withdrawn Tue 13 Jan: never answered.
struct LateAnswerCouncil {
  Child l{"L"};
  LateAnswerCouncil() {
    l.Start("2025-12-01")
        .Iro("2025-12-01", "iro-5", "North")
        .Raise("2025-12-24", "L:1", "iro-5", "Drift and Delay")
        .Respond("2026-01-06", "L:1")
        .Raise("2026-01-05", "L:2", "iro-5", "Drift and Delay")
        .Raise("2026-01-05", "L:4", "iro-5", "Quality of Plan")
        .Raise("2026-01-09", "L:3", "iro-5", "Quality of Plan", "Stage 1")
        .Respond("2026-01-12", "L:2")
        .Withdraw("2026-01-13", "L:4")
        .Resolve("2026-01-14", "L:2")
        .Respond("2026-01-17", "L:3")
        .Escalate("2026-01-19", "L:3")
        .Resolve("2026-01-29", "L:3");
  }
  ChildMap council() const { return Council({&l}); }
};

const ChallengeStep& StepOf(const ChildRecord& record, const std::string& id,
                            const std::string& kind, int stage) {
  const ChallengeState* c = record.FindChallenge(id);
  REQUIRE(c != nullptr);
  for (const ChallengeStep& step : c->steps) {
    if (step.kind == kind && step.stage == stage) return step;
  }
  FAIL("no " << kind << " step at stage " << stage << " in " << id);
  return c->steps.front();
}

TEST_CASE("a response after its stage's deadline is marked late from the dates", "[reports]") {
  const LateAnswerCouncil c;
  const ChildRecord& record = c.l.record();
  REQUIRE(record.FindChallenge("L:1")->steps.front().due_on == D(2026, 1, 5));
  // Accepted, and marked late by one working day; no DeadlineMissed is needed for that.
  const ChallengeStep& l1 = StepOf(record, "L:1", "responded", 0);
  CHECK(l1.answered_due_on == D(2026, 1, 5));
  CHECK(l1.late);
  CHECK(l1.working_days_late == 1);
  CHECK(record.FindChallenge("L:1")->status == ChallengeState::Status::kResponded);
  CHECK_FALSE(record.FindChallenge("L:1")->overdue);
  CHECK_FALSE(record.FindChallenge("L:1")->MissedAt(0));
  // On the due date: in time.
  const ChallengeStep& l2 = StepOf(record, "L:2", "responded", 0);
  CHECK(l2.answered_due_on == D(2026, 1, 12));
  CHECK_FALSE(l2.late);
  CHECK(l2.working_days_late == 0);
  // A resolution after the response answers nothing.
  CHECK_FALSE(StepOf(record, "L:2", "resolved", 0).answers_stage());
  // The Saturday after a Friday deadline: no working day has passed, in time.
  const ChallengeStep& l3 = StepOf(record, "L:3", "responded", 1);
  CHECK(l3.answered_due_on == D(2026, 1, 16));
  CHECK_FALSE(l3.late);
  // A resolution while Stage 2 awaited a response answers it, three working days late.
  const ChallengeStep& l3_resolved = StepOf(record, "L:3", "resolved", 2);
  CHECK(l3_resolved.answered_due_on == D(2026, 1, 26));
  CHECK(l3_resolved.late);
  CHECK(l3_resolved.working_days_late == 3);
  CHECK(record.FindChallenge("L:3")->AnswerAt(2) == &l3_resolved);
  CHECK(record.FindChallenge("L:3")->AnswerAt(1) == &l3);
  // A withdrawal answers nothing, and the IRO's escalation is not an answer either.
  CHECK(record.FindChallenge("L:4")->AnswerAt(0) == nullptr);
  CHECK_FALSE(StepOf(record, "L:3", "escalated", 2).answers_stage());

  // The rule itself, on the calendar: Fri 2 Jan 2026 (before Mon 5 Jan) and Mon 5 Jan are in
  // time, Sat 3 and Sun 4 Jan too (the deadline is missed when Tue 6 Jan begins); over the
  // holidays, an answer due Wed 24 Dec 2025 is late by 1 on Mon 29 Dec, by 4 on Fri 2 Jan.
  CHECK_FALSE(AnswerLateness(D(2026, 1, 5), D(2026, 1, 2), Calendar()).late);
  CHECK_FALSE(AnswerLateness(D(2026, 1, 5), D(2026, 1, 5), Calendar()).late);
  CHECK_FALSE(AnswerLateness(D(2026, 1, 2), D(2026, 1, 4), Calendar()).late);
  CHECK(AnswerLateness(D(2025, 12, 24), D(2025, 12, 29), Calendar()).working_days_late == 1);
  CHECK(AnswerLateness(D(2025, 12, 24), D(2026, 1, 2), Calendar()).working_days_late == 4);
}

TEST_CASE("escalation and annual reports count answers in time and late by stage",
          "[reports][annual]") {
  const LateAnswerCouncil c;
  const ChildMap council = c.council();
  // January 2026: in time L:2 (Informal) and L:3 at Stage 1; late L:1 (Informal) and L:3's
  // resolution at Stage 2.
  const v1::EscalationReport january = Open(council, D(2026, 1, 31), D(2026, 1, 1), D(2026, 1, 31));
  CHECK(january.responses_in_time() == 2);
  CHECK(january.responses_late() == 2);
  CHECK(Count(january.responses_in_time_by_stage(), "Informal") == 1);
  CHECK(Count(january.responses_in_time_by_stage(), "Stage 1") == 1);
  CHECK(january.responses_in_time_by_stage().size() == 2);
  CHECK(Count(january.responses_late_by_stage(), "Informal") == 1);
  CHECK(Count(january.responses_late_by_stage(), "Stage 2") == 1);
  CHECK(january.responses_late_by_stage().size() == 2);
  // The answers are counted by their own date: from Wed 7 Jan, L:1's answer is outside.
  const v1::EscalationReport later = Open(council, D(2026, 1, 31), D(2026, 1, 7), D(2026, 1, 31));
  CHECK(later.responses_in_time() == 2);
  CHECK(later.responses_late() == 1);
  CHECK(Count(later.responses_late_by_stage(), "Stage 2") == 1);
  // December 2025: L:1 was raised, nothing answered.
  const v1::EscalationReport december =
      Open(council, D(2025, 12, 31), D(2025, 12, 1), D(2025, 12, 31));
  CHECK(december.raised() == 1);
  CHECK(december.responses_in_time() == 0);
  CHECK(december.responses_late() == 0);

  // The annual report for 2025-26 carries the same counts.
  const v1::AnnualChallenges year = Annual(council, D(2026, 3, 31)).challenges();
  CHECK(year.responses_in_time() == 2);
  CHECK(year.responses_late() == 2);
  CHECK(Count(year.responses_in_time_by_stage(), "Informal") == 1);
  CHECK(Count(year.responses_in_time_by_stage(), "Stage 1") == 1);
  CHECK(Count(year.responses_late_by_stage(), "Informal") == 1);
  CHECK(Count(year.responses_late_by_stage(), "Stage 2") == 1);
}

// IRO allocations over the collection year 2025:
//   F1 iro-1 (North) since Mon 6 Jan 2025; reviews Thu 30 Jan 2025 and Thu 24 Apr 2025 (in the
//      year, due Wed 30 Apr).
//   F2 iro-2 (South), enters care Tue 6 May 2025; review Fri 30 May (due Wed 4 Jun).
//   F3 iro-1 (North) since Mon 2 Sep 2024, leaves care Fri 31 Oct 2025 (E4A): iro-1's on its
//      last day in care.
//   F4 iro-2 (South) since Mon 6 Jan 2025, iro-1 (North) from Mon 1 Sep 2025.
//   F5 iro-1 (North) since Mon 3 Feb 2025, iro-2 (South) from Mon 1 Dec 2025.
//   F6 looked after since Mon 3 Feb 2025 with no IRO allocated.
TEST_CASE("annual report for one IRO or one team: the IRO on the last day in care",
          "[reports][annual]") {
  Child f1("F1"), f2("F2"), f3("F3"), f4("F4"), f5("F5"), f6("F6");
  f1.Start("2025-01-06")
      .Iro("2025-01-06", "iro-1", "North")
      .Review("2025-01-30")
      .Review("2025-04-24");
  f2.Start("2025-05-06").Iro("2025-05-06", "iro-2", "South").Review("2025-05-30");
  f3.Start("2024-09-02").Iro("2024-09-02", "iro-1", "North").End("2025-10-31", "E4A");
  f4.Start("2025-01-06").Iro("2025-01-06", "iro-2", "South").Iro("2025-09-01", "iro-1", "North");
  f5.Start("2025-02-03").Iro("2025-02-03", "iro-1", "North").Iro("2025-12-01", "iro-2", "South");
  f6.Start("2025-02-03");
  const ChildMap council = Council({&f1, &f2, &f3, &f4, &f5, &f6});
  const absl::CivilDay last = D(2026, 3, 31);

  const v1::AnnualCare all = Annual(council, last).care();
  CHECK(all.looked_after_during() == 6);
  CHECK(all.looked_after_at_start() == 5);  // all but F2
  CHECK(all.periods_started() == 1);        // F2
  CHECK(all.periods_ended() == 1);          // F3
  CHECK(all.looked_after_at_end() == 5);    // all but F3

  ReportFilter iro1;
  iro1.iro = "iro-1";
  const v1::AnnualReport mine = Annual(council, last, iro1);
  CHECK(mine.iro() == "iro-1");
  CHECK(mine.team().empty());
  // F1; F3 (iro-1 on 31 Oct, its last day in care); F4 (iro-1 on 31 March). Not F2, F5 (iro-2
  // on 31 March), F6.
  CHECK(mine.care().looked_after_during() == 3);
  CHECK(mine.care().looked_after_at_start() == 3);
  CHECK(mine.care().periods_started() == 0);
  CHECK(mine.care().periods_ended() == 1);
  CHECK(Count(mine.care().ended_by_reason(), "E4A") == 1);
  CHECK(mine.care().looked_after_at_end() == 2);  // F1, F4
  CHECK(Count(mine.care().legal_status_at_end(), "C2") == 2);
  CHECK(mine.reviews().held() == 1);  // F1's on 24 April
  CHECK(mine.reviews().held() == Held(council, D(2025, 4, 1), last, iro1).reviews_held());

  ReportFilter iro2;
  iro2.iro = "iro-2";
  const v1::AnnualReport theirs = Annual(council, last, iro2);
  // F2 and F5.
  CHECK(theirs.care().looked_after_during() == 2);
  CHECK(theirs.care().looked_after_at_start() == 1);  // F5
  CHECK(theirs.care().periods_started() == 1);        // F2
  CHECK(theirs.care().periods_ended() == 0);
  CHECK(theirs.care().looked_after_at_end() == 2);
  CHECK(theirs.reviews().held() == 1);  // F2's

  ReportFilter south;
  south.team = "South";
  const v1::AnnualReport team = Annual(council, last, south);
  CHECK(team.team() == "South");
  CHECK(team.iro().empty());
  CHECK(team.care().looked_after_during() == 2);  // F2, F5 (F4 is North's by then)
  CHECK(team.care().looked_after_at_end() == 2);

  ReportFilter nobody;
  nobody.iro = "iro-9";
  const v1::AnnualReport none = Annual(council, last, nobody);
  CHECK(none.care().looked_after_during() == 0);
  CHECK(none.care().looked_after_at_start() == 0);
  CHECK(none.care().looked_after_at_end() == 0);
  CHECK(none.care().legal_status_at_end().empty());
}

// One scope for every section: the IRO on `to`, or on the last day in care in the year (a child
// not looked after on `to` has no IRO then). So a child who leaves care in the year counts in
// their IRO's reviews and section 20 figures as in the care figures.
//   G1 iro-1 since Mon 2 Sep 2024: reviews Fri 27 Sep 2024 (due Mon 30 Sep), Fri 20 Dec (due
//      Fri 27 Dec), Fri 13 Jun 2025 (due Fri 20 Jun), in time; leaves care Fri 31 Oct 2025.
//   G2 iro-1, in care under section 20 from Mon 2 Jun 2025 to Fri 19 Dec 2025.
TEST_CASE("annual report for one IRO keeps the children who left care in every section",
          "[reports][annual]") {
  Child g1("G1"), g2("G2");
  g1.Start("2024-09-02")
      .Iro("2024-09-02", "iro-1", "North")
      .Review("2024-09-27")
      .Review("2024-12-20")
      .Review("2025-06-13")
      .End("2025-10-31", "E4A");
  g2.Start("2025-06-02", "V2").Iro("2025-06-02", "iro-1", "North").End("2025-12-19", "E4A");
  const ChildMap council = Council({&g1, &g2});
  ReportFilter iro1;
  iro1.iro = "iro-1";
  const v1::AnnualReport all = Annual(council, D(2026, 3, 31));
  const v1::AnnualReport mine = Annual(council, D(2026, 3, 31), iro1);
  // Both are iro-1's on their last day in care: the care figures count them.
  REQUIRE(mine.care().looked_after_during() == 2);
  REQUIRE(mine.care().periods_ended() == 2);
  REQUIRE(all.reviews().held() == 1);
  REQUIRE(all.section20().during() == 1);
  CHECK(mine.reviews().held() == 1);
  CHECK(mine.section20().during() == 1);
}

// Issue 22: what the record cannot show is "not recorded" (unset, named in not_recorded), never 0.
bool NotRecorded(const v1::AnnualReport& report, const std::string& field) {
  for (const v1::NotRecorded& n : report.not_recorded()) {
    if (n.field() == field && !n.reason().empty()) return true;
  }
  return false;
}

TEST_CASE("annual report: paperwork, challenges, distance and registration not recorded are null",
          "[reports][annual]") {
  // Two children reviewed in the year, with no paperwork, no challenge, no distance and no
  // registration recorded: as an imported 903 year looks.
  Child n1("N1");
  n1.Start("2025-01-06", "C2",
           Place("U1", "PR1", std::nullopt, v1::Placement::REGISTRATION_UNSPECIFIED))
      .Review("2025-02-03")
      .Review("2025-07-28");
  Child n2("N2");
  n2.Start("2025-05-05", "C2",
           Place("U3", "PR1", std::nullopt, v1::Placement::REGISTRATION_UNSPECIFIED))
      .Review("2025-06-02");
  const ChildMap council = Council({&n1, &n2});
  const v1::AnnualReport report = Annual(council, D(2026, 3, 31));
  CHECK(report.reviews().held() == 2);
  CHECK_FALSE(report.reviews().has_social_worker_reports());
  CHECK_FALSE(report.reviews().has_recommendations_in_time());
  CHECK_FALSE(report.reviews().has_records_in_time());
  CHECK(NotRecorded(report, "reviews.social_worker_reports"));
  CHECK(NotRecorded(report, "reviews.recommendations_in_time"));
  CHECK(NotRecorded(report, "reviews.records_in_time"));
  CHECK_FALSE(report.has_challenges());
  CHECK(NotRecorded(report, "challenges"));
  CHECK_FALSE(report.placements().has_over_20_miles());
  CHECK(NotRecorded(report, "placements.over_20_miles"));
  CHECK_FALSE(report.placements().has_unregistered());
  CHECK(NotRecorded(report, "placements.unregistered"));
  // Nor any of the IRO's work beyond reviews.
  CHECK_FALSE(report.iro_footprint().has_visits());
  CHECK_FALSE(report.iro_footprint().has_case_file_audits());
  for (const char* part : {"iro_footprint.visits", "iro_footprint.quality_assurance",
                           "iro_footprint.life_story_work", "iro_footprint.case_file_audits"}) {
    INFO(part);
    CHECK(NotRecorded(report, part));
  }
  // No review names its IRO, nor is one allocated: reviews per IRO are not recorded either.
  CHECK(NotRecorded(report, "reviews.per_iro_average"));
  CHECK_FALSE(report.reviews().has_per_iro_highest());
  // What the record does show is still counted.
  CHECK(report.care().looked_after_at_end() == 2);
  CHECK(report.coverage().year_has_data());
  CHECK(report.coverage().children_in_record() == 2);
  CHECK(report.coverage().latest_event_on() == "2025-07-28");
  CHECK(report.coverage().first_year_with_data() == 2024);
  CHECK(report.coverage().last_year_with_data() == 2025);

  // One paperwork event and one challenge anywhere in the council make them figures again (0
  // is then a count), and a distance and a registration make those figures.
  Child n3("N3");
  n3.Start("2025-04-07", "C2", Place("U1", "PR1", 12.0))
      .Iro("2025-04-07", "iro-1", "North")
      .Review("2025-05-06")
      .SocialWorkerReport("2025-04-28", "2025-05-06")
      .Raise("2025-06-02", "N3:1", "iro-1", "Drift and Delay")
      .Visit("2025-06-03", true)
      .QualityAssurance("2025-05-07", "2025-05-06", v1::GOOD)
      .LifeStory("2025-09-01")
      .Audit("2025-10-01");
  const ChildMap recorded = Council({&n1, &n2, &n3});
  const v1::AnnualReport known = Annual(recorded, D(2026, 3, 31));
  CHECK(known.not_recorded().empty());
  CHECK(known.reviews().has_social_worker_reports());
  CHECK(known.reviews().social_worker_reports().not_received() == 2);
  CHECK(known.reviews().recommendations_in_time() == 0);
  CHECK(known.reviews().has_recommendations_in_time());
  CHECK(known.has_challenges());
  CHECK(known.challenges().raised() == 1);
  CHECK(known.placements().has_over_20_miles());
  CHECK(known.placements().over_20_miles() == 0);
  CHECK(known.placements().unregistered() == 0);
  REQUIRE(known.challenges().raised_by_theme_and_issue_size() == 1);
  CHECK(known.challenges().raised_by_theme_and_issue(0).theme() == "Drift and Delay");
  CHECK(known.challenges().raised_by_theme_and_issue(0).issue() == "issue N3:1");
  CHECK(known.challenges().raised_by_theme_and_issue(0).count() == 1);
}

TEST_CASE("annual report: a year with no data is marked, and the year before is beside it",
          "[reports][annual]") {
  Child p1("P1");
  p1.Start("2024-05-06").Review("2024-06-03").End("2025-02-03", "E13");
  const ChildMap council = Council({&p1});
  // 2026: nothing dated in it; every section is not recorded, none is zeros.
  const v1::AnnualReport empty = Annual(council, D(2027, 3, 31), {}, 2026);
  CHECK_FALSE(empty.coverage().year_has_data());
  CHECK(empty.coverage().first_year_with_data() == 2024);
  CHECK(empty.coverage().last_year_with_data() == 2024);
  for (const char* section : {"care", "reviews", "challenges", "section20", "placements"}) {
    INFO(section);
    CHECK(NotRecorded(empty, section));
  }
  CHECK_FALSE(empty.has_care());
  // 2025 has the year before beside it: 2024, with its own figures and no previous of its own.
  const v1::AnnualReport report = Annual(council, D(2026, 3, 31));
  REQUIRE(report.has_previous());
  CHECK(report.previous().year() == 2024);
  CHECK(report.previous().care().periods_started() == 1);
  CHECK(report.previous().care().periods_ended() == 1);
  CHECK(report.previous().reviews().held() == 1);
  CHECK_FALSE(report.previous().has_previous());
  CHECK_FALSE(report.coverage().year_has_data());  // nothing dated in 2025 either
}

TEST_CASE("annual report: entering and ceasing by month, admissions by placement, reviews per IRO",
          "[reports][annual]") {
  Child m1("M1");
  m1.Start("2025-04-07", "C2", Place("U1"))
      .Iro("2025-04-07", "iro-1", "North")
      .Review("2025-05-06")
      .End("2025-09-01", "E13");
  Child m2("M2");
  m2.Start("2025-04-14", "V2", Place("U3"))
      .Iro("2025-04-14", "iro-2", "North")
      .Review("2025-05-12")
      .Review("2025-11-10");
  Child m3("M3");
  m3.Start("2025-06-02", "C2", Place("U1"))
      .End("2025-06-30", "E4A")
      .Start("2025-08-04", "C2", Place("U1"));
  const ChildMap council = Council({&m1, &m2, &m3});
  const v1::AnnualReport report = Annual(council, D(2026, 3, 31));
  const v1::AnnualCare& care = report.care();
  CHECK(care.started_by_month().size() == 12);
  CHECK(Count(care.started_by_month(), "2025-04") == 2);
  CHECK(Count(care.started_by_month(), "2025-06") == 1);
  CHECK(Count(care.started_by_month(), "2025-08") == 1);
  CHECK(Count(care.started_by_month(), "2026-03") == 0);
  CHECK(Count(care.ended_by_month(), "2025-06") == 1);
  CHECK(Count(care.ended_by_month(), "2025-09") == 1);
  CHECK(care.periods_started() == 4);
  CHECK(care.children_started() == 3);
  CHECK(Count(care.admissions_by_placement(), "U1") == 3);
  CHECK(Count(care.children_admitted_by_placement(), "U1") == 2);
  CHECK(Count(care.admissions_by_placement(), "U3") == 1);
  const v1::AnnualReviews& reviews = report.reviews();
  CHECK(Count(reviews.held_by_iro(), "iro-1") == 1);
  CHECK(Count(reviews.held_by_iro(), "iro-2") == 2);
  CHECK(reviews.per_iro_highest() == 2);
  CHECK(reviews.per_iro_lowest() == 1);
  CHECK(reviews.per_iro_average() == Approx(1.5));
}

TEST_CASE("section 20: consent is not known for a child whose record came from an import only",
          "[reports][annual][s20]") {
  // Built as the view builds records: each event with the system that recorded it.
  const auto build = [](const std::string& id, const std::string& source) {
    auto record = std::make_shared<ChildRecord>(id);
    v1::ChildEvent start;
    start.set_child_id(id);
    start.set_occurred_on("2025-05-05");
    auto* b = start.mutable_period_of_care_started();
    b->set_legal_status("V2");
    *b->mutable_placement() = Place("U1");
    b->set_category_of_need("N1");
    b->set_date_of_birth("2015-06-01");
    record->AddStored(id + "-e0", start, 0, 0, source);
    record->Rebuild();
    return std::shared_ptr<const ChildRecord>(record);
  };
  ChildMap council;
  council["I1"] = build("I1", "ssda903");
  council["L1"] = build("L1", "mosaic");
  council.Index();
  AnnualContext context;
  context.import_sources = {"ssda903"};
  auto report = AnnualReport(council, 2025, D(2026, 3, 31), {}, Settings(), context);
  REQUIRE(report.ok());
  CHECK(report->section20().at_end() == 2);
  CHECK(report->section20().consent_not_recorded_at_end() == 1);
  REQUIRE(report->coverage().sources_size() == 2);
  CHECK(report->coverage().sources(0).source_system() == "mosaic");
  CHECK_FALSE(report->coverage().sources(0).imported());
  CHECK(report->coverage().sources(1).imported());
  CHECK(report->coverage().sources(1).first_event_on() == "2025-05-05");

  auto s20 = Section20(council, D(2026, 3, 31), std::nullopt, {}, Settings(), {"ssda903"});
  REQUIRE(s20.ok());
  REQUIRE(s20->children_size() == 2);
  for (const v1::Section20Item& item : s20->children()) {
    INFO(item.child_id());
    const bool no_consent_flag = std::find(item.flags().begin(), item.flags().end(),
                                           "no consent recorded") == item.flags().end();
    CHECK(item.consent_not_known() == (item.child_id() == "I1"));
    CHECK(no_consent_flag == (item.child_id() == "I1"));
  }
  // The child's own summary says the same (it flagged every imported V2 child before).
  for (const char* id : {"I1", "L1"}) {
    INFO(id);
    auto summary = Summarize(*council.at(id), D(2026, 3, 31), Settings(), {"ssda903"});
    REQUIRE(summary.ok());
    const bool flagged = std::find(summary->flags().begin(), summary->flags().end(),
                                   "no consent recorded") != summary->flags().end();
    CHECK(flagged == (std::string(id) == "L1"));
  }
}

// --- Periods whose start is not known (issue 22) ----------------------------------------------

// Collection year 2017 (1 Apr 2017 - 31 Mar 2018):
//   U1 started on or before Wed 1 Mar 2017 (not known): a review was due by 1 Sep 2017 at the
//      latest. Reviews 10 May 2017 (the first in the record: not known), 10 Aug (10 May +
//      3 months: in time whatever was before), 10 Feb 2018 (10 Aug + 6 months: in time). Next due
//      10 Aug 2018, after the year.
//   U2 started on or before Sun 10 Jan 2016 (not known): a review was due by 10 Jul 2016 at the
//      latest, so its first in the record, Thu 1 Jun 2017, is late whatever was before; the next
//      is due between 1 Sep and 1 Dec 2017 and is not held.
//   K1 started Mon 3 Apr 2017: 1st review within 20 working days (Good Friday 14 Apr, Easter
//      Monday 17 Apr and 1 May are holidays) = Thu 4 May; held Tue 30 May: late.
// Reviews 5: in time 2, late 2, not known 1 -> 2 of 4 known = 50%. Children reviewed 3: U1
// not known (no late review), U2 and K1 late.
TEST_CASE("timeliness not known: neither in time nor late, and no period started", "[reports]") {
  Child u1("U1"), u2("U2"), k1("K1");
  u1.StartNotKnown("2017-03-01").Review("2017-05-10").Review("2017-08-10").Review("2018-02-10");
  u2.StartNotKnown("2016-01-10").Review("2017-06-01");
  k1.Start("2017-04-03", "C2", Place("U1"), "2005-06-01").Review("2017-05-30");
  const ChildMap council = Council({&u1, &u2, &k1});
  const v1::TimelinessReport held = Held(council, D(2017, 4, 1), D(2018, 3, 31));
  CHECK(held.reviews_held() == 5);
  CHECK(held.reviews_in_time() == 2);
  CHECK(held.reviews_timeliness_not_known() == 1);
  CHECK(held.percent_in_time() == Approx(50.0));
  CHECK(held.children_reviewed() == 3);
  CHECK(held.children_all_in_time() == 0);
  CHECK(held.children_timeliness_not_known() == 1);
  CHECK(held.percent_children_in_time() == 0);
  // No paperwork is recorded for any of the 5 reviews: not recorded, not 5 "not received".
  CHECK_FALSE(held.has_social_worker_reports());
  CHECK_FALSE(held.has_recommendations_in_time());
  CHECK_FALSE(held.has_records_in_time());
  REQUIRE(held.not_recorded_size() == 3);
  CHECK(held.not_recorded(0).field() == "social_worker_reports");
  // One report recorded for one review: the figures are recorded again (4 not received).
  u1.SocialWorkerReport("2017-05-01", "2017-05-10");
  const v1::TimelinessReport with_one =
      Held(Council({&u1, &u2, &k1}), D(2017, 4, 1), D(2018, 3, 31));
  CHECK(with_one.not_recorded_size() == 0);
  CHECK(with_one.social_worker_reports().not_received() == 4);
  CHECK(with_one.social_worker_reports().five_or_more_days_before() == 1);

  // April to June 2017, U1 alone: one review, whose timeliness is not known: no percentage.
  const v1::TimelinessReport spring = Held(Council({&u1}), D(2017, 4, 1), D(2017, 6, 30));
  CHECK(spring.reviews_held() == 1);
  CHECK(spring.reviews_timeliness_not_known() == 1);
  std::set<std::string> spring_not_recorded;
  for (const v1::NotRecorded& n : spring.not_recorded()) spring_not_recorded.insert(n.field());
  CHECK(spring_not_recorded.contains("percent_in_time"));
  CHECK(spring_not_recorded.contains("percent_children_in_time"));
  CHECK(spring.rating().empty());

  const v1::AnnualReport annual = Annual(council, D(2018, 3, 31), {}, 2017);
  CHECK(annual.care().periods_started() == 1);  // K1 only
  CHECK(annual.care().periods_start_not_known() == 2);
  CHECK(annual.care().looked_after_at_start() == 2);
  CHECK(annual.reviews().timeliness_not_known() == 1);
  CHECK(annual.reviews().children_timeliness_not_known() == 1);

  // On 1 May 2017: U1 is due by 1 Sep at the latest (no earliest day), K1 on 4 May; U2 is
  // overdue (by 10 Jul 2016 at the latest). On 2 Jun U2 is due by 1 Dec at the latest (and not
  // before 1 Sep).
  const v1::ReviewsDueReport before = Due(council, D(2017, 5, 1), 400);
  CHECK(before.due_date_not_known() == 0);
  CHECK(ChildIds(before.items()) == std::vector<std::string>{"K1", "U1"});
  const v1::ReviewDueItem u1_due = FindChild(before.items(), "U1");
  CHECK(u1_due.due_on() == "2017-09-01");
  CHECK(u1_due.earliest_due_on().empty());
  CHECK_FALSE(u1_due.due_date_exact());
  const v1::ReviewsDueReport overdue = Due(council, D(2017, 5, 1), 0, /*overdue_only=*/true);
  CHECK(ChildIds(overdue.items()) == std::vector<std::string>{"U2"});
  const v1::ReviewsDueReport after = Due(council, D(2017, 6, 2), 400);
  const v1::ReviewDueItem u2_due = FindChild(after.items(), "U2");
  CHECK(u2_due.due_on() == "2017-12-01");
  CHECK(u2_due.earliest_due_on() == "2017-09-01");
  CHECK_FALSE(u2_due.due_date_exact());
  CHECK(u2_due.review_number() == 0);
}

// V1 in section 20 since a period begun on or before Sat 1 Jul 2017 (not known); as at Fri
// 1 Dec 2017 that is at least 153 days (31 + 31 + 30 + 31 + 30 from 1 Jul to 1 Dec). V2 the same,
// but its record began on Sun 1 Jan 2017, more than 12 months before 1 Feb 2018.
TEST_CASE("section 20 and placements say where the record begins after the start", "[reports]") {
  Child first("V1"), second("V2");
  first.StartNotKnown("2017-07-01", "V2");
  second.StartNotKnown("2017-01-01", "C2");
  const ChildMap council = Council({&first, &second});
  const v1::Section20Report s20 = S20(council, D(2017, 12, 1));
  REQUIRE(s20.children_size() == 1);
  CHECK(s20.children(0).s20_since() == "2017-07-01");
  CHECK(s20.children(0).s20_since_not_known());
  CHECK(s20.children(0).days_in_s20() == 153);
  CHECK(s20.since_not_known() == 1);
  const v1::PlacementReport stability = Stability(council, D(2018, 2, 1));
  CHECK(stability.looked_after() == 2);
  CHECK(stability.record_begins_in_window() == 1);  // V1 (1 Jul 2017 is after 1 Feb 2017)
}

TEST_CASE(
    "the intake: a start not known only for the first period and a reason not recorded "
    "only without a reason",
    "[reports]") {
  ValidationContext context;
  context.today = D(2030, 12, 31);
  context.policy = &Policy();
  context.calendar = &Calendar();
  Child child("S1");
  child.Start("2017-01-02").End("2017-02-01");
  v1::ChildEvent again;
  again.set_child_id("S1");
  again.set_occurred_on("2017-03-01");
  auto* b = again.mutable_period_of_care_started();
  b->set_legal_status("C2");
  *b->mutable_placement() = Place("U1");
  b->set_category_of_need("N1");
  b->set_date_of_birth("2015-06-01");
  b->set_start_not_known(true);
  absl::Status st = CompleteAndValidate(child.record(), &again, "event", context);
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(st.message() ==
        "event.period_of_care_started.start_not_known: only the first period of care in a "
        "child's record can have a start that is not known; child S1 has a period of care from "
        "2017-01-02");
  b->set_start_not_known(false);
  CHECK(CompleteAndValidate(child.record(), &again, "event", context).ok());

  Child moving("S2");
  moving.Start("2017-01-02");
  v1::ChildEvent move;
  move.set_child_id("S2");
  move.set_occurred_on("2017-02-01");
  auto* m = move.mutable_placement_changed();
  *m->mutable_placement() = Place("U4");
  m->set_carer_changed(true);
  st = CompleteAndValidate(moving.record(), &move, "event", context);
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);  // no reason, not said unrecorded
  m->set_reason_not_recorded(true);
  CHECK(CompleteAndValidate(moving.record(), &move, "event", context).ok());
  m->set_reason_for_change("CARPL");
  st = CompleteAndValidate(moving.record(), &move, "event", context);
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK(st.message() ==
        "event.placement_changed.reason_for_change: must be empty when reason_not_recorded is "
        "set");
}

// --- Placements with parents (docs/web.md) ------------------------------------------------------

// As at Tue 30 Jun 2026; the quarter's previous date is 30 Mar 2026 (3 months before).
//   W1 C2, home (P1) since Mon 5 Jan 2026: assessed 10 Dec, plan 15 Dec, approved 18 Dec 2025,
//      all before the move: no flags. Reviews 29 Sep 2025 (the 1st, due 20 working days after
//      Mon 1 Sep = 29 Sep) and 22 Dec 2025 (the 2nd): the 3rd due 22 Jun 2026 (6 months).
//   W2 C1, home since Wed 1 Apr 2026, approved on Tue 7 Apr before the assessment, which is not
//      done: placed before approval; 90 days at home > 6 weeks with no assessment; the plan was
//      due 5 working days after 1 Apr (Good Friday 3 Apr and Easter Monday 6 Apr are holidays):
//      Fri 10 Apr, and there is none.
//   W3 C2, home since Tue 1 Oct 2024, approved and assessed before; plan recorded 15 Oct, due
//      Tue 8 Oct: late; permanence plan RETURN_HOME, not a discharge: at home for more than
//      12 months without a plan to discharge the order.
//   W5 C2, home from the start of care (2 Jun 2025), moved to U1 on 4 May 2026: ended in the
//      quarter.
//   W6 C2, home since 2 Feb 2026, care ended on 30 Mar 2026 itself: at home on the previous date,
//      ended (first day not at home: 31 Mar) in the quarter.
//   W7 C2, home since Mon 22 Jun 2026, nothing recorded: not approved; plan due Mon 29 Jun.
//   W8 C2, home from the start of care (12 Jan 2026), moved to U1 on 30 Mar 2026 itself: not at
//      home on the previous date, so neither there nor ended in the quarter.
//   I1 C2, home since 5 May 2025, its whole record imported from 903 returns: approval not known,
//      no flags.
// Previous (30 Mar): W1, W3, W5, W6, I1 = 5. Now: W1, W2, W3, W7, I1 = 5. Began: W2, W7; ended:
// W5, W6: 5 + 2 - 2 = 5.
struct WithParentsCouncil {
  Child w1{"W1"}, w2{"W2"}, w3{"W3"}, w5{"W5"}, w6{"W6"}, w7{"W7"}, w8{"W8"};
  WithParentsCouncil() {
    w1.Start("2025-09-01", "C2")
        .Iro("2025-09-01", "iro-1", "North")
        .Review("2025-09-29")
        .Assess("2025-12-10", "2026-01-05")
        .PlacementPlan("2025-12-15", "2026-01-05")
        .Approve("2025-12-18", "2026-01-05")
        .Review("2025-12-22")
        .Move("2026-01-05", Place("P1", "PR0"));
    w2.Start("2026-03-02", "C1")
        .Iro("2026-03-02", "iro-2", "South")
        .Move("2026-04-01", Place("P1", "PR0"))
        .Approve("2026-04-07", "2026-04-01", true);
    w3.Start("2024-01-08", "C2")
        .Plan("2024-06-01", v1::PermanencePlanRecorded::RETURN_HOME)
        .Assess("2024-09-01", "2024-10-01")
        .Approve("2024-09-20", "2024-10-01")
        .Move("2024-10-01", Place("P1", "PR0"))
        .PlacementPlan("2024-10-15", "2024-10-01");
    w5.Start("2025-06-02", "C2", Place("P1", "PR0"))
        .Approve("2025-06-02", "2025-06-02")
        .Move("2026-05-04", Place("U1"));
    w6.Start("2026-01-12", "C2").Move("2026-02-02", Place("P1", "PR0")).End("2026-03-30");
    w7.Start("2026-06-01", "C2").Move("2026-06-22", Place("P1", "PR0"));
    w8.Start("2026-01-12", "C2", Place("P1", "PR0"))
        .Approve("2026-01-12", "2026-01-12")
        .Move("2026-03-30", Place("U1"));
  }
  ChildMap council() const {
    ChildMap map = Council({&w1, &w2, &w3, &w5, &w6, &w7, &w8});
    // I1 as the view builds an imported child: its events recorded by the import's system.
    auto imported = std::make_shared<ChildRecord>("I1");
    v1::ChildEvent start;
    start.set_child_id("I1");
    start.set_occurred_on("2025-05-05");
    auto* b = start.mutable_period_of_care_started();
    b->set_legal_status("C2");
    *b->mutable_placement() = Place("P1", "PR0");
    b->set_category_of_need("N1");
    b->set_date_of_birth("2015-06-01");
    imported->AddStored("I1-e0", start, 0, 0, "ssda903");
    imported->Rebuild();
    map["I1"] = imported;
    map.Index();
    return map;
  }
};

v1::PlacementsWithParentsReport WithParents(const ChildMap& children, absl::CivilDay as_at,
                                            const ReportFilter& filter = {},
                                            const CouncilSettings& settings = Settings()) {
  auto report = PlacementsWithParents(children, as_at, filter, settings, {"ssda903"});
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return *report;
}

TEST_CASE("placements with parents: each child's approval, assessment, plan, order and flags",
          "[reports][pwp]") {
  const WithParentsCouncil c;
  const v1::PlacementsWithParentsReport r = WithParents(c.council(), D(2026, 6, 30));
  CHECK(r.as_at() == "2026-06-30");
  CHECK(ChildIds(r.children()) == std::vector<std::string>{"I1", "W1", "W2", "W3", "W7"});

  const v1::PlacementWithParentsItem w1 = FindChild(r.children(), "W1");
  CHECK(w1.placed_since() == "2026-01-05");
  CHECK(w1.days_at_home() == 176);
  CHECK(w1.legal_status() == "C2");
  CHECK(w1.order() == "care order");
  CHECK(w1.approved_on() == "2025-12-18");
  CHECK(w1.approved_by() == "N. Officer");
  CHECK_FALSE(w1.approved_before_assessment());
  CHECK(w1.assessment_completed_on() == "2025-12-10");
  CHECK(w1.placement_plan_on() == "2025-12-15");
  CHECK(w1.placement_plan_due_on() == "2026-01-12");
  CHECK(w1.next_review_due() == "2026-06-22");
  CHECK(w1.iro_id() == "iro-1");
  CHECK(w1.team() == "North");
  CHECK(w1.flags_size() == 0);

  const v1::PlacementWithParentsItem w2 = FindChild(r.children(), "W2");
  CHECK(w2.order() == "interim care order");
  CHECK(w2.days_at_home() == 90);
  CHECK(w2.approved_on() == "2026-04-07");
  CHECK(w2.approved_before_assessment());
  CHECK(w2.assessment_completed_on().empty());
  CHECK(w2.placement_plan_due_on() == "2026-04-10");
  CHECK(Strings(w2.flags()) ==
        std::vector<std::string>{"placed before approval",
                                 "assessment not completed within 6 weeks of the placement",
                                 "no placement plan"});

  const v1::PlacementWithParentsItem w3 = FindChild(r.children(), "W3");
  CHECK(w3.placed_since() == "2024-10-01");
  CHECK(w3.placement_plan_on() == "2024-10-15");
  CHECK(w3.placement_plan_due_on() == "2024-10-08");
  CHECK(w3.permanence_plan() == "RETURN_HOME");
  CHECK(Strings(w3.flags()) ==
        std::vector<std::string>{
            "placement plan late",
            "at home for more than 12 months without a plan to discharge the order"});

  const v1::PlacementWithParentsItem w7 = FindChild(r.children(), "W7");
  CHECK(w7.days_at_home() == 8);
  CHECK(w7.placement_plan_due_on() == "2026-06-29");
  CHECK(w7.iro_id().empty());
  CHECK(Strings(w7.flags()) ==
        std::vector<std::string>{"not approved by the nominated officer", "no placement plan"});

  const v1::PlacementWithParentsItem i1 = FindChild(r.children(), "I1");
  CHECK(i1.approval_not_known());
  CHECK(i1.approved_on().empty());
  CHECK(i1.flags_size() == 0);

  CHECK(r.by_order().at("care order") == 4);
  CHECK(r.by_order().at("interim care order") == 1);
  CHECK(r.by_order_size() == 2);
  CHECK(r.flagged() == 3);
  CHECK(r.not_approved() == 1);
  CHECK(r.placed_before_approval() == 1);
  CHECK(r.assessment_overdue() == 1);
  CHECK(r.no_placement_plan() == 2);
  CHECK(r.placement_plan_late() == 1);
  CHECK(r.long_without_discharge_plan() == 1);
  CHECK(r.approval_not_known() == 1);
}

TEST_CASE("placements with parents: the quarter's change, and the children who began and left",
          "[reports][pwp]") {
  const WithParentsCouncil c;
  const v1::PlacementsWithParentsReport r = WithParents(c.council(), D(2026, 6, 30));
  CHECK(r.previous_as_at() == "2026-03-30");
  CHECK(r.previous_placed_with_parents() == 5);
  CHECK(r.began_in_quarter() == 2);
  CHECK(r.ended_in_quarter() == 2);
  CHECK(r.change() == 0);
  CHECK(r.previous_placed_with_parents() + r.began_in_quarter() - r.ended_in_quarter() ==
        r.children_size());

  // On 30 Mar itself: W6's last day at home (care ended that day), and W2 not home yet.
  const v1::PlacementsWithParentsReport march = WithParents(c.council(), D(2026, 3, 30));
  CHECK(ChildIds(march.children()) == std::vector<std::string>{"I1", "W1", "W3", "W5", "W6"});
  CHECK(march.previous_as_at() == "2025-12-30");
  // 30 Dec 2025: I1, W3 and W5. Since: W1 went home on 5 Jan, W8 on 12 Jan (and left on 30 Mar),
  // W6 on 2 Feb.
  CHECK(march.previous_placed_with_parents() == 3);
  CHECK(march.began_in_quarter() == 3);
  CHECK(march.ended_in_quarter() == 1);
  CHECK(march.change() == 2);

  SECTION("a filter by IRO counts each child by the IRO allocated on the day that counts it") {
    ReportFilter iro2;
    iro2.iro = "iro-2";
    const v1::PlacementsWithParentsReport only = WithParents(c.council(), D(2026, 6, 30), iro2);
    CHECK(ChildIds(only.children()) == std::vector<std::string>{"W2"});
    CHECK(only.previous_placed_with_parents() == 0);
    CHECK(only.began_in_quarter() == 1);
    CHECK(only.ended_in_quarter() == 0);
    CHECK(only.change() == 1);
  }
}

TEST_CASE("placements with parents: flags start the day after their thresholds", "[reports][pwp]") {
  WithParentsCouncil c;
  // W7's plan is due Mon 29 Jun: not flagged that day, flagged on the 30th.
  CHECK(Strings(FindChild(WithParents(c.council(), D(2026, 6, 29)).children(), "W7").flags()) ==
        std::vector<std::string>{"not approved by the nominated officer"});
  // W2: 6 weeks after Wed 1 Apr = Wed 13 May (42 days): no assessment flag then, flagged the
  // 14th.
  const auto w2_flags = [&](absl::CivilDay as_at) {
    return Strings(FindChild(WithParents(c.council(), as_at).children(), "W2").flags());
  };
  CHECK(w2_flags(D(2026, 5, 13)) ==
        std::vector<std::string>{"placed before approval", "no placement plan"});
  CHECK(w2_flags(D(2026, 5, 14)).size() == 3);
  // W3: 12 months after Tue 1 Oct 2024 = 1 Oct 2025: flagged from the 2nd.
  const auto w3_flags = [&](absl::CivilDay as_at) {
    return FindChild(WithParents(c.council(), as_at).children(), "W3").flags_size();
  };
  CHECK(w3_flags(D(2025, 10, 1)) == 1);
  CHECK(w3_flags(D(2025, 10, 2)) == 2);

  SECTION("a plan to discharge the order clears the long-placement flag") {
    c.w3.Plan("2025-11-03", v1::PermanencePlanRecorded::DISCHARGE_OF_CARE_ORDER);
    const v1::PlacementWithParentsItem w3 =
        FindChild(WithParents(c.council(), D(2026, 6, 30)).children(), "W3");
    CHECK(w3.permanence_plan() == "DISCHARGE_OF_CARE_ORDER");
    CHECK(Strings(w3.flags()) == std::vector<std::string>{"placement plan late"});
  }
  SECTION("the thresholds are the council's") {
    CouncilSettings settings = Settings();
    settings.placements_with_parents.assessment_weeks = 0;   // off
    settings.placements_with_parents.discharge_months = 24;  // 1 Oct 2026
    const v1::PlacementsWithParentsReport r =
        WithParents(c.council(), D(2026, 6, 30), {}, settings);
    CHECK(Strings(FindChild(r.children(), "W2").flags()) ==
          std::vector<std::string>{"placed before approval", "no placement plan"});
    CHECK(Strings(FindChild(r.children(), "W3").flags()) ==
          std::vector<std::string>{"placement plan late"});
  }
}

// --- PLO and court (docs/queries.md) -----------------------------------------------------------

// From Thu 1 Jan to Tue 30 Jun 2026:
//   K1 V2 from 1 Sep 2025; PLO from Mon 3 Nov 2025 to Mon 16 Feb 2026 (proceedings issued):
//      105 days = 15.0 weeks, in s20 while it ran; proceedings issued 16 Feb (now C1), running
//      on 30 Jun: 134 days = 19.1 weeks.
//   K2 C2; proceedings from 6 Oct 2025 to 30 Mar 2026 (care order): 175 days = 25.0 weeks, in 26.
//   K3 C1; proceedings from 3 Mar 2025, running: 484 days = 69.1 weeks, over 26.
//   K4 V2 from 1 Dec 2025; PLO from 2 Mar to 26 May 2026, stepped down: 85 days = 12.1 weeks.
//      IRO iro-9.
//   K5 C2; PLO 5 May - 1 Sep 2025 (before the range); proceedings from 3 Nov 2025 to 18 May 2026
//      (special guardianship order): 196 days = 28.0 weeks, not in 26.
//   K6 C2; PLO from 6 Apr 2026, care ended 29 May 2026 with no end recorded: CARE_ENDED on
//      29 May, 53 days = 7.6 weeks.
// Concluded: 175 + 196 = 371 days / 2 / 7 = 26.5 weeks on average.
struct CourtCouncil {
  Child k1{"K1"}, k2{"K2"}, k3{"K3"}, k4{"K4"}, k5{"K5"}, k6{"K6"};
  CourtCouncil() {
    k1.Start("2025-09-01", "V2")
        .Plo("2025-11-03")
        .PloEnd("2026-02-16", v1::PloEnded::PROCEEDINGS_ISSUED)
        .Issue("2026-02-16")
        .Status("2026-02-16", "C1");
    k2.Start("2024-01-08", "C2")
        .Issue("2025-10-06")
        .Conclude("2026-03-30", v1::ProceedingsConcluded::CARE_ORDER);
    k3.Start("2025-03-03", "C1").Issue("2025-03-03");
    k4.Start("2025-12-01", "V2")
        .Iro("2025-12-01", "iro-9", "West")
        .Plo("2026-03-02")
        .PloEnd("2026-05-26", v1::PloEnded::STEPPED_DOWN);
    k5.Start("2025-01-06", "C2")
        .Plo("2025-05-05")
        .PloEnd("2025-09-01", v1::PloEnded::PROCEEDINGS_ISSUED)
        .Issue("2025-11-03")
        .Conclude("2026-05-18", v1::ProceedingsConcluded::SPECIAL_GUARDIANSHIP_ORDER);
    k6.Start("2026-01-12", "C2").Plo("2026-04-06").End("2026-05-29");
  }
  ChildMap council() const { return Council({&k1, &k2, &k3, &k4, &k5, &k6}); }
};

v1::PloCourtReport Court(const ChildMap& children, absl::CivilDay from, absl::CivilDay to,
                         const ReportFilter& filter = {}) {
  auto report = PloCourt(children, from, to, filter, Settings());
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return *report;
}

TEST_CASE("PLO and court: each PLO and set of proceedings with days, weeks and outcomes",
          "[reports][plo]") {
  const CourtCouncil c;
  const v1::PloCourtReport r = Court(c.council(), D(2026, 1, 1), D(2026, 6, 30));
  CHECK(r.from() == "2026-01-01");
  CHECK(r.to() == "2026-06-30");

  REQUIRE(ChildIds(r.plo()) == std::vector<std::string>{"K1", "K4", "K6"});
  CHECK(r.plo(0).started_on() == "2025-11-03");
  CHECK(r.plo(0).ended_on() == "2026-02-16");
  CHECK(r.plo(0).outcome() == "PROCEEDINGS_ISSUED");
  CHECK(r.plo(0).days() == 105);
  CHECK(r.plo(0).weeks() == 15.0);
  CHECK(r.plo(0).s20_alongside());
  CHECK(r.plo(1).days() == 85);
  CHECK(r.plo(1).weeks() == 12.1);
  CHECK(r.plo(1).outcome() == "STEPPED_DOWN");
  CHECK(r.plo(1).s20_alongside());
  CHECK(r.plo(1).iro_id() == "iro-9");
  CHECK(r.plo(2).ended_on() == "2026-05-29");
  CHECK(r.plo(2).outcome() == "CARE_ENDED");
  CHECK(r.plo(2).days() == 53);
  CHECK(r.plo(2).weeks() == 7.6);
  CHECK_FALSE(r.plo(2).s20_alongside());
  CHECK(r.plo_started() == 2);
  CHECK(r.plo_ended() == 3);
  CHECK(r.plo_ended_by_outcome().at("PROCEEDINGS_ISSUED") == 1);
  CHECK(r.plo_ended_by_outcome().at("STEPPED_DOWN") == 1);
  CHECK(r.plo_ended_by_outcome().at("CARE_ENDED") == 1);
  CHECK(r.plo_running() == 0);
  CHECK(r.s20_children_with_plo() == 2);

  REQUIRE(ChildIds(r.proceedings()) == std::vector<std::string>{"K1", "K2", "K3", "K5"});
  const v1::ProceedingsItem& k1 = r.proceedings(0);
  CHECK(k1.issued_on() == "2026-02-16");
  CHECK(k1.concluded_on().empty());
  CHECK(k1.days() == 134);
  CHECK(k1.weeks() == 19.1);
  CHECK_FALSE(k1.over_26_weeks());
  const v1::ProceedingsItem& k2 = r.proceedings(1);
  CHECK(k2.concluded_on() == "2026-03-30");
  CHECK(k2.outcome() == "CARE_ORDER");
  CHECK(k2.days() == 175);
  CHECK(k2.weeks() == 25.0);
  CHECK(k2.within_26_weeks());
  const v1::ProceedingsItem& k3 = r.proceedings(2);
  CHECK(k3.days() == 484);
  CHECK(k3.weeks() == 69.1);
  CHECK(k3.over_26_weeks());
  const v1::ProceedingsItem& k5 = r.proceedings(3);
  CHECK(k5.days() == 196);
  CHECK(k5.weeks() == 28.0);
  CHECK_FALSE(k5.within_26_weeks());
  CHECK(k5.outcome() == "SPECIAL_GUARDIANSHIP_ORDER");
  CHECK(r.issued() == 1);
  CHECK(r.concluded() == 2);
  CHECK(r.concluded_by_outcome().at("CARE_ORDER") == 1);
  CHECK(r.concluded_by_outcome().at("SPECIAL_GUARDIANSHIP_ORDER") == 1);
  CHECK(r.concluded_within_26_weeks() == 1);
  CHECK(r.average_weeks_to_conclusion() == 26.5);
  CHECK(r.running() == 2);
  CHECK(r.running_over_26_weeks() == 1);

  SECTION("a filter by IRO") {
    ReportFilter iro9;
    iro9.iro = "iro-9";
    const v1::PloCourtReport only = Court(c.council(), D(2026, 1, 1), D(2026, 6, 30), iro9);
    CHECK(ChildIds(only.plo()) == std::vector<std::string>{"K4"});
    CHECK(only.proceedings_size() == 0);
    CHECK(only.s20_children_with_plo() == 1);
  }
  SECTION("26 weeks is 182 days: concluded on the 182nd day is within") {
    // K2 issued 6 Oct 2025: day 182 is 6 Apr 2026.
    Child k7("K7");
    k7.Start("2024-01-08", "C2")
        .Issue("2025-10-06")
        .Conclude("2026-04-06", v1::ProceedingsConcluded::NO_ORDER);
    Child k8("K8");
    k8.Start("2024-01-08", "C2")
        .Issue("2025-10-06")
        .Conclude("2026-04-07", v1::ProceedingsConcluded::NO_ORDER);
    const v1::PloCourtReport edge = Court(Council({&k7, &k8}), D(2026, 1, 1), D(2026, 6, 30));
    REQUIRE(edge.proceedings_size() == 2);
    CHECK(edge.proceedings(0).days() == 182);
    CHECK(edge.proceedings(0).within_26_weeks());
    CHECK(edge.proceedings(1).days() == 183);
    CHECK_FALSE(edge.proceedings(1).within_26_weeks());
    CHECK(edge.concluded_within_26_weeks() == 1);
  }
}

TEST_CASE("PLO and court as at an earlier end: what ran is running, and a bad range is refused",
          "[reports][plo]") {
  const CourtCouncil c;
  // To 31 Mar: K4's PLO and K6's run on; K2 concluded on 30 Mar.
  const v1::PloCourtReport march = Court(c.council(), D(2026, 1, 1), D(2026, 3, 31));
  CHECK(ChildIds(march.plo()) == std::vector<std::string>{"K1", "K4"});
  CHECK(march.plo(1).ended_on().empty());
  CHECK(march.plo(1).days() == 29);
  CHECK(march.plo_running() == 1);
  CHECK(march.concluded() == 1);
  CHECK(march.running() == 3);  // K1, K3, K5
  CHECK(march.average_weeks_to_conclusion() == 25.0);
  const auto bad = PloCourt(c.council(), D(2026, 7, 1), D(2026, 6, 30), {}, Settings());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(bad.status().message()) == "from: 2026-07-01 is after to (2026-06-30)");
}

// --- The IRO's footprint beyond reviews (the annual report's iro_footprint) --------------------

// Collection year 2025 (1 Apr 2025 - 31 Mar 2026):
//   F1 C2 from 6 Jan 2025: reviews 3 Feb 2025 (the year before; its form, GOOD, is not this
//      year's), 6 May and 3 Nov 2025; visits face to face 10 Jun 2025 and 10 Feb 2026 (the last
//      quarter), virtual 1 Sep 2025; the 3 Nov review's form INADEQUATE (Drift and Delay,
//      Quality of Plan); life-story work completed 1 Dec 2025; a case-file audit 15 Jan 2026.
//   F2 C2 from 5 May 2025 to 27 Feb 2026: review 2 Jun 2025, its form INADEQUATE (Drift and
//      Delay); a virtual visit 1 Jul 2025.
//   F3 C2 from 6 Oct 2025: a face-to-face visit on 5 Nov 2025 (not in the last quarter).
// Visits: 3 face to face (2 children, 1 of them in the last quarter), 2 virtual (2 children).
// Forms: 2 of the 3 reviews held in the year. Life-story work: 1 of the 2 looked after on 31 Mar
// 2026.
TEST_CASE("annual report: the IRO's visits, quality assurance, life-story work and audits",
          "[reports][annual]") {
  Child f1("F1"), f2("F2"), f3("F3");
  f1.Start("2025-01-06", "C2")
      .Review("2025-02-03")
      .QualityAssurance("2025-02-05", "2025-02-03", v1::GOOD)
      .Review("2025-05-06")
      .Review("2025-11-03")
      .Visit("2025-06-10", true)
      .Visit("2026-02-10", true)
      .Visit("2025-09-01", false)
      .QualityAssurance("2025-11-10", "2025-11-03", v1::INADEQUATE,
                        {"Drift and Delay", "Quality of Plan"})
      .LifeStory("2025-12-01")
      .Audit("2026-01-15");
  f2.Start("2025-05-05", "C2")
      .Review("2025-06-02")
      .QualityAssurance("2025-06-05", "2025-06-02", v1::INADEQUATE, {"Drift and Delay"})
      .Visit("2025-07-01", false)
      .End("2026-02-27");
  f3.Start("2025-10-06", "C2").Visit("2025-11-05", true);
  const v1::AnnualReport report = Annual(Council({&f1, &f2, &f3}), D(2026, 3, 31));
  const v1::AnnualIroFootprint& f = report.iro_footprint();
  for (const v1::NotRecorded& n : report.not_recorded()) {
    CHECK(n.field().rfind("iro_footprint", 0) != 0);
  }
  CHECK(f.visits().face_to_face() == 3);
  CHECK(f.visits().children_face_to_face() == 2);
  CHECK(f.visits().children_face_to_face_last_quarter() == 1);
  CHECK(f.visits().virtual_visits() == 2);
  CHECK(f.visits().children_visited_virtually() == 2);
  CHECK(f.quality_assurance().forms() == 2);
  CHECK(f.quality_assurance().reviews_held() == 3);
  CHECK(f.quality_assurance().percent_of_reviews() == Approx(66.667).epsilon(0.0001));
  CHECK(f.quality_assurance().by_grade().at("INADEQUATE") == 2);
  CHECK(f.quality_assurance().by_grade().at("GOOD") == 0);
  CHECK(f.quality_assurance().by_grade().size() == 4);
  CHECK(f.quality_assurance().inadequate_themes().at("Drift and Delay") == 2);
  CHECK(f.quality_assurance().inadequate_themes().at("Quality of Plan") == 1);
  CHECK(f.life_story_work().looked_after_at_end() == 2);
  CHECK(f.life_story_work().completed() == 1);
  CHECK(f.life_story_work().percent() == 50.0);
  CHECK(f.case_file_audits() == 1);

  // The year before holds F1's first form and review, and none of the rest.
  REQUIRE(report.has_previous());
  const v1::AnnualIroFootprint& before = report.previous().iro_footprint();
  CHECK(before.quality_assurance().forms() == 1);
  CHECK(before.quality_assurance().by_grade().at("GOOD") == 1);
  CHECK(NotRecorded(report.previous(), "iro_footprint.visits"));
  CHECK(NotRecorded(report.previous(), "iro_footprint.life_story_work"));
  CHECK(NotRecorded(report.previous(), "iro_footprint.case_file_audits"));
}

}  // namespace
}  // namespace footprint::projections
