// Statutory review timetables, counted by hand on the England & Wales calendar (domain.md
// sections 4 and 5). Day 0 is the day care starts (or the day a review is held).
#include "domain/review_schedule.h"
#include "catch2/catch.hpp"
#include "domain/child_record.h"
#include "workflow/review_deadlines.h"

namespace footprint::workflow {

using domain::ChildRecord;
using domain::NextReviewDue;
using domain::ReviewDue;
using domain::ReviewHistory;
using domain::ReviewSettings;
using domain::WorkingCalendar;
namespace {

absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

// A child's record built from facts, in the order given (dates as written).
class Child {
 public:
  Child& Start(const std::string& on, const std::string& legal_status = "C2",
               const std::string& placement = "U1", bool start_not_known = false) {
    v1::ChildEvent e = Event(on);
    auto* b = e.mutable_period_of_care_started();
    b->set_start_not_known(start_not_known);
    b->set_legal_status(legal_status);
    b->mutable_placement()->set_type(placement);
    b->mutable_placement()->set_provider("PR1");
    b->set_category_of_need("N1");
    b->set_date_of_birth("2015-06-01");
    return Add(e);
  }
  Child& End(const std::string& on) {
    v1::ChildEvent e = Event(on);
    e.mutable_period_of_care_ended()->set_reason("E4A");
    return Add(e);
  }
  Child& Review(const std::string& on) {
    v1::ChildEvent e = Event(on);
    e.mutable_review_held()->set_participation("PN1");
    return Add(e);
  }
  Child& Move(const std::string& on, const std::string& type = "U4", bool carer_changed = true,
              v1::Placement::Registration registration = v1::Placement::REGISTERED) {
    v1::ChildEvent e = Event(on);
    auto* b = e.mutable_placement_changed();
    b->mutable_placement()->set_type(type);
    b->mutable_placement()->set_provider("PR4");
    b->mutable_placement()->set_registration(registration);
    b->set_reason_for_change("CARPL");
    b->set_carer_changed(carer_changed);
    return Add(e);
  }
  Child& Status(const std::string& on, const std::string& legal_status) {
    v1::ChildEvent e = Event(on);
    e.mutable_legal_status_changed()->set_legal_status(legal_status);
    return Add(e);
  }
  const ChildRecord& record() const { return record_; }

 private:
  v1::ChildEvent Event(const std::string& on) {
    v1::ChildEvent e;
    e.set_child_id("C1");
    e.set_occurred_on(on);
    return e;
  }
  Child& Add(const v1::ChildEvent& e) {
    record_.Add("id-" + std::to_string(next_++), e);
    return *this;
  }
  ChildRecord record_{"C1"};
  int next_ = 0;
};

const WorkingCalendar& Calendar() { return WorkingCalendar::EnglandAndWales(); }

ReviewDue Next(const Child& child, absl::CivilDay as_at, ReviewSettings settings = {}) {
  auto due = NextReviewDue(child.record(), as_at, settings, Calendar());
  REQUIRE(due.ok());
  REQUIRE(due->has_value());
  return **due;
}

TEST_CASE("looked after the day before a bank holiday weekend: 1st review after 20 working days",
          "[reviews]") {
  Child child;
  child.Start("2026-04-02");  // Thursday before Good Friday
  // Day 0 Thu 2 Apr. Fri 3 (Good Friday), Sat, Sun, Mon 6 (Easter Monday) are not working
  // days: Tue 7 = 1, Wed 8, Thu 9, Fri 10 = 4, Mon 13 - Fri 17 = 9, Mon 20 - Fri 24 = 14,
  // Mon 27 - Thu 30 = 18, Fri 1 May = 19; Mon 4 May is the early May bank holiday;
  // Tue 5 May = 20.
  const ReviewDue due = Next(child, D(2026, 4, 2));
  CHECK(due.due_on == D(2026, 5, 5));
  CHECK(due.number == 1);
  CHECK(due.rule == "1st review: 20 working days from 2026-04-02");
  // With the council's alternative basis: 28 days = Thu 30 April.
  ReviewSettings days28;
  days28.first_review = ReviewSettings::FirstReview::kTwentyEightDays;
  CHECK(Next(child, D(2026, 4, 2), days28).due_on == D(2026, 4, 30));
}

TEST_CASE("an early review pulls the cycle forward, a late one re-anchors it", "[reviews]") {
  Child child;
  child.Start("2026-01-05");
  // Day 0 Mon 5 Jan: Tue 6 = 1 ... Fri 30 = 19, Mon 2 Feb = 20.
  CHECK(Next(child, D(2026, 1, 10)).due_on == D(2026, 2, 2));
  child.Review("2026-01-20");  // early
  ReviewDue second = Next(child, D(2026, 1, 20));
  CHECK(second.due_on == D(2026, 4, 20));  // 3 months after 20 Jan, not after 2 Feb
  CHECK(second.number == 2);
  CHECK(second.rule == "2nd review: 3 months after the review on 2026-01-20");
  child.Review("2026-05-05");  // late: due 20 Apr
  ReviewDue third = Next(child, D(2026, 5, 5));
  CHECK(third.due_on == D(2026, 11, 5));  // 6 months after the review actually held
  CHECK(third.rule == "3rd review: 6 months after the review on 2026-05-05");

  auto history = ReviewHistory(child.record(), D(2026, 12, 31), {}, Calendar());
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].due.due_on == D(2026, 2, 2));
  CHECK((*history)[0].in_time);
  CHECK((*history)[1].due.due_on == D(2026, 4, 20));
  CHECK_FALSE((*history)[1].in_time);
  // As at 6 November the 3rd review (due 5 November) is overdue.
  CHECK(Next(child, D(2026, 11, 6)).due_on == D(2026, 11, 5));
}

