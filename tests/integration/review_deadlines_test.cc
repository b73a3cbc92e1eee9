// Review and paperwork deadlines on a real store with a manual clock: a review overdue and
// paperwork overdue are recorded once each, on the day they were missed. Every date below was
// counted by hand on the England & Wales calendar (day 0 is the trigger day).
#include "workflow/review_deadlines.h"

#include <algorithm>
#include <map>
#include <memory>

#include "catch2/catch.hpp"
#include "domain/child_record.h"
#include "eventstore/event_store.h"
#include "eventstore/testing/manual_clock.h"
#include "projections/child_stream.h"
#include "services/child_recorder.h"
#include "temp_dir.h"
#include "workflow/deadlines.h"

namespace footprint::services {
namespace {

namespace pj = footprint::projections;
using footprint::testing::ManualClock;
using footprint::testing::TempDir;

absl::Time Utc(int y, int m, int d, int hh, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

struct Missed {
  std::string what;
  std::string occurred_on;
  std::string due_on;
  std::string review_date;
  std::string rule;
  bool operator==(const Missed& o) const {
    return what == o.what && occurred_on == o.occurred_on && due_on == o.due_on &&
           review_date == o.review_date;
  }
};

std::ostream& operator<<(std::ostream& os, const Missed& m) {
  return os << "{" << m.what << " on " << m.occurred_on << ", due " << m.due_on << ", review "
            << m.review_date << "}";
}

// What the engine has pending, as "key due YYYY-MM-DD" lines.
std::vector<std::string> PendingLines(const workflow::DeadlineEngine& engine) {
  std::vector<std::string> lines;
  for (const auto& d : engine.Pending()) {
    lines.push_back(d.key + " due " + domain::FormatIsoDate(d.due_on));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

struct Reviews {
  TempDir dir;
  ManualClock clock{Utc(2026, 4, 2, 9)};
  domain::EscalationPolicy policy = domain::EscalationPolicy::Default();
  const domain::WorkingCalendar& calendar = domain::WorkingCalendar::EnglandAndWales();
  domain::ReviewSettings settings;
  std::unique_ptr<eventstore::EventStore> store;
  std::unique_ptr<ChildRecorder> recorder;
  std::unique_ptr<workflow::ReviewDeadlines> source;
  std::unique_ptr<workflow::DeadlineEngine> engine;

  Reviews() {
    eventstore::StoreOptions options;
    options.data_dir = dir.Sub("data");
    options.clock = &clock;
    auto opened = eventstore::EventStore::Open(options);
    REQUIRE(opened.ok());
    store = std::move(*opened);
    recorder = std::make_unique<ChildRecorder>(store.get(), &clock, &policy, &calendar);
    NewEngine();
  }

  // A fresh engine, as after a restart: it learns everything from the log.
  void NewEngine() {
    source =
        std::make_unique<workflow::ReviewDeadlines>(store.get(), &settings, &policy, &calendar);
    engine = std::make_unique<workflow::DeadlineEngine>(store.get(), &clock);
    engine->AddSource(source.get());
  }

  // Records `event` as a council system would on the day it happened (the clock moves forward
  // to that day when it is behind).
  void Record(const std::string& child, v1::ChildEvent event) {
    auto day = domain::ParseIsoDate(event.occurred_on(), "occurred_on");
    REQUIRE(day.ok());
    if (absl::FromCivil(*day, absl::UTCTimeZone()) + absl::Hours(12) > clock.Now()) {
      clock.Set(absl::FromCivil(*day, absl::UTCTimeZone()) + absl::Hours(12));
    }
    auto outcome = recorder->Record(
        child,
        [&](const domain::ChildRecord&) -> absl::StatusOr<std::vector<Submission>> {
          return std::vector<Submission>{Submission{"", event}};
        },
        Recorder{"test", "iro-7", "", ""});
    INFO(outcome.status().ToString());
    REQUIRE(outcome.ok());
  }

  void StartCare(const std::string& child, const std::string& date) {
    v1::ChildEvent e;
    e.set_occurred_on(date);
    auto* b = e.mutable_period_of_care_started();
    b->set_legal_status("C2");
    b->mutable_placement()->set_type("U1");
    b->mutable_placement()->set_provider("PR1");
    b->set_category_of_need("N1");
    b->set_date_of_birth("2012-03-04");
    Record(child, e);
  }

  void Review(const std::string& child, const std::string& date) {
    v1::ChildEvent e;
    e.set_occurred_on(date);
    e.mutable_review_held()->set_participation("PN1");
    Record(child, e);
  }

  void Recommendations(const std::string& child, const std::string& review, const std::string& on) {
    v1::ChildEvent e;
    e.set_occurred_on(on);
    e.mutable_recommendations_issued()->set_review_date(review);
    Record(child, e);
  }

  // An engine of its own over the same store, reading every record from the stream.
  struct Reading {
    explicit Reading(Reviews& r) : reviews(r) {}
    std::vector<std::string> Pending() {
      workflow::ReviewDeadlines source(reviews.store.get(), &reviews.settings, &reviews.policy,
                                       &reviews.calendar);
      workflow::DeadlineEngine engine(reviews.store.get(), &reviews.clock);
      engine.AddSource(&source);
      REQUIRE(engine.CatchUp().ok());
      CHECK(source.record_reads().from_read_model == 0);
      return PendingLines(engine);
    }
    Reviews& reviews;
  };

  int Fire() {
    auto fired = engine->FireDue();
    INFO(fired.status().ToString());
    REQUIRE(fired.ok());
    return *fired;
  }

  std::vector<Missed> MissedLog(const std::string& child) {
    std::vector<Missed> out;
    auto events = store->ReadAllEvents(eventstore::GlobalPosition{0}, {}, {});
    REQUIRE(events.ok());
    for (const auto& e : *events) {
      if (e.type() != "DeadlineMissed" || e.stream() != domain::ChildStream(child)) continue;
      v1::ChildEvent body;
      REQUIRE(body.ParseFromString(e.data()));
      const auto& m = body.deadline_missed();
      out.push_back(Missed{m.what(), body.occurred_on(), m.due_on(), m.review_date(), m.rule()});
    }
    return out;
  }
};

TEST_CASE("review deadlines take the read model's record when it is up to date, else the stream",
          "[review-deadlines]") {
  // The server gives ReviewDeadlines the `children` read model's records, so that a child's
  // events are not read back from the store once more for each batch. Here the read model is a
  // map the test fills; a second engine without it reads the stream, and both must agree.
  Reviews r;
  std::map<std::string, std::shared_ptr<const domain::ChildRecord>> model;
  const workflow::ReviewDeadlines::RecordLookup from_model =
      [&model](const std::string& child) -> std::shared_ptr<const domain::ChildRecord> {
    auto it = model.find(child);
    return it == model.end() ? nullptr : it->second;
  };
  r.source->SetRecordLookup(from_model);
  const auto model_is_current = [&](const std::string& child) {
    auto stored = pj::LoadChildRecord(*r.store, child);
    REQUIRE(stored.ok());
    model[child] = std::make_shared<const domain::ChildRecord>(std::move(*stored));
  };
  Reviews::Reading plain(r);

  // Care from Mon 2 Mar 2026: the first review is due within 20 working days.
  r.StartCare("A1", "2026-03-02");
  model_is_current("A1");
  REQUIRE(r.engine->CatchUp().ok());
  CHECK(r.source->record_reads().from_read_model == 1);
  CHECK(r.source->record_reads().from_store == 0);
  CHECK_FALSE(PendingLines(*r.engine).empty());
  CHECK(PendingLines(*r.engine) == plain.Pending());

  // A review held on 20 Mar moves the next one; the read model has not seen it yet, so the
  // stream is read (taking the stale record would keep the first review's deadline).
  r.Review("A1", "2026-03-20");
  REQUIRE(r.engine->CatchUp().ok());
  CHECK(r.source->record_reads().from_read_model == 1);
  CHECK(r.source->record_reads().from_store == 1);
  CHECK(PendingLines(*r.engine) == plain.Pending());

  // Once the read model has caught up, it serves again.
  r.Recommendations("A1", "2026-03-20", "2026-03-23");
  model_is_current("A1");
  REQUIRE(r.engine->CatchUp().ok());
  CHECK(r.source->record_reads().from_read_model == 2);
  CHECK(r.source->record_reads().from_store == 1);
  CHECK(PendingLines(*r.engine) == plain.Pending());

  // A read model that catches up while the source waits for it (as the projection worker does
  // while the runner waits, once per batch) serves the batch.
  std::vector<uint64_t> awaited;
  r.source->SetRecordLookup(from_model, [&](uint64_t end) {
    awaited.push_back(end);
    model_is_current("A1");
  });
  r.Review("A1", "2026-06-10");
  REQUIRE(r.engine->CatchUp().ok());
  CHECK(awaited == std::vector<uint64_t>{r.store->CommittedEnd().value});
  CHECK(r.source->record_reads().from_read_model == 3);
  CHECK(r.source->record_reads().from_store == 1);
  CHECK(PendingLines(*r.engine) == plain.Pending());
}

TEST_CASE("a first review missed after the Easter and May bank holidays is recorded once",
          "[review_deadlines]") {
  Reviews r;
  // Looked after Thu 2 April 2026 (day 0). Good Friday 3 April and Easter Monday 6 April are
  // not working days: Tue 7 April is working day 1, Fri 1 May day 19, Mon 4 May is the Early
  // May bank holiday, so Tue 5 May is day 20: the first review is due Tue 5 May 2026.
  r.StartCare("A1", "2026-04-02");
  r.clock.Set(Utc(2026, 5, 5, 22, 59));  // 23:59 BST on the due date: still in time
  CHECK(r.Fire() == 0);
  REQUIRE(r.engine->NextDue().has_value());
  CHECK(*r.engine->NextDue() == Utc(2026, 5, 5, 23, 0));  // 00:00 BST on Wed 6 May
  r.clock.Set(Utc(2026, 5, 5, 23, 0));
  CHECK(r.Fire() == 1);
  const std::vector<Missed> expected = {{"review", "2026-05-06", "2026-05-05", "", ""}};
  CHECK(r.MissedLog("A1") == expected);
  CHECK(r.MissedLog("A1")[0].rule == "1st review: 20 working days from 2026-04-02");

  // Again, and after a restart that learns everything from the log: nothing more.
  r.clock.Set(Utc(2026, 5, 20, 9));
  CHECK(r.Fire() == 0);
  r.NewEngine();
  CHECK(r.Fire() == 0);
  CHECK(r.engine->stats().already == 0);
  CHECK(r.MissedLog("A1").size() == 1);
}

TEST_CASE("a late review re-anchors the next deadline and its paperwork is chased",
          "[review_deadlines]") {
  Reviews r;
  r.StartCare("A1", "2026-04-02");
  r.clock.Set(Utc(2026, 5, 7, 9));
  CHECK(r.Fire() == 1);  // the first review (due Tue 5 May) missed on Wed 6 May
  // The review is held late, on Thu 7 May. The second is due 3 months later, Fri 7 August.
  // Recommendations: 5 working days -> Thu 14 May (8, 11, 12, 13, 14), missed Fri 15 May.
  // Record: 20 working days, Spring bank holiday Mon 25 May skipped -> Fri 5 June (day 20),
  // missed at the start of Mon 8 June.
  r.Review("A1", "2026-05-07");
  r.Recommendations("A1", "2026-05-07", "2026-05-13");
  r.clock.Set(Utc(2026, 6, 7, 22, 59));  // Sun 7 June 23:59 BST
  CHECK(r.Fire() == 0);
  r.clock.Set(Utc(2026, 6, 7, 23, 0));  // Mon 8 June 00:00 BST
  CHECK(r.Fire() == 1);
  // Sat 8 August begins: the second review (due Fri 7 August) is missed, weekend or not.
  r.clock.Set(Utc(2026, 8, 7, 23, 0));
  CHECK(r.Fire() == 1);
  const std::vector<Missed> expected = {
      {"review", "2026-05-06", "2026-05-05", "", ""},
      {"review_record", "2026-06-08", "2026-06-05", "2026-05-07", ""},
      {"review", "2026-08-08", "2026-08-07", "", ""},
  };
  CHECK(r.MissedLog("A1") == expected);
  CHECK(r.MissedLog("A1")[1].rule ==
        "review record distributed within 20 working days of the review on 2026-05-07");
  CHECK(r.MissedLog("A1")[2].rule == "2nd review: 3 months after the review on 2026-05-07");
}

TEST_CASE("deadlines missed during an outage are recorded in order when the engine starts",
          "[review_deadlines]") {
  Reviews r;
  r.StartCare("A1", "2026-04-02");
  r.Review("A1", "2026-04-30");  // in time (due 5 May); no paperwork recorded
  r.StartCare("B2", "2026-04-02");
  r.Review("B2", "2026-05-01");
  r.Recommendations("B2", "2026-05-01", "2026-05-05");
  // Down until 1 September. A1 (review Thu 30 April): recommendations within 5 working days,
  // 1 May (1), Early May holiday 4 May, 5 (2), 6 (3), 7 (4), Fri 8 May (5), missed Mon 11 May;
  // record within 20: ... 22 May (15), Spring holiday 25 May, 26-29 May (16-19), Mon 1 June
  // (20), missed Tue 2 June; 2nd review 3 months after 30 April: Thu 30 July, missed Fri 31 July.
  // B2 (review Fri 1 May, recommendations recorded): record 5 May (1) ... 29 May (18), 1 June
  // (19), Tue 2 June (20), missed Wed 3 June; 2nd review Sat 1 August, missed Sun 2 August.
  r.NewEngine();
  r.clock.Set(Utc(2026, 9, 1, 9));
  CHECK(r.Fire() == 5);
  const std::vector<Missed> a1 = {
      {"review_recommendations", "2026-05-11", "2026-05-08", "2026-04-30", ""},
      {"review_record", "2026-06-02", "2026-06-01", "2026-04-30", ""},
      {"review", "2026-07-31", "2026-07-30", "", ""},
  };
  const std::vector<Missed> b2 = {
      {"review_record", "2026-06-03", "2026-06-02", "2026-05-01", ""},
      {"review", "2026-08-02", "2026-08-01", "", ""},
  };
  CHECK(r.MissedLog("A1") == a1);
  CHECK(r.MissedLog("B2") == b2);
  // Both second reviews are still outstanding, but each was recorded as missed once.
  CHECK(r.Fire() == 0);
  CHECK(r.engine->Pending().empty());
}

TEST_CASE("a review held in time, or care ending, leaves nothing to record", "[review_deadlines]") {
  Reviews r;
  r.StartCare("A1", "2026-04-02");
  r.Review("A1", "2026-05-05");  // on the due date: in time
  r.Recommendations("A1", "2026-05-05", "2026-05-06");
  v1::ChildEvent record;
  record.set_occurred_on("2026-05-20");
  record.mutable_review_record_distributed()->set_review_date("2026-05-05");
  r.Record("A1", record);
  v1::ChildEvent end;
  end.set_occurred_on("2026-06-30");
  end.mutable_period_of_care_ended()->set_reason("E4A");
  r.clock.Set(Utc(2026, 6, 30, 9));
  r.Record("A1", end);
  r.clock.Set(Utc(2027, 1, 4, 9));
  CHECK(r.Fire() == 0);
  CHECK(r.MissedLog("A1").empty());
  CHECK(r.engine->Pending().empty());
}

TEST_CASE("the post-move setting brings the review deadline forward", "[review_deadlines]") {
  Reviews r;
  r.settings.post_move = domain::ReviewSettings::PostMove::kTwentyEightDays;
  r.StartCare("A1", "2026-04-02");
  r.clock.Set(Utc(2026, 5, 1, 9));
  r.Review("A1", "2026-04-30");
  r.Recommendations("A1", "2026-04-30", "2026-05-01");
  v1::ChildEvent record;
  record.set_occurred_on("2026-05-01");
  record.mutable_review_record_distributed()->set_review_date("2026-04-30");
  r.Record("A1", record);
  // Moved on Mon 1 June: a review within 28 days, by Mon 29 June, instead of 3 months after
  // 30 April (Thu 30 July).
  v1::ChildEvent move;
  move.set_occurred_on("2026-06-01");
  auto* p = move.mutable_placement_changed();
  p->mutable_placement()->set_type("U3");
  p->mutable_placement()->set_provider("PR4");
  p->set_reason_for_change("CARPL");
  p->set_carer_changed(true);
  r.clock.Set(Utc(2026, 6, 1, 9));
  r.Record("A1", move);
  r.clock.Set(Utc(2026, 6, 29, 23, 0));  // 00:00 BST Tue 30 June
  CHECK(r.Fire() == 1);
  const std::vector<Missed> expected = {{"review", "2026-06-30", "2026-06-29", "", ""}};
  CHECK(r.MissedLog("A1") == expected);
  CHECK(r.MissedLog("A1")[0].rule == "2nd review: 28 days after the placement move on 2026-06-01");
}

}  // namespace
}  // namespace footprint::services
