#include "import903/plan.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "eventstore/types.h"
#include "projections/codes.h"
#include "projections/working_calendar.h"

namespace footprint::import903 {
namespace {

namespace codes = footprint::projections::codes;

std::string Day(absl::CivilDay day) { return projections::FormatIsoDate(day); }

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

PlannedEvent Planned(const std::string& child, absl::CivilDay on, absl::string_view kind,
                     const Source& from) {
  PlannedEvent planned;
  planned.event_id = eventstore::EventId::FromName(kImportIdNamespace,
                                                   absl::StrCat(child, "/", kind, "/", Day(on)))
                         .ToString();
  planned.event.set_child_id(child);
  planned.event.set_occurred_on(Day(on));
  planned.from = absl::StrCat(from.file, ":", from.line);
  return planned;
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
      PlannedEvent p = Planned(id, e.decom, "period_of_care_started", e.source);
      auto* b = p.event.mutable_period_of_care_started();
      b->set_legal_status(e.ls);
      *b->mutable_placement() = PlacementOf(e);
      b->set_category_of_need(e.cin);
      b->set_date_of_birth(dob);
      all.push_back({e.decom, kEpisode, std::move(p)});
      statuses.emplace_back(e.decom, e.ls);
    } else {
      const bool status = e.rne == "L" || e.rne == "B" || e.rne == "U";
      const bool placement = e.rne == "P" || e.rne == "T" || e.rne == "B" || e.rne == "U";
      if (status) {
        PlannedEvent p = Planned(id, e.decom, "legal_status_changed", e.source);
        p.event.mutable_legal_status_changed()->set_legal_status(e.ls);
        all.push_back({e.decom, kEpisode, std::move(p)});
        statuses.emplace_back(e.decom, e.ls);
      }
      if (placement) {
        PlannedEvent p = Planned(id, e.decom, "placement_changed", e.source);
        auto* b = p.event.mutable_placement_changed();
        *b->mutable_placement() = PlacementOf(e);
        b->set_reason_for_change(previous->reason_place_change);
        b->set_carer_changed(e.rne == "P" || e.rne == "B");
        all.push_back({e.decom, kEpisode, std::move(p)});
      }
    }
    if (e.dec && codes::IsReasonCareEnded(e.rec)) {
      PlannedEvent p = Planned(id, *e.dec, "period_of_care_ended", e.source);
      p.event.mutable_period_of_care_ended()->set_reason(e.rec);
      all.push_back({*e.dec, kEnded, std::move(p)});
    }
    previous = &e;
  }
  for (const Review& r : child.reviews) {
    std::string status;
    for (const auto& [from, ls] : statuses) {
      if (from <= r.on) status = ls;
    }
    PlannedEvent p = Planned(id, r.on, "review_held", r.source);
    auto* b = p.event.mutable_review_held();
    b->set_participation(r.code);
    b->set_kind(codes::IsShortBreaks(status) ? v1::ReviewHeld::SHORT_BREAK
                                             : v1::ReviewHeld::LOOKED_AFTER);
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
