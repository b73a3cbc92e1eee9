// The synthetic council generator: deterministic, every event acceptable to intake, and a
// history varied enough to exercise the reports.
#include "projections/testing/synthetic_council.h"

#include <set>

#include "catch2/catch.hpp"
#include "domain/child_record.h"
#include "domain/codes.h"
#include "domain/escalation_policy.h"
#include "domain/working_calendar.h"
#include "projections/child_stream.h"
#include "proto_bytes.h"

namespace footprint::projections::testing {

namespace codes = domain::codes;
using domain::ChildRecord;
using domain::CompleteAndValidate;
using domain::EscalationPolicy;
using domain::ParseIsoDate;
using domain::ValidationContext;
using domain::WorkingCalendar;
namespace {

using footprint::testing::DeterministicBytes;

CouncilOptions Options(uint64_t seed, int children) {
  CouncilOptions options;
  options.seed = seed;
  options.children = children;
  return options;
}

TEST_CASE("the same seed gives the same council, whatever the number of threads", "[synthetic]") {
  const SyntheticCouncil a = GenerateCouncil(Options(7, 60), 1);
  const SyntheticCouncil b = GenerateCouncil(Options(7, 60), 2);
  REQUIRE(a.children.size() == 60);
  REQUIRE(b.children.size() == 60);
  CHECK(a.stats.events == b.stats.events);
  CHECK(a.stats.events > 60 * 20);
  for (size_t c = 0; c < a.children.size(); ++c) {
    const SyntheticChild& x = a.children[c];
    const SyntheticChild& y = b.children[c];
    REQUIRE(x.child_id == y.child_id);
    REQUIRE(x.events.size() == y.events.size());
    CHECK(x.event_ids == y.event_ids);
    for (size_t i = 0; i < x.events.size(); ++i)
      CHECK(DeterministicBytes(x.events[i]) == DeterministicBytes(y.events[i]));
  }
  // One child alone is the same child as in the council.
  const SyntheticChild alone = GenerateChild(Options(7, 60), 17, nullptr);
  CHECK(alone.event_ids == a.children[17].event_ids);

  // Growing a council to a number of events gives the same children, in order.
  const SyntheticCouncil grown = GenerateCouncilWithEvents(Options(7, 0), 1000, 2);
  CHECK(grown.stats.events >= 1000);
  CHECK(grown.stats.events - grown.children.back().events.size() < 1000);
  REQUIRE(grown.children.size() <= a.children.size());
  for (size_t c = 0; c < grown.children.size(); ++c) {
    CHECK(grown.children[c].event_ids == a.children[c].event_ids);
  }

  // Another seed gives another council.
  const SyntheticCouncil other = GenerateCouncil(Options(8, 60), 2);
  size_t same = 0;
  for (size_t c = 0; c < other.children.size(); ++c) {
    if (other.children[c].events.size() == a.children[c].events.size()) ++same;
  }
  CHECK(same < 30);
  CHECK(other.children[0].event_ids.front() != a.children[0].event_ids.front());
}

TEST_CASE("every generated event passes the intake rules in order", "[synthetic]") {
  const CouncilOptions options = Options(11, 150);
  const SyntheticCouncil council = GenerateCouncil(options, 2);
  CHECK(council.stats.inconsistent == 0);
  // The generator plans around the rules; what it gets wrong is dropped, and must stay rare.
  INFO("rejected " << council.stats.rejected << " of " << council.stats.events
                   << (council.stats.rejection_samples.empty()
                           ? std::string()
                           : ", e.g. " + council.stats.rejection_samples.front()));
  CHECK(council.stats.rejected * 200 <= council.stats.events);

  const EscalationPolicy policy = EscalationPolicy::Default();
  ValidationContext context;
  context.today = options.end;
  context.policy = &policy;
  context.calendar = &WorkingCalendar::EnglandAndWales();
  std::set<std::string> ids;
  uint64_t checked = 0;
  for (const SyntheticChild& child : council.children) {
    ChildRecord record(child.child_id);
    REQUIRE(child.events.size() == child.event_ids.size());
    for (size_t i = 0; i < child.events.size(); ++i) {
      v1::ChildEvent event = child.events[i];
      const absl::Status st = CompleteAndValidate(record, &event, "event", context);
      INFO(child.child_id << " event " << i << " " << child.events[i].ShortDebugString());
      REQUIRE(st.ok());
      // Already completed: validating again changes nothing.
      CHECK(DeterministicBytes(event) == DeterministicBytes(child.events[i]));
      CHECK(event.child_id() == child.child_id);
      auto day = ParseIsoDate(event.occurred_on(), "occurred_on");
      REQUIRE(day.ok());
      CHECK(*day >= options.start);
      CHECK(*day <= options.end);
      record.Add(child.event_ids[i], event);
      REQUIRE(record.Consistency().ok());
      CHECK(ids.insert(child.event_ids[i]).second);
      ++checked;
    }
  }
  CHECK(checked == council.stats.events);
}

TEST_CASE("a synthetic council has the variety the reports need", "[synthetic]") {
  const SyntheticCouncil council = GenerateCouncil(Options(3, 300), 2);
  const GeneratorStats& s = council.stats;
  CHECK(s.children == 300);
  CHECK(s.periods_of_care > 300);  // some children come back into care
  CHECK(s.children_ever_in_s20 >= 30);
  CHECK(s.children_with_3_placements_in_a_year >= 5);
  CHECK(s.challenges >= 20);
  CHECK(s.escalations >= 3);
  for (const char* type : {"PeriodOfCareStarted",
                           "PeriodOfCareEnded",
                           "LegalStatusChanged",
                           "PlacementChanged",
                           "Section20ConsentRecorded",
                           "Section20ConsentWithdrawn",
                           "PloStarted",
                           "ProceedingsIssued",
                           "IroAllocated",
                           "ReviewHeld",
                           "SocialWorkerReportReceived",
                           "RecommendationsIssued",
                           "ReviewRecordDistributed",
                           "MidwayReviewCompleted",
                           "ChallengeRaised",
                           "ChallengeResponded",
                           "ChallengeEscalated",
                           "ChallengeResolved",
                           "ChallengeWithdrawn",
                           "CafcassReferralMade",
                           "PermanencePlanRecorded",
                           "Correction"}) {
    INFO(type);
    CHECK(s.events_by_type.count(type) == 1);
  }

  std::set<std::string> participation, legal_statuses, end_reasons, move_reasons;
  int temporary = 0, unregistered = 0, far_away = 0, same_carer = 0, informal = 0, formal = 0;
  for (const SyntheticChild& child : council.children) {
    for (const v1::ChildEvent& e : child.events) {
      if (e.has_review_held()) participation.insert(e.review_held().participation());
      if (e.has_period_of_care_started()) {
        legal_statuses.insert(e.period_of_care_started().legal_status());
      }
      if (e.has_legal_status_changed())
        legal_statuses.insert(e.legal_status_changed().legal_status());
      if (e.has_period_of_care_ended()) end_reasons.insert(e.period_of_care_ended().reason());
      if (e.has_placement_changed()) {
        const auto& m = e.placement_changed();
        move_reasons.insert(m.reason_for_change());
        temporary += codes::IsTemporaryPlacement(m.placement().type()) ? 1 : 0;
        unregistered += m.placement().registration() == v1::Placement::UNREGISTERED ? 1 : 0;
        far_away += m.placement().has_distance_miles() && m.placement().distance_miles() > 20;
        same_carer += m.carer_changed() ? 0 : 1;
      }
      if (e.has_challenge_raised()) {
        (e.challenge_raised().stage().number() == 0 ? informal : formal) += 1;
        CHECK(!e.challenge_raised().response_due_on().empty());  // filled on intake
        CHECK(!e.challenge_raised().stage().name().empty());
      }
    }
  }
  CHECK(participation.size() == 8);  // PN0 (under 4s) to PN7
  for (const char* status : {"C1", "C2", "E1", "V2", "V3"})
    CHECK(legal_statuses.count(status) == 1);
  CHECK(end_reasons.size() >= 8);
  CHECK(move_reasons.size() >= 8);
  CHECK(temporary > 0);
  CHECK(unregistered > 0);
  CHECK(far_away > 0);
  CHECK(same_carer > 0);
  CHECK(informal > formal);
  CHECK(formal > 0);
}

TEST_CASE("append requests keep each child's order and expected versions", "[synthetic]") {
  const SyntheticCouncil council = GenerateCouncil(Options(5, 40), 1);
  for (AppendOrder order : {AppendOrder::kByDate, AppendOrder::kByChild}) {
    const auto requests = ToAppendRequests(council, order, 100);
    std::map<std::string, uint64_t> next_version;
    uint64_t events = 0;
    std::string last_day;
    for (const auto& request : requests) {
      REQUIRE(!request.events.empty());
      CHECK(request.events.size() <= 100);
      const uint64_t expected = next_version[request.stream];
      if (expected == 0) {
        CHECK(request.expected == eventstore::ExpectedVersion::NoStream());
      } else {
        CHECK(request.expected ==
              eventstore::ExpectedVersion::Exact(eventstore::StreamVersion{expected - 1}));
      }
      next_version[request.stream] = expected + request.events.size();
      events += request.events.size();
      for (const auto& e : request.events) {
        CHECK(e.content_type == v1::CONTENT_TYPE_PROTOBUF);
        CHECK(!e.id.empty());
        CHECK(!e.type.empty());
      }
      if (order == AppendOrder::kByDate) {
        v1::ChildEvent first;
        REQUIRE(first.ParseFromString(request.events.front().data));
        CHECK(first.occurred_on() >= last_day);  // ISO dates sort as text
        last_day = first.occurred_on();
      }
    }
    CHECK(events == council.stats.events);
    CHECK(next_version.size() == council.children.size());
  }
  const auto news = ToNewEvents(council.children[0], council.options);
  REQUIRE(news.size() == council.children[0].events.size());
  CHECK(news[0].id == SyntheticEventId(5, council.children[0].child_id, 0));
  CHECK(news[0].type == "PeriodOfCareStarted");
}

}  // namespace
}  // namespace footprint::projections::testing
