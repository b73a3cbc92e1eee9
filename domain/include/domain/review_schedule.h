// When a looked-after child's next statutory review is due, and whether each review was held in
// time (shared/docs/domain.md section 4, with the council's settings of section 11).
//
// Per period of care: the 1st review within 20 working days of the period's start (or 28 days,
// by setting); the 2nd within 3 months of the 1st; later ones within 6 months of the previous.
// Each deadline counts from the day the previous review was actually held; only a new period of
// care restarts the cycle. Calendar months clamp to the end of a shorter month. A review on its
// due date is in time. Special cases:
// - Section 20 (V2): the period counts from the day after it starts (accommodated 24 hours).
// - Short breaks (V3/V4 at the start): the 1st within 3 months, then every 6 months.
// - Placed for adoption (A3-A6): the cycle starts again at the placement: within 28 days, then 3
//   months, then 6-monthly. A placement order (E1) without an adoption placement: within 3
//   months of the order, then 6-monthly.
// - [setting] a review within 20 working days (or 28 days) of a placement move made since the
//   last review; [setting] monthly reviews while in an unregistered placement. These can only
//   bring a due date forward.
//
// Pure functions; thread-safe.
#ifndef FOOTPRINT_DOMAIN_REVIEW_SCHEDULE_H_
#define FOOTPRINT_DOMAIN_REVIEW_SCHEDULE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "domain/child_record.h"
#include "domain/working_calendar.h"

namespace footprint::domain {

struct ReviewSettings {
  enum class FirstReview { kTwentyWorkingDays, kTwentyEightDays };
  enum class PostMove { kOff, kTwentyWorkingDays, kTwentyEightDays };
  FirstReview first_review = FirstReview::kTwentyWorkingDays;
  PostMove post_move = PostMove::kOff;
  bool unregistered_monthly = false;
  // Paperwork timescales (working days).
  int report_days_before = 5;
  int recommendations_days_after = 5;
  int record_days_after = 20;
  // Record a DeadlineMissed when a review or its paperwork is overdue (review_deadlines.h).
  bool record_missed_deadlines = true;
  // Timeliness rating: green at or above, amber at or above, red below (percent).
  double green_percent = 95;
  double amber_percent = 87;

  bool operator==(const ReviewSettings&) const = default;
};

// In a period of care begun before the record (a history imported from returns that begin
// mid-care: PeriodOfCareStarted.start_not_known, or a known start with reviews_known_from), the
// reviews held before the record began are not known (shared/docs/domain.md section 10: "the
// due date of a review that depends on the unknown start is unknown, not late"). Then:
// - the first review in the record has no exact due date, unless a fact inside the record sets
//   it (an adoption placement or a placement order made in it); since every review falls due
//   within 6 months of the one before (or of the start), it is due 6 months after the record
//   begins at the latest;
// - the next one is due within 3 months of it if that was the period's 1st review, within 6
//   otherwise: its due date is only known to lie between the two;
// - from the one after, every due date is known again (6-monthly).
// A council setting (placement move, unregistered placement) can only bring a date forward, so
// it bounds an unknown date from above. A review on or before the earliest date the due date
// can be is in time, one after the latest it can be is late, and one in between (or with no
// bound) has timeliness "not known": never counted as in time or late. Review numbers are not
// known in such a period (`number` 0).
struct ReviewDue {
  // The due date when `exact`; otherwise the latest it can be (`latest_known`), or meaningless.
  absl::CivilDay due_on;
  // The rule that set the date, in words ("2nd review: 3 months after the review on 2026-02-02").
  std::string rule;
  // The number of the review that is due, within the period of care (1 = first); 0 when not
  // known (a period whose start is not known).
  int number = 1;
  absl::CivilDay period_start;
  bool period_start_known = true;
  // False when the due date is only bounded (see above).
  bool exact = true;
  // When not exact: whether `due_on` is an upper bound, and the lower bound if there is one.
  bool latest_known = true;
  std::optional<absl::CivilDay> earliest_due_on;

