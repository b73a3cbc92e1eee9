#include "domain/review_schedule.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "domain/codes.h"

namespace footprint::domain {
namespace {

std::string Day(absl::CivilDay day) { return FormatIsoDate(day); }

std::string Ordinal(int n) {
  const int mod100 = n % 100;
  const char* suffix = "th";
  if (mod100 < 11 || mod100 > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return absl::StrCat(n, suffix);
}

bool IsAdoptionPlacement(absl::string_view type) {
  return type == "A3" || type == "A4" || type == "A5" || type == "A6";
}

// The due date for the next review of `period`, given the reviews already held in it
// (`prior`, in order) and the facts known up to `context_day`.
absl::StatusOr<ReviewDue> DueFor(const ChildRecord& record, const PeriodOfCare& period,
                                 const std::vector<const ReviewInfo*>& prior,
                                 absl::CivilDay context_day, const ReviewSettings& settings,
                                 const WorkingCalendar& calendar) {
  const size_t n = prior.size();
  const std::optional<absl::CivilDay> last =
      n == 0 ? std::nullopt : std::optional<absl::CivilDay>(prior.back()->on);
  const std::string initial_status = record.LegalStatusOn(period.start);
  const bool short_breaks = codes::IsShortBreaks(initial_status);
  // The reviews held before the record (a period whose start is not known, or one imported from
  // files that begin after it) are not known: the due dates that depend on them are bounded.
  const bool start_known = !period.reviews_known_from.has_value();
  const int number = start_known ? static_cast<int>(n) + 1 : 0;
  const std::string which =
      start_known ? absl::StrCat(Ordinal(number), " review: ") : std::string("next review: ");
  const std::string before_record =
      period.start_known
          ? absl::StrCat("the reviews held before ",
                         Day(period.reviews_known_from.value_or(period.start)),
                         ", when the record begins, are not known")
          : absl::StrCat("the period of care began on or before ", Day(period.start),
                         ", before the record, so the reviews held before it are not known");

  ReviewDue due;
  due.number = number;
  due.period_start = period.start;
  due.period_start_known = period.start_known;
  if (n == 0 && !start_known) {
    // Whatever came before, every review falls due within 6 months of the one before it (or of
    // the start): by then at the latest.
    const absl::CivilDay record_begins = *period.reviews_known_from;
    due.due_on = AddMonthsClamped(record_begins, 6);
    due.exact = false;
    due.latest_known = true;
    due.rule = absl::StrCat(which, "by ", Day(due.due_on),
                            " at the latest (6 months after the record begins on ",
                            Day(record_begins), "); the exact date is not known: ", before_record);
  } else if (n == 1 && !start_known && !short_breaks) {
    due.exact = false;
    due.earliest_due_on = AddMonthsClamped(*last, 3);
    due.due_on = AddMonthsClamped(*last, 6);
    due.rule = absl::StrCat(which, "3 months after the review on ", Day(*last),
                            " if that was the 1st review, 6 months if not (", before_record, ")");
  } else if (n == 0) {
    if (short_breaks) {
      due.due_on = AddMonthsClamped(period.start, 3);
      due.rule = absl::StrCat(which, "3 months from the first short break on ", Day(period.start));
    } else {
      // Section 20 counts once the child has been accommodated for 24 hours.
      const bool s20 = initial_status == "V2";
      const absl::CivilDay day0 = s20 ? period.start + 1 : period.start;
      const std::string from = s20 ? absl::StrCat(Day(day0), " (24 hours after accommodation on ",
                                                  Day(period.start), ")")
                                   : Day(day0);
      if (settings.first_review == ReviewSettings::FirstReview::kTwentyWorkingDays) {
        auto day = calendar.AddWorkingDays(day0, 20);
        if (!day.ok()) return day.status();
        due.due_on = *day;
        due.rule = absl::StrCat(which, "20 working days from ", from);
      } else {
        due.due_on = day0 + 28;
        due.rule = absl::StrCat(which, "28 days from ", from);
      }
    }
  } else if (n == 1 && !short_breaks) {
    due.due_on = AddMonthsClamped(*last, 3);
    due.rule = absl::StrCat(which, "3 months after the review on ", Day(*last));
  } else {
    due.due_on = AddMonthsClamped(*last, 6);
    due.rule = absl::StrCat(which, "6 months after the review on ", Day(*last));
  }

  // Adoption restarts the cycle at the placement; a placement order without one runs 3 months,
  // then 6-monthly.
  const PlacementSpan* adoption = nullptr;
  const auto set_exact = [&due] {
    due.exact = true;
    due.latest_known = true;
    due.earliest_due_on.reset();
  };
  for (const PlacementSpan& span : record.placements()) {
    if (span.from < period.start || span.from > context_day) continue;
    // The placement a period begun before the record is first seen in: the reviews since it are
    // not all in the record (and, with the start not known, neither is its date).
    if (span.starts_period && !start_known) continue;
    if (IsAdoptionPlacement(span.placement.type()) && (span.starts_period || span.carer_changed)) {
      adoption = &span;
    }
  }
  const auto reviews_since = [&](absl::CivilDay from) {
    int count = 0;
    for (const ReviewInfo* r : prior) count += r->on >= from ? 1 : 0;
    return count;
  };
  if (adoption != nullptr) {
    const int j = reviews_since(adoption->from);
    set_exact();
    if (j == 0) {
      due.due_on = adoption->from + 28;
      due.rule =
          absl::StrCat(which, "within 28 days of the adoption placement on ", Day(adoption->from));
    } else if (j == 1) {
      due.due_on = AddMonthsClamped(*last, 3);
      due.rule = absl::StrCat(which,
                              "3 months after the first review since the adoption "
                              "placement (",
                              Day(*last), ")");
    } else {
      due.due_on = AddMonthsClamped(*last, 6);
      due.rule = absl::StrCat(which, "6 months after the review on ", Day(*last),
                              " (placed for adoption)");
    }
  } else {
    std::optional<absl::CivilDay> order;
    for (const auto& [from, status] : record.legal_statuses()) {
      if (from < period.start || from > context_day) continue;
      // The legal status a period begun before the record is first seen with: likewise.
      if (from == period.start && !start_known) continue;
      if (status == "E1" && (!order || record.LegalStatusOn(from - 1) != "E1")) order = from;
    }
    if (order && record.LegalStatusOn(context_day) == "E1") {
      set_exact();
      if (reviews_since(*order) == 0) {
        due.due_on = AddMonthsClamped(*order, 3);
        due.rule = absl::StrCat(which, "3 months after the placement order on ", Day(*order));
      } else {
        due.due_on = AddMonthsClamped(*last, 6);
        due.rule = absl::StrCat(which, "6 months after the review on ", Day(*last),
                                " (placement order, not yet placed)");
      }
    }
  }

  // Council settings can bring the date forward; a date only bounded gets the earlier bounds.
  const auto bring_forward = [&due](absl::CivilDay day, std::string rule) {
    if (due.exact) {
      if (day < due.due_on) {
        due.due_on = day;
        due.rule = std::move(rule);
      }
      return;
    }
    if (due.earliest_due_on && day < *due.earliest_due_on) due.earliest_due_on = day;
    if (!due.latest_known || day < due.due_on) {
      due.due_on = day;
      due.latest_known = true;
      due.rule = absl::StrCat(rule, " at the latest (", due.rule, ")");
    }
  };
  const absl::CivilDay since = last.value_or(period.start);
  if (settings.post_move != ReviewSettings::PostMove::kOff) {
    const PlacementSpan* move = nullptr;
    for (const PlacementSpan& span : record.placements()) {
      if (span.starts_period || !span.carer_changed || span.from <= since ||
          span.from > context_day || span.from < period.start) {
        continue;
      }
      move = &span;
    }
    if (move != nullptr) {
      absl::CivilDay after_move;
      std::string rule;
      if (settings.post_move == ReviewSettings::PostMove::kTwentyWorkingDays) {
        auto day = calendar.AddWorkingDays(move->from, 20);
        if (!day.ok()) return day.status();
        after_move = *day;
        rule = absl::StrCat(which, "20 working days after the placement move on ", Day(move->from));
      } else {
        after_move = move->from + 28;
        rule = absl::StrCat(which, "28 days after the placement move on ", Day(move->from));
      }
      bring_forward(after_move, std::move(rule));
    }
  }
  if (settings.unregistered_monthly) {
    const PlacementSpan* current = nullptr;
    for (const PlacementSpan& span : record.placements()) {
      if (span.from >= period.start && span.from <= context_day) current = &span;
    }
    // (Not from the first day of a period whose start is not known: the placement and the
    // last review may both be older.)
    if (current != nullptr && (start_known || last || !current->starts_period) &&
        current->placement.registration() == v1::Placement::UNREGISTERED) {
      const absl::CivilDay anchor = std::max(since, current->from);
      bring_forward(AddMonthsClamped(anchor, 1),
                    absl::StrCat(which, "1 month after ", Day(anchor),
                                 " (monthly while in an unregistered placement)"));
    }
  }
  return due;
}

std::vector<const ReviewInfo*> ReviewsIn(const ChildRecord& record, const PeriodOfCare& period,
                                         absl::CivilDay up_to) {
  std::vector<const ReviewInfo*> out;
  for (const ReviewInfo& r : record.reviews()) {
    if (period.Contains(r.on) && r.on <= up_to) out.push_back(&r);
  }
  return out;
}

bool SameDue(const std::optional<ReviewDue>& a, const std::optional<ReviewDue>& b) {
  if (!a || !b) return a.has_value() == b.has_value();
  return a->due_on == b->due_on && a->number == b->number && a->period_start == b->period_start &&
         a->rule == b->rule && a->exact == b->exact && a->latest_known == b->latest_known &&
         a->earliest_due_on == b->earliest_due_on;
}

absl::StatusOr<std::optional<ReviewDue>> ComputeNextReviewDue(const ChildRecord& record,
                                                              absl::CivilDay as_at,
                                                              const ReviewSettings& settings,
                                                              const WorkingCalendar& calendar) {
  const PeriodOfCare* period = record.PeriodOn(as_at);
  if (period == nullptr) return std::nullopt;
  auto due = DueFor(record, *period, ReviewsIn(record, *period, as_at), as_at, settings, calendar);
  if (!due.ok()) return due.status();
  return std::optional<ReviewDue>(*due);
}

absl::StatusOr<std::vector<HeldReview>> ComputeReviewHistory(const ChildRecord& record,
                                                             absl::CivilDay as_at,
                                                             const ReviewSettings& settings,
                                                             const WorkingCalendar& calendar) {
  std::vector<HeldReview> history;
  for (const PeriodOfCare& period : record.periods()) {
    if (period.start > as_at) break;
    const std::vector<const ReviewInfo*> reviews = ReviewsIn(record, period, as_at);
    std::vector<const ReviewInfo*> prior;
    for (const ReviewInfo* review : reviews) {
      // What was known the day before the review decides its due date.
      const absl::CivilDay context = std::max(period.start, review->on - 1);
      auto due = DueFor(record, period, prior, context, settings, calendar);
      if (!due.ok()) return due.status();
      const ReviewDue::Timeliness judged = due->Judge(review->on);
      history.push_back(HeldReview{*review, *due, judged == ReviewDue::Timeliness::kInTime,
                                   judged != ReviewDue::Timeliness::kNotKnown,
                                   PaperworkOf(record, review->on, settings, calendar)});
      prior.push_back(review);
    }
  }
  return history;
}

}  // namespace

ReviewDue::Timeliness ReviewDue::Judge(absl::CivilDay on) const {
  if (exact) return on <= due_on ? Timeliness::kInTime : Timeliness::kLate;
  if (earliest_due_on && on <= *earliest_due_on) return Timeliness::kInTime;
  if (latest_known && on > due_on) return Timeliness::kLate;
  return Timeliness::kNotKnown;
}

const ReviewTimeline* TimelineFor(const ChildRecord& record, const ReviewSettings& settings,
                                  const WorkingCalendar& calendar) {
  const ReviewTimeline* timeline = record.review_timeline();
  return timeline != nullptr && timeline->BuiltWith(settings, calendar) ? timeline : nullptr;
}

ReviewPaperwork PaperworkOf(const ChildRecord& record, absl::CivilDay held_on,
                            const ReviewSettings& settings, const WorkingCalendar& calendar) {
  ReviewPaperwork paperwork;
  for (const PaperworkInfo& p : record.social_worker_reports()) {
    if (p.review_date != held_on) continue;
    auto days = calendar.WorkingDaysBetween(p.on, held_on);
    if (days.ok()) paperwork.report_working_days_before = *days;
  }
  const auto in_time = [&](absl::CivilDay on, int working_days) {
    auto due = calendar.AddWorkingDays(held_on, working_days);
    return due.ok() && on <= *due;
  };
  for (const PaperworkInfo& p : record.recommendations()) {
    if (p.review_date != held_on) continue;
    paperwork.recommendations_on = p.on;
    paperwork.recommendations_in_time = in_time(p.on, settings.recommendations_days_after);
  }
  for (const PaperworkInfo& p : record.records_distributed()) {
    if (p.review_date != held_on) continue;
    paperwork.record_on = p.on;
    paperwork.record_in_time = in_time(p.on, settings.record_days_after);
  }
  return paperwork;
}

absl::StatusOr<std::optional<ReviewDue>> NextReviewDue(const ChildRecord& record,
                                                       absl::CivilDay as_at,
                                                       const ReviewSettings& settings,
                                                       const WorkingCalendar& calendar) {
  if (const ReviewTimeline* timeline = TimelineFor(record, settings, calendar)) {
    return timeline->NextDue(as_at);
  }
  return ComputeNextReviewDue(record, as_at, settings, calendar);
}

absl::StatusOr<std::vector<HeldReview>> ReviewHistory(const ChildRecord& record,
                                                      absl::CivilDay as_at,
                                                      const ReviewSettings& settings,
                                                      const WorkingCalendar& calendar) {
  if (const ReviewTimeline* timeline = TimelineFor(record, settings, calendar)) {
    std::vector<HeldReview> history;
    for (const HeldReview& held : timeline->history()) {
      if (held.review.on <= as_at) history.push_back(held);
    }
    return history;
  }
  return ComputeReviewHistory(record, as_at, settings, calendar);
}

absl::StatusOr<std::shared_ptr<const ReviewTimeline>> ReviewTimeline::Build(
    const ChildRecord& record, const ReviewSettings& settings, const WorkingCalendar& calendar) {
  std::shared_ptr<ReviewTimeline> timeline(new ReviewTimeline(settings, calendar));
  auto history = ComputeReviewHistory(record, absl::CivilDay::max(), settings, calendar);
  if (!history.ok()) return history.status();
  timeline->history_ = std::move(*history);
  // Every day on which an input of NextReviewDue can change (see the class comment).
  std::vector<absl::CivilDay> days;
  for (const PeriodOfCare& p : record.periods()) {
    days.push_back(p.start);
    if (p.end) days.push_back(*p.end + 1);
  }
  for (const ReviewInfo& r : record.reviews()) days.push_back(r.on);
  for (const PlacementSpan& span : record.placements()) days.push_back(span.from);
  for (const auto& [from, status] : record.legal_statuses()) days.push_back(from);
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  // Most of those days change nothing (a placement move with the default settings): only the
  // days the answer changes are kept.
  std::vector<absl::CivilDay> kept;
  for (absl::CivilDay day : days) {
    auto due = ComputeNextReviewDue(record, day, settings, calendar);
    if (!due.ok()) return due.status();
    if (!timeline->next_due_.empty() && SameDue(timeline->next_due_.back(), *due)) continue;
    kept.push_back(day);
    timeline->next_due_.push_back(std::move(*due));
  }
  timeline->change_days_ = std::move(kept);
  return std::shared_ptr<const ReviewTimeline>(std::move(timeline));
}

const std::optional<ReviewDue>& ReviewTimeline::NextDue(absl::CivilDay as_at) const {
  static const std::optional<ReviewDue> kNone;
  auto it = std::upper_bound(change_days_.begin(), change_days_.end(), as_at);
  if (it == change_days_.begin()) return kNone;  // before the first period of care
  return next_due_[static_cast<size_t>(it - change_days_.begin()) - 1];
}

}  // namespace footprint::domain
