// The events of a validated 903 history: one per fact, in date order, with ids that depend
// only on what they record.
#include "import903/plan.h"

#include <set>

#include "catch2/catch.hpp"
#include "eventstore/types.h"
#include "import903/validate.h"

namespace footprint::import903 {
namespace {

absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

Episode Ep(absl::CivilDay decom, const std::string& rne, const std::string& ls,
           const std::string& place, std::optional<absl::CivilDay> dec, const std::string& rec,
           const std::string& provider = "PR1", const std::string& reason = "") {
  Episode e;
  e.source = Source{"e.csv", 2, 2017};
  e.decom = decom;
  e.rne = rne;
  e.ls = ls;
  e.cin = "N1";
  e.place = place;
  e.provider = provider;
  e.dec = dec;
  e.rec = rec;
  e.reason_place_change = reason;
  e.home_post = "AB1 2CD";
  e.urn = "SC123";
  return e;
}

// The history of import903_validate_test.cc's consistent child: S, P, L, B, T, U, ended E4A,
// looked after again.
ChildReturn Child() {
  ChildReturn child;
  child.id = "K1";
  child.headers.push_back(HeaderRow{Source{"h.csv", 2, 2017}, "1", D(2010, 2, 1), "WBRI"});
  child.episodes = {
      Ep(D(2017, 5, 10), "S", "C2", "U4", D(2017, 9, 1), "X1", "PR1", "CARPL"),
      Ep(D(2017, 9, 1), "P", "C2", "U5", D(2017, 11, 1), "X1"),
      Ep(D(2017, 11, 1), "L", "C1", "U5", D(2018, 2, 1), "X1", "PR1", "ALLEG"),
      Ep(D(2018, 2, 1), "B", "J2", "K2", D(2018, 4, 1), "X1", "PR4", "PLACE"),
      Ep(D(2018, 4, 1), "T", "J2", "K2", D(2018, 6, 1), "X1", "PR4", "CARPL"),
      Ep(D(2018, 6, 1), "U", "V3", "U4", D(2018, 8, 1), "E4A"),
      Ep(D(2019, 1, 1), "S", "V2", "T1", std::nullopt, "", ""),
  };
  child.reviews = {Review{Source{"r.csv", 2, 2017}, D(2017, 6, 7), "PN1"},
                   Review{Source{"r.csv", 3, 2017}, D(2018, 8, 1), "PN3"},
                   Review{Source{"r.csv", 4, 2018}, D(2019, 1, 20), "PN5"}};
  return child;
}

// "date kind detail" for each event.
std::vector<std::string> Lines(const std::vector<PlannedEvent>& events) {
  std::vector<std::string> out;
  for (const PlannedEvent& p : events) {
    const v1::ChildEvent& e = p.event;
    std::string line = e.occurred_on() + " ";
    switch (e.body_case()) {
      case v1::ChildEvent::kPeriodOfCareStarted: {
        const auto& b = e.period_of_care_started();
        line += "started " + b.legal_status() + " " + b.placement().type() + " " +
                b.placement().provider() + " " + b.category_of_need() + " born " +
                b.date_of_birth();
        break;
      }
      case v1::ChildEvent::kLegalStatusChanged:
        line += "legal status " + e.legal_status_changed().legal_status();
        break;
      case v1::ChildEvent::kPlacementChanged: {
        const auto& b = e.placement_changed();
        line += "placement " + b.placement().type() + " " + b.placement().provider() +
                (b.carer_changed() ? " new carer" : " same carer") + " ended " +
                b.reason_for_change();
        break;
      }
      case v1::ChildEvent::kReviewHeld:
        line += "review " + e.review_held().participation() +
                (e.review_held().kind() == v1::ReviewHeld::SHORT_BREAK ? " short break" : "");
        break;
      case v1::ChildEvent::kPeriodOfCareEnded:
        line += "ended " + e.period_of_care_ended().reason();
        break;
      default:
        line += "?";
    }
    out.push_back(line);
  }
  return out;
}

TEST_CASE("a 903 history becomes one event per fact, in date order", "[import903][plan]") {
  ChildReturn child = Child();
  REQUIRE(Validate(&child, ValidationOptions{D(2026, 12, 1), {}}).reasons.empty());
  const std::vector<PlannedEvent> events = PlanEvents(child);
  CHECK(Lines(events) == std::vector<std::string>{
                             "2017-05-10 started C2 U4 PR1 N1 born 2010-02-01",
                             "2017-06-07 review PN1",
                             // the first placement ended for CARPL
                             "2017-09-01 placement U5 PR1 new carer ended CARPL",
                             "2017-11-01 legal status C1",
                             // B: both, carer changed; the L episode's reason goes on the move
                             "2018-02-01 legal status J2",
                             "2018-02-01 placement K2 PR4 new carer ended ALLEG",
                             "2018-04-01 placement K2 PR4 same carer ended PLACE",
                             "2018-06-01 legal status V3",
                             "2018-06-01 placement U4 PR1 same carer ended CARPL",
                             // short breaks (V3) since 1 June; the review before care ends
                             "2018-08-01 review PN3 short break",
                             "2018-08-01 ended E4A",
                             "2019-01-01 started V2 T1  N1 born 2010-02-01",
                             "2019-01-20 review PN5",
                         });
  for (const PlannedEvent& p : events) CHECK(p.event.child_id() == "K1");
  CHECK(events[0].event.period_of_care_started().placement().home_postcode() == "AB1 2CD");
  CHECK(events[0].event.period_of_care_started().placement().urn() == "SC123");
  CHECK(events[0].from == "e.csv:2");
  CHECK(events[1].from == "r.csv:2");
}

TEST_CASE("event ids depend only on the child, the fact, its date and its fields",
          "[import903][plan]") {
  const std::vector<PlannedEvent> first = PlanEvents(Child());
  const std::vector<PlannedEvent> again = PlanEvents(Child());
  REQUIRE(first.size() == again.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < first.size(); ++i) {
    CHECK(first[i].event_id == again[i].event_id);
    ids.insert(first[i].event_id);
  }
  CHECK(ids.size() == first.size());  // no two facts share an id
  CHECK(first[1].event_id == eventstore::EventId::FromName(
                                 kImportIdNamespace, "K1/review_held/2017-06-07/PN1|LOOKED_AFTER")
                                 .ToString());
  // The same facts read from other rows (the next year's file) keep their ids.
  ChildReturn moved = Child();
  for (Episode& e : moved.episodes) e.source.line += 100;
  for (Review& r : moved.reviews) r.source.file = "other.csv";
  const std::vector<PlannedEvent> same = PlanEvents(moved);
  REQUIRE(same.size() == first.size());
  for (size_t i = 0; i < first.size(); ++i) CHECK(same[i].event_id == first[i].event_id);
  // A corrected row on the same day (another placement; another participation code) is another
  // fact, with another id; the rest keep theirs.
  ChildReturn corrected = Child();
  REQUIRE(corrected.episodes[1].decom == D(2017, 9, 1));
  corrected.episodes[1].place = "U6";
  corrected.reviews[0].code = "PN2";
  const std::vector<PlannedEvent> changed = PlanEvents(corrected);
  REQUIRE(changed.size() == first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    INFO(i << " " << first[i].from);
    CHECK((changed[i].event_id != first[i].event_id) == (i == 1 || i == 2));
  }
  // Another child with the same history has other ids.
  ChildReturn other = Child();
  other.id = "K2";
  CHECK(PlanEvents(other)[0].event_id != first[0].event_id);
  // An extra year of returns adds events and changes none of those already planned.
  ChildReturn longer = Child();
  longer.reviews.push_back(Review{Source{"r.csv", 9, 2019}, D(2019, 7, 1), "PN1"});
  const std::vector<PlannedEvent> more = PlanEvents(longer);
  REQUIRE(more.size() == first.size() + 1);
  for (size_t i = 0; i < first.size(); ++i) CHECK(more[i].event_id == first[i].event_id);
}

TEST_CASE("a placement change without the ended placement's reason: reason_not_recorded",
          "[import903][plan]") {
  ChildReturn child = Child();
  child.episodes[3].reason_place_change.clear();  // the B placement, ended by the T of 1 April
  const Checked checked = Validate(&child, ValidationOptions{D(2026, 12, 1), {}});
  REQUIRE(checked.reasons.empty());
  REQUIRE(checked.not_recorded.size() == 1);
  const std::vector<PlannedEvent> events = PlanEvents(child);
  const std::vector<PlannedEvent> recorded = PlanEvents(Child());
  REQUIRE(events.size() == recorded.size());
  size_t changes = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const v1::ChildEvent& e = events[i].event;
    if (!e.has_placement_changed()) {
      CHECK(events[i].event_id == recorded[i].event_id);
      continue;
    }
    ++changes;
    INFO(e.occurred_on());
    const bool the_one = e.occurred_on() == "2018-04-01";
    CHECK(e.placement_changed().reason_not_recorded() == the_one);
    if (the_one) {
      CHECK(e.placement_changed().reason_for_change().empty());
      CHECK(e.placement_changed().placement().type() == "K2");
      CHECK_FALSE(e.placement_changed().carer_changed());
      // Another fact than the change recorded with its reason: another id.
      CHECK(events[i].event_id != recorded[i].event_id);
    } else {
      CHECK_FALSE(e.placement_changed().reason_for_change().empty());
      CHECK(events[i].event_id == recorded[i].event_id);
    }
  }
  CHECK(changes == 4);
}

TEST_CASE("a period whose start is not known is flagged and has another id than a known start",
          "[import903][plan]") {
  // Child()'s first episode as RNE P, open on 1 April 2017 (it began 9 Aug 2016).
  const auto before_files = [] {
    ChildReturn child = Child();
    child.episodes[0].decom = D(2016, 8, 9);
    child.episodes[0].rne = "P";
    return child;
  };
  ChildReturn child = before_files();
  REQUIRE(Validate(&child, ValidationOptions{D(2026, 12, 1), {}, 2017}).reasons.empty());
  REQUIRE(child.start_not_known);
  const std::vector<PlannedEvent> events = PlanEvents(child);
  REQUIRE(events.size() == 13);
  const v1::ChildEvent& started = events[0].event;
  REQUIRE(started.has_period_of_care_started());
  CHECK(started.occurred_on() == "2016-08-09");
  CHECK(started.period_of_care_started().start_not_known());
  CHECK(events[0].event_id ==
        eventstore::EventId::FromName(
            kImportIdNamespace,
            "K1/period_of_care_started/2016-08-09/C2|U4|PR1|AB1 2CD||SC123|N1|2010-02-01|"
            "start_not_known")
            .ToString());
  // Only the first period: the one begun 1 Jan 2019 (RNE S) is known.
  REQUIRE(events[11].event.has_period_of_care_started());
  CHECK(events[11].event.occurred_on() == "2019-01-01");
  CHECK_FALSE(events[11].event.period_of_care_started().start_not_known());

  // The same episode with its start known is another fact, with another id; the rest keep theirs.
  ChildReturn known = before_files();
  known.start_not_known = false;
  const std::vector<PlannedEvent> known_events = PlanEvents(known);
  REQUIRE(known_events.size() == events.size());
  CHECK_FALSE(known_events[0].event.period_of_care_started().start_not_known());
  CHECK(known_events[0].event_id ==
        eventstore::EventId::FromName(
            kImportIdNamespace,
            "K1/period_of_care_started/2016-08-09/C2|U4|PR1|AB1 2CD||SC123|N1|2010-02-01")
            .ToString());
  CHECK(known_events[0].event_id != events[0].event_id);
  for (size_t i = 1; i < events.size(); ++i) CHECK(known_events[i].event_id == events[i].event_id);
  // Planned again: the same ids.
  const std::vector<PlannedEvent> again = PlanEvents(child);
  REQUIRE(again.size() == events.size());
  for (size_t i = 0; i < events.size(); ++i) CHECK(again[i].event_id == events[i].event_id);
}

}  // namespace
}  // namespace footprint::import903
