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
#ifndef FOOTPRINT_PROJECTIONS_REVIEW_SCHEDULE_H_
#define FOOTPRINT_PROJECTIONS_REVIEW_SCHEDULE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "projections/child_record.h"
#include "projections/working_calendar.h"

namespace footprint::projections {

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
};

struct ReviewDue {
  absl::CivilDay due_on;
  // The rule that set the date, in words ("2nd review: 3 months after the review on 2026-02-02").
  std::string rule;
  // The number of the review that is due, within the period of care (1 = first).
  int number = 1;
  absl::CivilDay period_start;
};

// The next review due, as things stood at the end of `as_at` (reviews held on or before it);
// nullopt when the child is not looked after on `as_at`. OUT_OF_RANGE when a working-day count
// leaves the calendar.
absl::StatusOr<std::optional<ReviewDue>> NextReviewDue(const ChildRecord& record,
                                                       absl::CivilDay as_at,
                                                       const ReviewSettings& settings,
                                                       const WorkingCalendar& calendar);

struct HeldReview {
  ReviewInfo review;
  ReviewDue due;  // the due date that applied when it was held
  bool in_time = false;
};

// Every review held on or before `as_at`, with the due date that applied to it.
absl::StatusOr<std::vector<HeldReview>> ReviewHistory(const ChildRecord& record,
                                                      absl::CivilDay as_at,
                                                      const ReviewSettings& settings,
                                                      const WorkingCalendar& calendar);

}  // namespace footprint::projections

#endif  // FOOTPRINT_PROJECTIONS_REVIEW_SCHEDULE_H_