TEST_CASE("a review on its due date is in time", "[reviews]") {
  Child child;
  child.Start("2026-01-05").Review("2026-02-02");
  auto history = ReviewHistory(child.record(), D(2026, 3, 1), {}, Calendar());
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK((*history)[0].in_time);
}

TEST_CASE("a new period of care restarts the cycle, a placement change does not", "[reviews]") {
  Child child;
  child.Start("2026-01-05").Review("2026-02-02").Move("2026-03-10").Review("2026-04-30");
  // The move did not restart anything: 3rd review 6 months after 30 April.
  CHECK(Next(child, D(2026, 5, 1)).due_on == D(2026, 10, 30));
  child.End("2026-06-01");
  auto none = NextReviewDue(child.record(), D(2026, 6, 2), {}, Calendar());
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());  // not looked after
  child.Start("2026-06-15");
  // Day 0 Mon 15 Jun: Tue 16 - Fri 19 = 4, 22-26 = 9, 29 Jun - 3 Jul = 14, 6-10 Jul = 19,
  // Mon 13 Jul = 20.
  const ReviewDue first = Next(child, D(2026, 6, 15));
  CHECK(first.due_on == D(2026, 7, 13));
  CHECK(first.number == 1);
  CHECK(first.period_start == D(2026, 6, 15));
}

TEST_CASE("calendar months clamp to the end of a shorter month", "[reviews]") {
  Child child;
  child.Start("2026-07-20").Review("2026-08-31");
  CHECK(Next(child, D(2026, 9, 1)).due_on == D(2026, 11, 30));  // 31 Aug + 3 months
  child.Review("2026-11-30");
  CHECK(Next(child, D(2026, 12, 1)).due_on == D(2027, 5, 30));  // 30 Nov + 6 months
  Child other;
  other.Start("2026-07-01").Review("2026-07-31").Review("2026-08-31");
  CHECK(Next(other, D(2026, 9, 1)).due_on == D(2027, 2, 28));  // 31 Aug + 6 months
}

