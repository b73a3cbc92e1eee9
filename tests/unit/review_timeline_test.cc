// ReviewTimeline: the review due dates a record carries, computed once, must be exactly what
// the direct computation gives on every day and under every council setting.
#include <memory>
#include <vector>

#include "catch2/catch.hpp"
#include "domain/child_record.h"
#include "domain/review_schedule.h"
#include "domain/working_calendar.h"
#include "projections/testing/synthetic_council.h"

namespace footprint::projections {

using domain::ChildRecord;
using domain::FormatIsoDate;
using domain::HeldReview;
using domain::NextReviewDue;
using domain::ReviewDue;
using domain::ReviewHistory;
using domain::ReviewPaperwork;
using domain::ReviewSettings;
using domain::ReviewTimeline;
using domain::WorkingCalendar;
namespace {

using absl::CivilDay;

ChildRecord RecordOf(const testing::SyntheticChild& child) {
  ChildRecord record(child.child_id);
  for (size_t i = 0; i < child.events.size(); ++i) {
    record.AddStored(child.event_ids[i], child.events[i], i, i + 1);
  }
  record.Rebuild();
  return record;
}

std::string Describe(const std::optional<ReviewDue>& due) {
  if (!due) return "none";
  return FormatIsoDate(due->due_on) + " #" + std::to_string(due->number) + " from " +
         FormatIsoDate(due->period_start) + ": " + due->rule;
}

std::string Describe(const HeldReview& h) {
  const ReviewPaperwork& p = h.paperwork;
  return FormatIsoDate(h.review.on) + " due " + Describe(std::optional<ReviewDue>(h.due)) +
         (h.in_time ? " in time" : " late") + " report " +
         (p.report_working_days_before ? std::to_string(*p.report_working_days_before) : "-") +
         " recs " + (p.recommendations_on ? FormatIsoDate(*p.recommendations_on) : "-") +
         (p.recommendations_in_time ? "+" : "") + " record " +
         (p.record_on ? FormatIsoDate(*p.record_on) : "-") + (p.record_in_time ? "+" : "");
}

std::vector<ReviewSettings> SettingVariants() {
  std::vector<ReviewSettings> variants(4);
  variants[1].first_review = ReviewSettings::FirstReview::kTwentyEightDays;
  variants[2].post_move = ReviewSettings::PostMove::kTwentyWorkingDays;
  variants[2].unregistered_monthly = true;
  variants[3].post_move = ReviewSettings::PostMove::kTwentyEightDays;
  variants[3].recommendations_days_after = 2;
  variants[3].record_days_after = 10;
  return variants;
}

TEST_CASE("the review timeline answers exactly as the direct computation, every day",
          "[reviews][property]") {
  testing::CouncilOptions options;
  options.seed = 903;
  options.children = 60;
  const testing::SyntheticCouncil council = testing::GenerateCouncil(options, 2);
  const WorkingCalendar& calendar = WorkingCalendar::EnglandAndWales();
  int compared_days = 0;
  int due_days = 0;
  int reviews = 0;
  for (const ReviewSettings& settings : SettingVariants()) {
    for (const testing::SyntheticChild& child : council.children) {
      const ChildRecord direct = RecordOf(child);
      ChildRecord cached = direct;
      REQUIRE(direct.review_timeline() == nullptr);
      auto timeline = ReviewTimeline::Build(cached, settings, calendar);
      REQUIRE(timeline.ok());
      cached.set_review_timeline(*timeline);
      REQUIRE(cached.review_timeline() != nullptr);
      INFO("child " << child.child_id);

      // Every day of the history, and a little beyond.
      for (CivilDay day = options.start - 30; day <= options.end + 200; ++day) {
        auto expected = NextReviewDue(direct, day, settings, calendar);
        auto actual = NextReviewDue(cached, day, settings, calendar);
        REQUIRE(expected.ok());
        REQUIRE(actual.ok());
        if (Describe(*expected) != Describe(*actual)) {
          INFO("on " << FormatIsoDate(day));
          CHECK(Describe(*actual) == Describe(*expected));
        }
        ++compared_days;
        if (expected->has_value()) ++due_days;
      }
      for (CivilDay as_at : {CivilDay(2019, 6, 30), CivilDay(2023, 3, 31), options.end}) {
        auto expected = ReviewHistory(direct, as_at, settings, calendar);
        auto actual = ReviewHistory(cached, as_at, settings, calendar);
        REQUIRE(expected.ok());
        REQUIRE(actual.ok());
        REQUIRE(actual->size() == expected->size());
        for (size_t i = 0; i < expected->size(); ++i) {
          CHECK(Describe((*actual)[i]) == Describe((*expected)[i]));
        }
        if (as_at == options.end) reviews += static_cast<int>(expected->size());
      }

      // A timeline built for other settings is not used.
      ReviewSettings other = settings;
      other.record_days_after += 1;
      CHECK_FALSE((*timeline)->BuiltWith(other, calendar));
    }
  }
  // The comparison is not vacuous: a review is due on many of the days compared.
  CHECK(compared_days > 4 * 60 * 3800);
  CHECK(due_days > compared_days / 8);
  CHECK(reviews > 4 * 60 * 3);
}

TEST_CASE("adding an event drops the timeline, so it is never stale", "[reviews]") {
  testing::CouncilOptions options;
  options.seed = 5;
  options.children = 3;
  const testing::SyntheticCouncil council = testing::GenerateCouncil(options, 1);
  ChildRecord record = RecordOf(council.children[0]);
  auto timeline =
      ReviewTimeline::Build(record, ReviewSettings{}, WorkingCalendar::EnglandAndWales());
  REQUIRE(timeline.ok());
  record.set_review_timeline(*timeline);
  REQUIRE(record.review_timeline() != nullptr);
  record.AddStored("later", council.children[0].events.back(), record.event_count(), 1000);
  CHECK(record.review_timeline() == nullptr);
  record.set_review_timeline(*timeline);
  record.Rebuild();
  CHECK(record.review_timeline() == nullptr);
}

}  // namespace
}  // namespace footprint::projections