  // A review held on `on`, against this due date.
  enum class Timeliness { kInTime, kLate, kNotKnown };
  Timeliness Judge(absl::CivilDay on) const;
  // The day after which the review is late whatever is unknown (nullopt: no such day).
  std::optional<absl::CivilDay> LateAfter() const {
    return exact || latest_known ? std::optional<absl::CivilDay>(due_on) : std::nullopt;
  }
};

// The next review due, as things stood at the end of `as_at` (reviews held on or before it);
// nullopt when the child is not looked after on `as_at`. OUT_OF_RANGE when a working-day count
// leaves the calendar.
absl::StatusOr<std::optional<ReviewDue>> NextReviewDue(const ChildRecord& record,
                                                       absl::CivilDay as_at,
                                                       const ReviewSettings& settings,
                                                       const WorkingCalendar& calendar);

// A review's paperwork against the council's timescales (ReviewSettings).
struct ReviewPaperwork {
  // The social worker's report: working days before the review it arrived (negative: after).
  std::optional<int> report_working_days_before;
  std::optional<absl::CivilDay> recommendations_on;
  bool recommendations_in_time = false;
  std::optional<absl::CivilDay> record_on;
  bool record_in_time = false;
};

struct HeldReview {
  ReviewInfo review;
  ReviewDue due;         // the due date that applied when it was held
  bool in_time = false;  // known to be in time
  // Neither in time nor late is known (ReviewDue above); `in_time` is then false.
  bool timeliness_known = true;
  ReviewPaperwork paperwork;
};

// Every review held on or before `as_at`, with the due date that applied to it, in date order.
absl::StatusOr<std::vector<HeldReview>> ReviewHistory(const ChildRecord& record,
                                                      absl::CivilDay as_at,
                                                      const ReviewSettings& settings,
                                                      const WorkingCalendar& calendar);

// The timeline `record` carries if it was built with these settings and calendar, else nullptr.
const ReviewTimeline* TimelineFor(const ChildRecord& record, const ReviewSettings& settings,
                                  const WorkingCalendar& calendar);

// The paperwork of the review held on `held_on` (the latest of each kind recorded for it).
ReviewPaperwork PaperworkOf(const ChildRecord& record, absl::CivilDay held_on,
                            const ReviewSettings& settings, const WorkingCalendar& calendar);

// A record's reviews, computed once: every review held with the due date that applied, and the
// next review due as a step function of the day asked about. The answer can only change on a day
// some fact takes effect (a period of care starting, or ending the day before, a review, a
// placement, a legal status), so it is computed on each such day and looked up in between.
// NextReviewDue and ReviewHistory use it when the record carries one built with the same
// settings and calendar, and compute directly otherwise.
//
// Thread-safety: immutable once built.
class ReviewTimeline {
 public:
  // OUT_OF_RANGE when a working-day count leaves the calendar (then nothing is cached and the
  // direct computation reports the error to whoever asks).
  static absl::StatusOr<std::shared_ptr<const ReviewTimeline>> Build(
      const ChildRecord& record, const ReviewSettings& settings, const WorkingCalendar& calendar);

  bool BuiltWith(const ReviewSettings& settings, const WorkingCalendar& calendar) const {
    return calendar_ == &calendar && settings_ == settings;
  }
  // Same as NextReviewDue(record, as_at, ...).
  const std::optional<ReviewDue>& NextDue(absl::CivilDay as_at) const;
  // Every review held, in the order ReviewHistory gives them (by period, then date: in date
  // order, since periods of care never overlap). Timeliness relies on the order.
  const std::vector<HeldReview>& history() const { return history_; }

 private:
  ReviewTimeline(const ReviewSettings& settings, const WorkingCalendar& calendar)
      : settings_(settings), calendar_(&calendar) {}

  ReviewSettings settings_;
  const WorkingCalendar* calendar_;
  std::vector<HeldReview> history_;
  std::vector<absl::CivilDay> change_days_;         // ascending
  std::vector<std::optional<ReviewDue>> next_due_;  // in force from change_days_[i]
};

}  // namespace footprint::domain

#endif  // FOOTPRINT_DOMAIN_REVIEW_SCHEDULE_H_