TEST_CASE("a placement move brings the review forward only with the post-move setting",
          "[reviews]") {
  Child child;
  child.Start("2026-01-05").Review("2026-02-02").Move("2026-04-01");
  // Without the setting: 3 months after 2 Feb = 2 May.
  CHECK(Next(child, D(2026, 4, 1)).due_on == D(2026, 5, 2));
  ReviewSettings wd;
  wd.post_move = ReviewSettings::PostMove::kTwentyWorkingDays;
  // Day 0 Wed 1 Apr: Thu 2 = 1; Fri 3 Good Friday, Sat, Sun, Mon 6 Easter Monday;
  // Tue 7 - Fri 10 = 5, 13-17 = 10, 20-24 = 15, 27-30 = 19, Fri 1 May = 20.
  const ReviewDue moved = Next(child, D(2026, 4, 1), wd);
  CHECK(moved.due_on == D(2026, 5, 1));
  CHECK(moved.rule == "2nd review: 20 working days after the placement move on 2026-04-01");
  ReviewSettings days;
  days.post_move = ReviewSettings::PostMove::kTwentyEightDays;
  CHECK(Next(child, D(2026, 4, 1), days).due_on == D(2026, 4, 29));
  // A move with the same carer (T/U) is not a move for this rule.
  Child same_carer;
  same_carer.Start("2026-01-05").Review("2026-02-02").Move("2026-04-01", "U4", false);
  CHECK(Next(same_carer, D(2026, 4, 1), days).due_on == D(2026, 5, 2));
  // A move before the last review does not count again.
  child.Review("2026-04-20");
  CHECK(Next(child, D(2026, 4, 21), days).due_on == D(2026, 10, 20));
}

TEST_CASE("section 20 counts from 24 hours after accommodation", "[reviews]") {
  Child child;
  child.Start("2026-02-02", "V2");  // Monday
  // Day 0 Tue 3 Feb: Wed 4 - Fri 6 = 3, 9-13 = 8, 16-20 = 13, 23-27 = 18, Mon 2 Mar = 19,
  // Tue 3 Mar = 20.
  const ReviewDue due = Next(child, D(2026, 2, 2));
  CHECK(due.due_on == D(2026, 3, 3));
  CHECK(due.rule ==
        "1st review: 20 working days from 2026-02-03 (24 hours after accommodation on "
        "2026-02-02)");
}

TEST_CASE("short breaks: 3 months, then 6-monthly", "[reviews]") {
  Child child;
  child.Start("2026-01-31", "V3");
  CHECK(Next(child, D(2026, 2, 1)).due_on == D(2026, 4, 30));  // clamped
  child.Review("2026-04-15");
  CHECK(Next(child, D(2026, 4, 16)).due_on == D(2026, 10, 15));
}

TEST_CASE("placed for adoption: 28 days, then 3 months, then 6-monthly", "[reviews]") {
  Child child;
  child.Start("2025-01-06", "C2")
      .Review("2025-02-03")
      .Review("2025-05-01")
      .Status("2025-09-01", "E1");
  // A placement order without an adoption placement: 3 months after the order.
  const ReviewDue order = Next(child, D(2025, 9, 2));
  CHECK(order.due_on == D(2025, 12, 1));
  CHECK(order.rule == "3rd review: 3 months after the placement order on 2025-09-01");
  child.Move("2025-10-06", "A4");
  CHECK(Next(child, D(2025, 10, 6)).due_on == D(2025, 11, 3));  // 6 Oct + 28 days
  child.Review("2025-10-30");
  CHECK(Next(child, D(2025, 10, 31)).due_on == D(2026, 1, 30));  // 3 months after
  child.Review("2026-01-20");
  CHECK(Next(child, D(2026, 1, 21)).due_on == D(2026, 7, 20));  // then 6-monthly
}

TEST_CASE("unregistered placements are reviewed monthly where the council says so", "[reviews]") {
  Child child;
  child.Start("2026-01-05")
      .Review("2026-02-02")
      .Move("2026-02-16", "K2", true, v1::Placement::UNREGISTERED);
  CHECK(Next(child, D(2026, 2, 20)).due_on == D(2026, 5, 2));
  ReviewSettings monthly;
  monthly.unregistered_monthly = true;
  const ReviewDue due = Next(child, D(2026, 2, 20), monthly);
  CHECK(due.due_on == D(2026, 3, 16));  // a month after moving there (later than the review)
  child.Review("2026-03-10");
  CHECK(Next(child, D(2026, 3, 11), monthly).due_on == D(2026, 4, 10));
}

