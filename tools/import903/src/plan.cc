#include "import903/plan.h"

#include <algorithm>
#include <initializer_list>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/codes.h"
#include "domain/working_calendar.h"
#include "eventstore/types.h"

namespace footprint::import903 {
namespace {

namespace codes = footprint::domain::codes;

std::string Day(absl::CivilDay day) { return domain::FormatIsoDate(day); }

// The order of events on one day: what an episode starts (in the order made), then reviews,
// then the end of a period of care (a review on the last day of care is in care).
enum Rank { kEpisode = 0, kReview = 1, kEnded = 2 };

struct Dated {
  absl::CivilDay on;
  Rank rank;
  PlannedEvent planned;
};

v1::Placement PlacementOf(const Episode& e) {
  v1::Placement p;
  p.set_type(e.place);
  p.set_provider(e.provider);
  p.set_home_postcode(e.home_post);
  p.set_placement_postcode(e.pl_post);
  p.set_urn(e.urn);
  return p;
}

// An event of `child` on `on` from row `from`; its id is set by Identify once the body is built.
PlannedEvent Planned(const std::string& child, absl::CivilDay on, const Source& from) {
  PlannedEvent planned;
  planned.event.set_child_id(child);
  planned.event.set_occurred_on(Day(on));
  planned.from = absl::StrCat(from.file, ":", from.line);
  return planned;
}

// The id of a planned event: name-based, from the child, the kind of fact, its date and every
// field it records ("K1/placement_changed/2017-09-01/U5|PR1|...|CARPL|1"), so that the same
// files give the same ids and a corrected row (another placement on the same day) another one.
// The row it came from is not part of it: the same fact in the next year's file is the same.
void Identify(PlannedEvent* planned, absl::string_view kind,
              std::initializer_list<absl::string_view> fields) {
  std::string name = absl::StrCat(planned->event.child_id(), "/", kind, "/",
                                  planned->event.occurred_on(), "/", absl::StrJoin(fields, "|"));
  planned->event_id = eventstore::EventId::FromName(kImportIdNamespace, name).ToString();
}

}  // namespace

std::vector<PlannedEvent> PlanEvents(const ChildReturn& child) {
  const std::string& id = child.id;
  std::string dob;
  if (!child.headers.empty() && child.headers.front().dob) dob = Day(*child.headers.front().dob);
  std::vector<Dated> all;
  // The legal status in force from each day, for the kind of a review.
  std::vector<std::pair<absl::CivilDay, std::string>> statuses;
  const Episode* previous = nullptr;
  for (const Episode& e : child.episodes) {
    const bool starts_period =
        previous == nullptr || (previous->dec && codes::IsReasonCareEnded(previous->rec));
    if (starts_period) {
      PlannedEvent p = Planned(id, e.decom, e.source);
      auto* b = p.event.mutable_period_of_care_started();
      b->set_legal_status(e.ls);
      *b->mutable_placement() = PlacementOf(e);
      b->set_category_of_need(e.cin);
      b->set_date_of_birth(dob);
      // Only the first period can have begun before the files (Validate decides).
      const bool not_known = previous == nullptr && child.start_not_known;
      b->set_start_not_known(not_known);
      const std::string reviews_known_from =
          previous == nullptr && child.reviews_known_from ? Day(*child.reviews_known_from) : "";
      b->set_reviews_known_from(reviews_known_from);
      if (not_known) {
        Identify(&p, "period_of_care_started",
                 {e.ls, e.place, e.provider, e.home_post, e.pl_post, e.urn, e.cin, dob,
                  "start_not_known"});
      } else if (!reviews_known_from.empty()) {
        Identify(&p, "period_of_care_started",
                 {e.ls, e.place, e.provider, e.home_post, e.pl_post, e.urn, e.cin, dob,
                  "reviews_known_from=" + reviews_known_from});
      } else {
        Identify(&p, "period_of_care_started",
                 {e.ls, e.place, e.provider, e.home_post, e.pl_post, e.urn, e.cin, dob});
      }
      all.push_back({e.decom, kEpisode, std::move(p)});
      statuses.emplace_back(e.decom, e.ls);
    } else if (!e.changes_nothing) {
      const bool status = e.rne == "L" || e.rne == "B" || e.rne == "U";
      const bool placement = e.rne == "P" || e.rne == "T" || e.rne == "B" || e.rne == "U";
      if (status) {
        PlannedEvent p = Planned(id, e.decom, e.source);
        p.event.mutable_legal_status_changed()->set_legal_status(e.ls);
        Identify(&p, "legal_status_changed", {e.ls});
        all.push_back({e.decom, kEpisode, std::move(p)});
        statuses.emplace_back(e.decom, e.ls);
      }
      if (placement) {
        PlannedEvent p = Planned(id, e.decom, e.source);
        auto* b = p.event.mutable_placement_changed();
        *b->mutable_placement() = PlacementOf(e);
        b->set_reason_for_change(previous->reason_place_change);
        b->set_reason_not_recorded(previous->reason_place_change.empty());
        b->set_carer_changed(e.rne == "P" || e.rne == "B");
        Identify(&p, "placement_changed",
                 {e.place, e.provider, e.home_post, e.pl_post, e.urn, previous->reason_place_change,
                  b->carer_changed() ? "1" : "0"});
        all.push_back({e.decom, kEpisode, std::move(p)});
      }
    }
    if (e.dec && codes::IsReasonCareEnded(e.rec)) {
      PlannedEvent p = Planned(id, *e.dec, e.source);
      p.event.mutable_period_of_care_ended()->set_reason(e.rec);
      Identify(&p, "period_of_care_ended", {e.rec});
      all.push_back({*e.dec, kEnded, std::move(p)});
    }
    previous = &e;
  }
  for (const Review& r : child.reviews) {
    std::string status;
    for (const auto& [from, ls] : statuses) {
      if (from <= r.on) status = ls;
    }
    PlannedEvent p = Planned(id, r.on, r.source);
    auto* b = p.event.mutable_review_held();
    b->set_participation(r.code);
    b->set_kind(codes::IsShortBreaks(status) ? v1::ReviewHeld::SHORT_BREAK
                                             : v1::ReviewHeld::LOOKED_AFTER);
    Identify(&p, "review_held", {r.code, v1::ReviewHeld::Kind_Name(b->kind())});
    all.push_back({r.on, kReview, std::move(p)});
  }
  std::stable_sort(all.begin(), all.end(), [](const Dated& a, const Dated& b) {
    return std::tie(a.on, a.rank) < std::tie(b.on, b.rank);
  });
  std::vector<PlannedEvent> out;
  out.reserve(all.size());
  for (Dated& d : all) out.push_back(std::move(d.planned));
  return out;
}

}  // namespace footprint::import903