// Issue 22: a period imported from returns that begin mid-care (start not known, earliest known
// day 2017-03-01). Dates counted by hand.
TEST_CASE("a period whose start is not known: the first review's due date is only bounded",
          "[reviews]") {
  Child child;
  child.Start("2017-03-01", "C2", "U1", /*start_not_known=*/true);
  // Whatever came before, a review falls due within 6 months of the one before: by 1 Sep 2017
  // at the latest; no earliest day.
  const ReviewDue first = Next(child, D(2017, 3, 10));
  CHECK_FALSE(first.exact);
  CHECK(first.latest_known);
  CHECK_FALSE(first.earliest_due_on.has_value());
  REQUIRE(first.LateAfter().has_value());
  CHECK(*first.LateAfter() == D(2017, 9, 1));
  CHECK(first.number == 0);
  CHECK_FALSE(first.period_start_known);
  CHECK(first.rule ==
        "next review: by 2017-09-01 at the latest (6 months after the record begins on "
        "2017-03-01); the exact date is not known: the period of care began on or before "
        "2017-03-01, before the record, so the reviews held before it are not known");
  CHECK(first.Judge(D(2017, 9, 1)) == ReviewDue::Timeliness::kNotKnown);
  CHECK(first.Judge(D(2017, 9, 2)) == ReviewDue::Timeliness::kLate);
  // The deadline engine misses it only once it is late whatever came before.
  auto pending = ReviewDeadlines::DeadlinesOf(child.record(), {}, Calendar(), {});
  REQUIRE(pending.ok());
  bool review_deadline = false;
  for (const PendingDeadline& d : *pending) {
    if (d.key.rfind("review/", 0) != 0) continue;
    review_deadline = true;
    CHECK(d.due_on == D(2017, 9, 1));
  }
  CHECK(review_deadline);

  child.Review("2017-08-20");
  // The next one: within 3 months if that was the period's 1st review, 6 if not.
  const ReviewDue second = Next(child, D(2017, 8, 21));
  CHECK_FALSE(second.exact);
  REQUIRE(second.earliest_due_on.has_value());
  CHECK(*second.earliest_due_on == D(2017, 11, 20));
  REQUIRE(second.LateAfter().has_value());
  CHECK(*second.LateAfter() == D(2018, 2, 20));
  pending = ReviewDeadlines::DeadlinesOf(child.record(), {}, Calendar(), {});
  REQUIRE(pending.ok());
  review_deadline = false;
  for (const PendingDeadline& d : *pending) {
    if (d.key.rfind("review/", 0) != 0) continue;
    review_deadline = true;
    CHECK(d.due_on == D(2018, 2, 20));
  }
  CHECK(review_deadline);

  child.Review("2018-02-01");  // between the two: not known
  child.Review("2018-08-01");  // 6 months after 1 Feb is 1 Aug: in time
  auto history = ReviewHistory(child.record(), D(2018, 12, 31), {}, Calendar());
  REQUIRE(history.ok());
  REQUIRE(history->size() == 3);
  CHECK_FALSE((*history)[0].timeliness_known);
  CHECK_FALSE((*history)[0].in_time);
  CHECK_FALSE((*history)[1].timeliness_known);
  CHECK_FALSE((*history)[1].in_time);
  CHECK((*history)[2].timeliness_known);
  CHECK((*history)[2].in_time);
  CHECK((*history)[2].due.exact);
  CHECK((*history)[2].due.due_on == D(2018, 8, 1));
  CHECK((*history)[2].due.rule == "next review: 6 months after the review on 2018-02-01");
}

// A start known (RNE S on 1 Jun 2016) before the record, whose reviews are known only from
// 1 Apr 2017 (the first file's year): the same bounds, counted from 1 Apr 2017; the first
// review is not 20 working days after the start.
TEST_CASE("a start known before the record: the reviews before it are not known", "[reviews]") {
  Child child;
  child.Start("2016-06-01");
  {
    v1::ChildEvent e;
    e.set_child_id("C1");
    e.set_occurred_on("2016-06-01");
    auto* b = e.mutable_period_of_care_started();
    b->set_legal_status("C2");
    b->mutable_placement()->set_type("U1");
    b->mutable_placement()->set_provider("PR1");
    b->set_category_of_need("N1");
    b->set_date_of_birth("2010-06-01");
    b->set_reviews_known_from("2017-04-01");
    ChildRecord record("C1");
    record.Add("id-0", e);
    auto due = NextReviewDue(record, D(2017, 4, 2), {}, Calendar());
    REQUIRE(due.ok());
    REQUIRE(due->has_value());
    CHECK((*due)->period_start_known);
    CHECK_FALSE((*due)->exact);
    CHECK((*due)->number == 0);
    CHECK((*due)->due_on == D(2017, 10, 1));
    CHECK((*due)->rule ==
          "next review: by 2017-10-01 at the latest (6 months after the record begins on "
          "2017-04-01); the exact date is not known: the reviews held before 2017-04-01, when "
          "the record begins, are not known");
  }
  // Without it, the same start's 1st review was due 20 working days after 1 Jun 2016.
  CHECK(Next(child, D(2016, 6, 2)).due_on == D(2016, 6, 29));
}

TEST_CASE("a period whose start is not known: the second review in the record by either bound",
          "[reviews]") {
  // By the earliest day the due date can be: in time whatever was before.
  Child early;
  early.Start("2017-03-01", "C2", "U1", true).Review("2017-05-31").Review("2017-08-31");
  auto history = ReviewHistory(early.record(), D(2018, 1, 1), {}, Calendar());
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK((*history)[1].timeliness_known);
  CHECK((*history)[1].in_time);  // 31 May + 3 months = 31 Aug
  // A day after the latest it can be: late whatever was before.
  Child late;
  late.Start("2017-03-01", "C2", "U1", true).Review("2017-05-31").Review("2017-12-01");
  history = ReviewHistory(late.record(), D(2018, 1, 1), {}, Calendar());
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK((*history)[1].timeliness_known);
  CHECK_FALSE((*history)[1].in_time);  // 31 May + 6 months = 30 Nov (clamped)
  CHECK((*history)[1].due.due_on == D(2017, 11, 30));
}

TEST_CASE("a period whose start is not known: what the record itself sets is known", "[reviews]") {
  // Short breaks: the first review's date is not known; after it, 6-monthly as always.
  Child breaks;
  breaks.Start("2017-03-01", "V3", "U1", true).Review("2017-06-15");
  const ReviewDue after = Next(breaks, D(2017, 6, 16));
  CHECK(after.exact);
  CHECK(after.due_on == D(2017, 12, 15));

  // An adoption placement made in the record restarts the cycle: within 28 days of it.
  Child adopted;
  adopted.Start("2017-03-01", "E1", "U1", true).Move("2017-06-01", "A4");
  const ReviewDue adoption = Next(adopted, D(2017, 6, 2));
  CHECK(adoption.exact);
  CHECK(adoption.due_on == D(2017, 6, 29));

  // A council's post-move review bounds the unknown date from above: 20 working days from
  // Mon 13 Mar 2017 is Mon 10 Apr (before Easter). A review that day may still be late (the
  // unknown date could be earlier): not known; a day after it is late.
  ReviewSettings post_move;
  post_move.post_move = ReviewSettings::PostMove::kTwentyWorkingDays;
  Child moved;
  moved.Start("2017-03-01", "C2", "U1", true).Move("2017-03-13", "U4");
  const ReviewDue bounded = Next(moved, D(2017, 3, 20), post_move);
  CHECK_FALSE(bounded.exact);
  CHECK(bounded.latest_known);
  CHECK_FALSE(bounded.earliest_due_on.has_value());
  CHECK(bounded.due_on == D(2017, 4, 10));
  CHECK(bounded.Judge(D(2017, 4, 10)) == ReviewDue::Timeliness::kNotKnown);
  CHECK(bounded.Judge(D(2017, 4, 11)) == ReviewDue::Timeliness::kLate);

  // A known start is unchanged: 20 working days from Wed 1 Mar 2017 is Wed 29 Mar.
  Child known;
  known.Start("2017-03-01");
  const ReviewDue first = Next(known, D(2017, 3, 2));
  CHECK(first.exact);
  CHECK(first.number == 1);
  CHECK(first.due_on == D(2017, 3, 29));
}

}  // namespace
}  // namespace footprint::workflow
