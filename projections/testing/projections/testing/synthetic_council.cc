#include "projections/testing/synthetic_council.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/mutex.h"
#include "domain/child_record.h"
#include "domain/codes.h"
#include "domain/escalation_policy.h"
#include "domain/review_schedule.h"
#include "domain/working_calendar.h"
#include "eventstore/types.h"
#include "projections/child_stream.h"

namespace footprint::projections::testing {

namespace codes = domain::codes;
using domain::ChallengeState;
using domain::ChildRecord;
using domain::ChildStream;
using domain::CompleteAndValidate;
using domain::EscalationPolicy;
using domain::EventTypeOf;
using domain::FormatIsoDate;
using domain::IroAllocation;
using domain::NextReviewDue;
using domain::ParseIsoDate;
using domain::PlacementSpan;
using domain::ReviewSettings;
using domain::ValidationContext;
using domain::WorkingCalendar;
namespace {

constexpr char kIdNamespace[] = "footprint/synthetic-council";
constexpr size_t kMaxRejectionSamples = 20;

// SplitMix64: seeds the per-child generators from (seed, index).
uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256**: small, fast, and the same on every platform (unlike std's distributions).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) word = SplitMix64(&seed);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double Real() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi] (inclusive).
  int Int(int lo, int hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(double p) { return Real() < p; }
  // Exponentially distributed number of days with the given mean (at least 1).
  int ExpDays(double mean) {
    const double u = 1.0 - Real();  // (0, 1]
    const double days = -std::log(u) * mean;
    return static_cast<int>(std::clamp(days, 1.0, 20000.0));
  }
  // One of `choices`, by weight.
  template <typename T>
  T Weighted(std::initializer_list<std::pair<T, int>> choices) {
    int total = 0;
    for (const auto& c : choices) total += c.second;
    int pick = Int(0, total - 1);
    for (const auto& c : choices) {
      if (pick < c.second) return c.first;
      pick -= c.second;
    }
    return choices.begin()->first;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// What the child's period of care is heading for; decides its legal route and how it ends.
enum class Trajectory {
  kShort,       // weeks to months, then home
  kReturnHome,  // months to two years, then home (sometimes placed with parents first)
  kAdoption,    // care order, placement order, adoption placement, adopted
  kSpecialGuardianship,
  kLongTerm,        // until 18
  kSection20Drift,  // stays in section 20 for a long time
  kShortBreaks,     // V3/V4 series of short breaks
};

bool IsAdoptionPlacement(absl::string_view type) {
  return type == "A3" || type == "A4" || type == "A5" || type == "A6";
}

bool IsFosterPlacement(absl::string_view type) { return type.size() == 2 && type[0] == 'U'; }

const char* const kIssues[] = {
    "No pre-meeting report from the social worker",
    "Special guardianship assessment drifting",
    "Life-story work not started",
    "Placement with parents regulations not followed",
    "Safeguarding concerns in the placement",
    "Changes to family time made without review",
    "Care plan not updated after the last review",
};

class ChildSimulator {
 public:
  ChildSimulator(const CouncilOptions& options, int index)
      : o_(options),
        rng_(ChildSeed(options.seed, index)),
        id_(SyntheticChildId(options, index)),
        record_(id_),
        policy_(EscalationPolicy::Default()),
        calendar_(WorkingCalendar::EnglandAndWales()) {
    ctx_.today = o_.end;
    ctx_.policy = &policy_;
    ctx_.calendar = &calendar_;
    ctx_.system = false;
    out_.child_id = id_;
    stats_.children = 1;
  }

  SyntheticChild Run(GeneratorStats* stats) {
    const int span = static_cast<int>(o_.end - o_.start);
    const absl::CivilDay first_entry = o_.start + rng_.Int(0, std::max(0, span - 7));
    const int age = rng_.Weighted<int>({{0, 20},
                                        {1, 5},
                                        {2, 5},
                                        {3, 5},
                                        {4, 4},
                                        {5, 4},
                                        {6, 4},
                                        {7, 4},
                                        {8, 4},
                                        {9, 4},
                                        {10, 5},
                                        {11, 5},
                                        {12, 6},
                                        {13, 6},
                                        {14, 7},
                                        {15, 7},
                                        {16, 6},
                                        {17, 3}});
    dob_ = first_entry - (age * 365 + age / 4) - rng_.Int(0, 364);
    if (dob_ > first_entry) dob_ = first_entry;
    home_postcode_ = absl::StrFormat("S%d %d%c%c", rng_.Int(1, 99), rng_.Int(1, 9),
                                     'A' + rng_.Int(0, 25), 'A' + rng_.Int(0, 25));
    At(first_entry, [this](absl::CivilDay day) { StartPeriod(day); });
    while (!agenda_.empty()) {
      auto it = agenda_.begin();
      now_ = it->first.first;
      Action action = std::move(it->second);
      agenda_.erase(it);
      action(now_);
    }
    Summarize();
    if (stats != nullptr) stats->Merge(stats_);
    return std::move(out_);
  }

 private:
  using Action = std::function<void(absl::CivilDay)>;

  static uint64_t ChildSeed(uint64_t seed, int index) {
    uint64_t state = seed ^ (0xd1b54a32d192ed03ULL * (static_cast<uint64_t>(index) + 1));
    return SplitMix64(&state);
  }

  // Schedules `action` on `day` (after everything already scheduled that day); nothing
  // happens after the end of the history.
  void At(absl::CivilDay day, Action action) {
    if (day > o_.end) return;
    if (day < now_) day = now_;  // the simulation never goes back in time
    agenda_.emplace(std::make_pair(day, seq_++), std::move(action));
  }

  bool InPeriod(int period) const { return in_care_ && period_ == period; }

  int AgeOn(absl::CivilDay day) const {
    int age = static_cast<int>(day.year() - dob_.year());
    if (day.month() < dob_.month() || (day.month() == dob_.month() && day.day() < dob_.day())) {
      --age;
    }
    return age;
  }

  absl::CivilDay Birthday(int age) const {
    // 29 February birthdays fall on 1 March in other years (CivilDay normalises).
    return absl::CivilDay(dob_.year() + age, dob_.month(), dob_.day());
  }

  absl::CivilDay AddWorkingDays(absl::CivilDay day, int n) const {
    auto result = calendar_.AddWorkingDays(day, n);
    if (result.ok()) return *result;
    return day + (n * 7) / 5;  // outside the calendar: roughly right, and never emitted
  }

  bool IsWorkingDay(absl::CivilDay day) const {
    auto working = calendar_.IsWorkingDay(day);
    return working.ok() && *working;
  }

  // Validates `event` as the service would and keeps it (completed) if it passes.
  bool Emit(absl::CivilDay day, v1::ChildEvent event) {
    event.set_child_id(id_);
    event.set_occurred_on(FormatIsoDate(day));
    if (absl::Status st = CompleteAndValidate(record_, &event, "event", ctx_); !st.ok()) {
      ++stats_.rejected;
      Sample(st.ToString());
      return false;
    }
    const std::string event_id = SyntheticEventId(o_.seed, id_, out_.events.size());
    record_.Add(event_id, event);
    if (absl::Status st = record_.Consistency(); !st.ok()) {
      ++stats_.inconsistent;
      Sample(st.ToString());
      ChildRecord rebuilt(id_);
      for (size_t i = 0; i < out_.events.size(); ++i) {
        rebuilt.AddStored(out_.event_ids[i], out_.events[i], i, 0);
      }
      rebuilt.Rebuild();
      record_ = std::move(rebuilt);
      return false;
    }
    out_.events.push_back(std::move(event));
    out_.event_ids.push_back(event_id);
    return true;
  }

  void Sample(const std::string& message) {
    if (stats_.rejection_samples.size() < kMaxRejectionSamples) {
      stats_.rejection_samples.push_back(
          absl::StrCat(id_, " on ", FormatIsoDate(now_), ": ", message));
    }
  }

  // --- Periods of care -----------------------------------------------------------------------

  Trajectory ChooseTrajectory(int age) {
    using T = Trajectory;
    if (age < 4) {
      return rng_.Weighted<T>({{T::kShort, 20},
                               {T::kReturnHome, 20},
                               {T::kAdoption, 35},
                               {T::kSpecialGuardianship, 15},
                               {T::kLongTerm, 10}});
    }
    if (age < 11) {
      return rng_.Weighted<T>({{T::kShort, 20},
                               {T::kReturnHome, 25},
                               {T::kSpecialGuardianship, 15},
                               {T::kLongTerm, 30},
                               {T::kSection20Drift, 5},
                               {T::kShortBreaks, 5}});
    }
    if (age < 16) {
      return rng_.Weighted<T>({{T::kShort, 25},
                               {T::kReturnHome, 20},
                               {T::kSpecialGuardianship, 5},
                               {T::kLongTerm, 35},
                               {T::kSection20Drift, 10},
                               {T::kShortBreaks, 5}});
    }
    return rng_.Weighted<T>(
        {{T::kShort, 30}, {T::kReturnHome, 10}, {T::kLongTerm, 40}, {T::kSection20Drift, 20}});
  }

  std::string InitialLegalStatus(Trajectory t, int age) {
    using T = Trajectory;
    switch (t) {
      case T::kShort:
        return age >= 10
                   ? rng_.Weighted<std::string>(
                         {{"V2", 55}, {"L1", 15}, {"L2", 10}, {"C1", 15}, {"J2", 5}})
                   : rng_.Weighted<std::string>({{"V2", 55}, {"L1", 20}, {"L2", 10}, {"C1", 15}});
      case T::kReturnHome:
        return rng_.Chance(0.5) ? "V2" : "C1";
      case T::kAdoption:
        return rng_.Chance(0.8) ? "C1" : "L2";
      case T::kSpecialGuardianship:
        return rng_.Chance(0.85) ? "C1" : "C2";
      case T::kLongTerm:
        return age >= 12
                   ? rng_.Weighted<std::string>({{"C1", 55}, {"V2", 30}, {"C2", 10}, {"J1", 5}})
                   : rng_.Weighted<std::string>({{"C1", 58}, {"V2", 30}, {"C2", 12}});
      case T::kSection20Drift:
        return "V2";
      case T::kShortBreaks:
        return rng_.Chance(0.7) ? "V3" : "V4";
    }
    return "V2";
  }

  v1::Placement ChoosePlacement(absl::CivilDay day, int age, bool allow_with_parents) {
    std::string type;
    if (allow_with_parents) {
      type = "P1";
    } else if (age < 5) {
      type = rng_.Weighted<std::string>(
          {{"U1", 15}, {"U2", 10}, {"U3", 15}, {"U4", 35}, {"U5", 15}, {"U6", 10}});
    } else if (age < 12) {
      type = rng_.Weighted<std::string>({{"U1", 10},
                                         {"U2", 5},
                                         {"U3", 10},
                                         {"U4", 30},
                                         {"U5", 15},
                                         {"U6", 10},
                                         {"K2", 10},
                                         {"S1", 3},
                                         {"R1", 2},
                                         {"Z1", 2}});
    } else if (age < 16) {
      type = rng_.Weighted<std::string>({{"U1", 8},
                                         {"U3", 8},
                                         {"U4", 25},
                                         {"U5", 12},
                                         {"U6", 8},
                                         {"K2", 25},
                                         {"K1", 2},
                                         {"S1", 5},
                                         {"R1", 2},
                                         {"R5", 2},
                                         {"Z1", 3}});
    } else {
      const std::string supported = day >= absl::CivilDay(2024, 4, 1) ? "K3" : "H5";
      type = rng_.Weighted<std::string>({{"U4", 20},
                                         {"U5", 10},
                                         {"U6", 10},
                                         {"K2", 20},
                                         {supported, 30},
                                         {"P2", 5},
                                         {"R5", 2},
                                         {"Z1", 3}});
    }
    return MakePlacement(type);
  }

  v1::Placement MakePlacement(const std::string& type) {
    v1::Placement p;
    p.set_type(type);
    if (codes::PlacementNeedsProvider(type)) {
      std::string provider;
      if (type == "P1") {
        provider = "PR0";
      } else if (IsFosterPlacement(type)) {
        provider = rng_.Weighted<std::string>({{"PR1", 60}, {"PR4", 30}, {"PR5", 10}});
      } else if (IsAdoptionPlacement(type)) {
        provider = rng_.Weighted<std::string>({{"PR1", 60}, {"PR2", 25}, {"PR5", 15}});
      } else if (type == "R5" || type == "R1" || type == "R2") {
        provider = "PR3";
      } else if (type == "K1") {
        provider = rng_.Chance(0.5) ? "PR1" : "PR2";
      } else {
        provider = rng_.Weighted<std::string>({{"PR1", 25}, {"PR4", 60}, {"PR5", 15}});
      }
      p.set_provider(provider);
    }
    p.set_registration(rng_.Chance(0.9) ? v1::Placement::REGISTERED
                                        : v1::Placement::REGISTRATION_UNSPECIFIED);
    if (rng_.Chance(0.85)) {
      const int band = rng_.Weighted<int>({{0, 70}, {1, 20}, {2, 10}});
      const int tenths = band == 0   ? rng_.Int(0, 100)
                         : band == 1 ? rng_.Int(101, 200)
                                     : rng_.Int(205, 1200);
      p.set_distance_miles(tenths / 10.0);
    }
    p.set_home_postcode(home_postcode_);
    if (type[0] == 'K' || type[0] == 'H' || type[0] == 'R' || type[0] == 'S') {
      p.set_urn(absl::StrFormat("SC%06d", rng_.Int(0, 999999)));
    }
    return p;
  }

  void StartPeriod(absl::CivilDay day) {
    const int age = AgeOn(day);
    if (age >= 18 || in_care_) return;
    trajectory_ = ChooseTrajectory(age);
    const std::string status = InitialLegalStatus(trajectory_, age);
    v1::ChildEvent start;
    auto* b = start.mutable_period_of_care_started();
    b->set_legal_status(status);
    *b->mutable_placement() = ChoosePlacement(day, age, false);
    b->set_category_of_need(trajectory_ == Trajectory::kShortBreaks
                                ? "N2"
                                : rng_.Weighted<std::string>({{"N1", 55},
                                                              {"N2", 5},
                                                              {"N3", 5},
                                                              {"N4", 20},
                                                              {"N5", 5},
                                                              {"N6", 4},
                                                              {"N7", 3},
                                                              {"N8", 3}}));
    b->set_date_of_birth(FormatIsoDate(dob_));
    if (!Emit(day, std::move(start))) return;
    in_care_ = true;
    const int p = ++period_;
    ++review_token_;
    ++stats_.periods_of_care;
    initial_status_ = status;

    // The IRO: usually allocated the same day, sometimes a few days later.
    At(day + (rng_.Chance(0.6) ? 0 : rng_.Int(1, 4)),
       [this, p](absl::CivilDay d) { AllocateIro(p, d); });
    PlanReview(p, review_token_, day);

    // How and when the period ends.
    const absl::CivilDay eighteen = Birthday(18);
    std::optional<absl::CivilDay> end;
    switch (trajectory_) {
      case Trajectory::kShort:
        end = day + rng_.Int(7, 120);
        break;
      case Trajectory::kReturnHome:
        end = day + rng_.Int(180, 720);
        break;
      case Trajectory::kAdoption:
        break;  // ends after the adoption placement (below)
      case Trajectory::kSpecialGuardianship:
        end = day + rng_.Int(270, 720);
        break;
      case Trajectory::kLongTerm:
        end = rng_.Chance(0.25) ? day + rng_.Int(3 * 365, 8 * 365) : eighteen;
        break;
      case Trajectory::kSection20Drift:
        end = day + rng_.Int(240, 1500);
        break;
      case Trajectory::kShortBreaks:
        end = day + rng_.Int(365, 1800);
        break;
    }
    if (end && *end > eighteen) end = eighteen;
    if (end) {
      At(*end, [this, p](absl::CivilDay d) { EndPeriod(p, d); });
    } else {
      // Adoption fails to happen before 18 only in theory: end at 18 if it comes to that.
      At(eighteen, [this, p](absl::CivilDay d) { EndPeriod(p, d); });
    }
    const absl::CivilDay end_or_far = end.value_or(eighteen);

    // The legal route.
    if (status == "L1" || status == "L2" || status == "J2") {
      const bool s20 =
          (trajectory_ == Trajectory::kShort || trajectory_ == Trajectory::kReturnHome) &&
          rng_.Chance(0.6);
      At(day + rng_.Int(1, 8), [this, p, s20](absl::CivilDay d) {
        if (!InPeriod(p)) return;
        if (ChangeLegalStatus(d, s20 ? "V2" : "C1") && s20) {
          At(d + rng_.Int(0, 2), [this, p](absl::CivilDay c) { RecordConsent(p, c); });
        }
        if (!s20) IssueProceedings(p, d);
      });
    }
    if (codes::IsSection20(status) && rng_.Chance(0.9)) {
      At(day + rng_.Int(0, 3), [this, p](absl::CivilDay d) { RecordConsent(p, d); });
    }
    if (status == "C1" || status == "C2") {
      At(day + rng_.Int(0, 2), [this, p](absl::CivilDay d) { IssueProceedings(p, d); });
    }
    if (status == "V2" && (trajectory_ == Trajectory::kLongTerm ||
                           (trajectory_ == Trajectory::kReturnHome && rng_.Chance(0.2)))) {
      const absl::CivilDay plo = day + rng_.Int(30, 120);
      const bool to_court = trajectory_ == Trajectory::kLongTerm || rng_.Chance(0.5);
      At(plo, [this, p](absl::CivilDay d) { StartPlo(p, d); });
      if (to_court) {
        At(plo + rng_.Int(60, 120), [this, p](absl::CivilDay d) {
          if (!InPeriod(p)) return;
          IssueProceedings(p, d);
          At(d + rng_.Int(0, 3), [this, p](absl::CivilDay c) {
            if (InPeriod(p)) ChangeLegalStatus(c, "C1");
          });
        });
      }
    }
    if (trajectory_ == Trajectory::kSection20Drift && rng_.Chance(0.35)) {
      At(day + rng_.Int(90, 365), [this, p](absl::CivilDay d) { StartPlo(p, d); });
    }
    if (trajectory_ == Trajectory::kLongTerm || trajectory_ == Trajectory::kSpecialGuardianship) {
      const double full_order = trajectory_ == Trajectory::kLongTerm ? 0.8 : 0.4;
      if (rng_.Chance(full_order)) {
        At(day + rng_.Int(150, 365), [this, p](absl::CivilDay d) {
          if (!InPeriod(p)) return;
          const std::string now_status = record_.LegalStatusOn(d);
          if (now_status == "C1") ChangeLegalStatus(d, "C2");
        });
      }
    }
    if (trajectory_ == Trajectory::kAdoption) {
      const absl::CivilDay order = day + rng_.Int(180, 365);
      At(order, [this, p](absl::CivilDay d) {
        if (!InPeriod(p)) return;
        if (!ChangeLegalStatus(d, "E1")) return;
        ++review_token_;  // a placement order changes the review cycle
        PlanReview(p, review_token_, d);
        At(d + rng_.Int(30, 120), [this, p](absl::CivilDay placed) {
          if (!InPeriod(p)) return;
          v1::ChildEvent move;
          auto* m = move.mutable_placement_changed();
          *m->mutable_placement() = MakePlacement(
              rng_.Weighted<std::string>({{"A3", 10}, {"A4", 20}, {"A5", 35}, {"A6", 35}}));
          m->set_reason_for_change("CARPL");
          m->set_carer_changed(true);
          if (!Emit(placed, std::move(move))) return;
          ++review_token_;  // placed for adoption: the cycle starts again
          PlanReview(p, review_token_, placed);
          At(placed + rng_.Int(180, 365), [this, p](absl::CivilDay d2) { EndPeriod(p, d2); });
        });
      });
    }
    if (trajectory_ == Trajectory::kReturnHome && rng_.Chance(0.4)) {
      // Placed with parents for the last months (Placement with Parents regulations).
      const absl::CivilDay home = end_or_far - rng_.Int(60, 120);
      if (home > day + 30) {
        At(home, [this, p](absl::CivilDay d) {
          if (!InPeriod(p) || record_.LegalStatusOn(d) == "V2") return;
          v1::ChildEvent move;
          auto* m = move.mutable_placement_changed();
          *m->mutable_placement() = MakePlacement("P1");
          m->set_reason_for_change("CARPL");
          m->set_carer_changed(true);
          Emit(d, std::move(move));
        });
      }
    }

    // The permanence plan, usually by the second review, sometimes changed later.
    const double plan_chance = trajectory_ == Trajectory::kShort            ? 0.4
                               : trajectory_ == Trajectory::kSection20Drift ? 0.6
                                                                            : 0.9;
    if (rng_.Chance(plan_chance)) {
      At(day + rng_.Int(60, 150), [this, p, age](absl::CivilDay d) {
        RecordPlan(p, d, PlanFor(trajectory_, age));
        if (rng_.Chance(0.15)) {
          At(d + rng_.Int(200, 500), [this, p](absl::CivilDay later) {
            RecordPlan(p, later,
                       rng_.Chance(0.5) ? v1::PermanencePlanRecorded::LONG_TERM_FOSTERING
                                        : v1::PermanencePlanRecorded::RETURN_HOME);
          });
        }
      });
    }

    // Placement moves: most children are stable, some are not.
    const double mean_days = rng_.Weighted<double>({{900.0, 65}, {300.0, 25}, {90.0, 10}});
    At(day + rng_.ExpDays(mean_days),
       [this, p, mean_days](absl::CivilDay d) { MovePlacement(p, d, mean_days, true); });
    // Challenges: about one every four years in care, more where reports are late (below).
    At(day + rng_.ExpDays(4 * 365.0), [this, p](absl::CivilDay d) { ScheduledChallenge(p, d); });
    // IRO changes: every few years.
    At(day + rng_.ExpDays(900.0), [this, p](absl::CivilDay d) {
      if (!InPeriod(p)) return;
      AllocateIro(p, d);
    });
  }

  static v1::PermanencePlanRecorded::Plan PlanFor(Trajectory t, int age) {
    using P = v1::PermanencePlanRecorded;
    switch (t) {
      case Trajectory::kShort:
      case Trajectory::kReturnHome:
        return P::RETURN_HOME;
      case Trajectory::kAdoption:
        return P::ADOPTION;
      case Trajectory::kSpecialGuardianship:
        return P::SPECIAL_GUARDIANSHIP;
      case Trajectory::kLongTerm:
        return age >= 15 ? P::INDEPENDENT_LIVING : P::LONG_TERM_FOSTERING;
      case Trajectory::kSection20Drift:
        return P::LONG_TERM_FOSTERING;
      case Trajectory::kShortBreaks:
        return P::OTHER;
    }
    return P::OTHER;
  }

  void EndPeriod(int p, absl::CivilDay day) {
    if (!InPeriod(p)) return;
    // Open challenges are withdrawn when the child leaves care.
    std::vector<std::string> open;
    for (const auto& [cid, c] : record_.challenges()) {
      if (c.open()) open.push_back(cid);
    }
    for (const std::string& cid : open) {
      v1::ChildEvent withdrawn;
      withdrawn.mutable_challenge_withdrawn()->set_challenge_id(cid);
      withdrawn.mutable_challenge_withdrawn()->set_reason("The child left care");
      Emit(day, std::move(withdrawn));
    }
    const std::string status = record_.LegalStatusOn(day);
    if (status == "V2" && trajectory_ != Trajectory::kLongTerm && rng_.Chance(0.3)) {
      v1::ChildEvent withdrawn;
      withdrawn.mutable_section20_consent_withdrawn()->set_removal_requested(rng_.Chance(0.5));
      withdrawn.mutable_section20_consent_withdrawn()->set_note("Parent asked for the child home");
      Emit(day, std::move(withdrawn));
    }
    std::string reason;
    const bool at_eighteen = AgeOn(day + 1) >= 18;
    if (at_eighteen) {
      reason = rng_.Weighted<std::string>({{"E5", 25}, {"E6", 10}, {"E17", 30}, {"E8", 35}});
    } else {
      switch (trajectory_) {
        case Trajectory::kAdoption:
          reason = rng_.Chance(0.7) ? "E11" : "E12";
          break;
        case Trajectory::kSpecialGuardianship:
          reason = rng_.Weighted<std::string>(
              {{"E45", 30}, {"E46", 25}, {"E47", 15}, {"E48", 15}, {"E41", 15}});
          break;
        case Trajectory::kLongTerm:
          reason = rng_.Weighted<std::string>({{"E4A", 40}, {"E41", 20}, {"E13", 20}, {"E8", 20}});
          break;
        default:
          reason = rng_.Weighted<std::string>({{"E4A", 70}, {"E4B", 20}, {"E13", 5}, {"E8", 5}});
          break;
      }
    }
    v1::ChildEvent ended;
    ended.mutable_period_of_care_ended()->set_reason(reason);
    if (!Emit(day, std::move(ended))) return;
    in_care_ = false;
    const bool may_return = trajectory_ == Trajectory::kShort ||
                            trajectory_ == Trajectory::kReturnHome ||
                            trajectory_ == Trajectory::kSection20Drift;
    if (may_return && !at_eighteen && rng_.Chance(0.15)) {
      At(day + rng_.Int(60, 720), [this](absl::CivilDay d) { StartPeriod(d); });
    }
  }

  // --- Legal status, consent, court ----------------------------------------------------------

  bool ChangeLegalStatus(absl::CivilDay day, const std::string& status) {
    if (record_.LegalStatusOn(day) == status) return false;
    v1::ChildEvent change;
    change.mutable_legal_status_changed()->set_legal_status(status);
    return Emit(day, std::move(change));
  }

  void RecordConsent(int p, absl::CivilDay day) {
    if (!InPeriod(p) || !codes::IsSection20(record_.LegalStatusOn(day))) return;
    v1::ChildEvent consent;
    auto* b = consent.mutable_section20_consent_recorded();
    const int age = AgeOn(day);
    if ((age == 16 || age == 17) && rng_.Chance(0.5)) {
      b->set_consented_by(v1::Section20ConsentRecorded::CHILD_AGED_16_OR_17);
      b->set_consenter_name("The young person");
    } else if (rng_.Chance(0.9)) {
      b->set_consented_by(v1::Section20ConsentRecorded::PARENT);
      b->set_consenter_name("Parent");
    } else {
      b->set_consented_by(v1::Section20ConsentRecorded::OTHER_PERSON_WITH_PARENTAL_RESPONSIBILITY);
      b->set_consenter_name("Grandparent with parental responsibility");
    }
    Emit(day, std::move(consent));
  }

  void StartPlo(int p, absl::CivilDay day) {
    if (!InPeriod(p)) return;
    v1::ChildEvent plo;
    plo.mutable_plo_started();
    Emit(day, std::move(plo));
  }

  void IssueProceedings(int p, absl::CivilDay day) {
    if (!InPeriod(p)) return;
    // One set of proceedings per period of care is plenty for a synthetic history.
    const auto& issued_before = record_.proceedings_issued();
    if (!issued_before.empty() && issued_before.back() >= period_start()) return;
    v1::ChildEvent issued;
    issued.mutable_proceedings_issued()->set_court(rng_.Chance(0.5) ? "Family Court at Sheffield"
                                                                    : "Family Court at Leeds");
    Emit(day, std::move(issued));
  }

  void RecordPlan(int p, absl::CivilDay day, v1::PermanencePlanRecorded::Plan plan) {
    if (!InPeriod(p)) return;
    v1::ChildEvent recorded;
    recorded.mutable_permanence_plan_recorded()->set_plan(plan);
    Emit(day, std::move(recorded));
  }

  absl::CivilDay period_start() const {
    return record_.periods().empty() ? o_.start : record_.periods().back().start;
  }

  // --- IROs ----------------------------------------------------------------------------------

  std::string IroId(int k) const { return absl::StrFormat("IRO-%02d", k); }
  std::string TeamOf(int k) const {
    static const char* const kTeams[] = {"North", "South", "Central", "East", "West", "Valley"};
    const int teams = std::clamp(o_.teams, 1, 6);
    return kTeams[(k - 1) % teams];
  }

  void AllocateIro(int p, absl::CivilDay day) {
    if (!InPeriod(p)) return;
    const IroAllocation* current = record_.IroOn(day);
    const int iros = std::max(1, o_.iros);
    int k = rng_.Int(1, iros);
    if (current != nullptr && current->iro_id == IroId(k) && iros > 1) k = k % iros + 1;
    v1::ChildEvent allocated;
    auto* b = allocated.mutable_iro_allocated();
    b->set_iro_id(IroId(k));
    b->set_iro_name(absl::StrFormat("Independent Reviewing Officer %d", k));
    b->set_team(TeamOf(k));
    if (Emit(day, std::move(allocated)) && current != nullptr) {
      // A reallocation: the next one comes years later, if at all.
      At(day + rng_.ExpDays(1200.0), [this, p](absl::CivilDay d) { AllocateIro(p, d); });
    }
  }

  std::string CurrentIro(absl::CivilDay day) const {
    const IroAllocation* iro = record_.IroOn(day);
    return iro != nullptr ? iro->iro_id : IroId(1);
  }

  // --- Reviews and their paperwork -----------------------------------------------------------

  void PlanReview(int p, int token, absl::CivilDay from) {
    if (!InPeriod(p) || token != review_token_) return;
    auto due = NextReviewDue(record_, from, settings_, calendar_);
    if (!due.ok() || !due->has_value()) return;
    const absl::CivilDay due_on = (*due)->due_on;
    const int timing = rng_.Weighted<int>({{0, 78}, {1, 14}, {2, 8}});
    absl::CivilDay held = timing == 0   ? due_on - rng_.Int(1, 21)
                          : timing == 1 ? due_on
                                        : due_on + rng_.Int(1, 45);
    // Reviews are held on working days.
    for (int i = 0; i < 7 && !IsWorkingDay(held); ++i) held = held - 1;
    if (held <= from) held = from + 1;
    for (int i = 0; i < 7 && !IsWorkingDay(held); ++i) held = held + 1;
    if (held > o_.end) return;

    // The social worker's report: usually days before, sometimes on the day, after, or never.
    const int report = rng_.Weighted<int>({{0, 30}, {1, 35}, {2, 15}, {3, 15}, {4, 5}});
    bool report_late = report >= 3;
    if (report <= 3) {
      absl::CivilDay on = report == 0   ? AddWorkingDays(held, -rng_.Int(5, 10))
                          : report == 1 ? AddWorkingDays(held, -rng_.Int(1, 4))
                          : report == 2 ? held
                                        : AddWorkingDays(held, rng_.Int(1, 5));
      if (on < from) on = from;
      At(on, [this, p, held](absl::CivilDay d) {
        if (!InPeriod(p)) return;
        v1::ChildEvent received;
        received.mutable_social_worker_report_received()->set_review_date(FormatIsoDate(held));
        Emit(d, std::move(received));
      });
    }
    At(held,
       [this, p, token, report_late](absl::CivilDay d) { HoldReview(p, token, d, report_late); });
  }

  void HoldReview(int p, int token, absl::CivilDay day, bool report_late) {
    if (!InPeriod(p) || token != review_token_) return;
    v1::ChildEvent review;
    auto* b = review.mutable_review_held();
    b->set_iro_id(CurrentIro(day));
    if (AgeOn(day) < 4) {
      b->set_participation("PN0");
    } else {
      b->set_participation(rng_.Weighted<std::string>({{"PN1", 45},
                                                       {"PN2", 8},
                                                       {"PN3", 7},
                                                       {"PN4", 5},
                                                       {"PN5", 10},
                                                       {"PN6", 15},
                                                       {"PN7", 10}}));
    }
    const v1::Placement* placement = record_.PlacementOn(day);
    if (codes::IsShortBreaks(initial_status_)) {
      b->set_kind(v1::ReviewHeld::SHORT_BREAK);
    } else if (placement != nullptr && IsAdoptionPlacement(placement->type())) {
      b->set_kind(v1::ReviewHeld::ADOPTION);
    } else {
      b->set_kind(v1::ReviewHeld::LOOKED_AFTER);
    }
    if (!Emit(day, std::move(review))) return;
    const std::string held = FormatIsoDate(day);

    const int recs = rng_.Weighted<int>({{0, 80}, {1, 15}, {2, 5}});
    if (recs < 2) {
      At(AddWorkingDays(day, recs == 0 ? rng_.Int(0, 4) : rng_.Int(5, 10)),
         [this, held](absl::CivilDay d) {
           v1::ChildEvent issued;
           issued.mutable_recommendations_issued()->set_review_date(held);
           Emit(d, std::move(issued));
         });
    }
    const int record = rng_.Weighted<int>({{0, 60}, {1, 25}, {2, 10}, {3, 5}});
    if (record < 3) {
      const int wd = record == 0   ? rng_.Int(5, 15)
                     : record == 1 ? rng_.Int(16, 20)
                                   : rng_.Int(21, 35);
      At(AddWorkingDays(day, wd), [this, held](absl::CivilDay d) {
        v1::ChildEvent distributed;
        distributed.mutable_review_record_distributed()->set_review_date(held);
        Emit(d, std::move(distributed));
      });
    }
    if (report_late && rng_.Chance(0.35)) {
      At(day, [this, p](absl::CivilDay d) { RaiseChallenge(p, d, "Drift and Delay", kIssues[0]); });
    }
    // The next review, and a midway review between the two.
    PlanReview(p, token, day);
    auto next = NextReviewDue(record_, day, settings_, calendar_);
    if (rng_.Chance(0.8) && next.ok() && next->has_value()) {
      const int gap = static_cast<int>((*next)->due_on - day);
      if (gap > 20) {
        At(day + gap / 2 + rng_.Int(-7, 7), [this, p](absl::CivilDay d) {
          if (!InPeriod(p)) return;
          v1::ChildEvent midway;
          midway.mutable_midway_review_completed()->set_iro_id(CurrentIro(d));
          Emit(d, std::move(midway));
        });
      }
    }
  }

  // --- Placements ----------------------------------------------------------------------------

  void MovePlacement(int p, absl::CivilDay day, double mean_days, bool scheduled) {
    if (!InPeriod(p)) return;
    const auto next = [&] {
      if (scheduled) {
        At(day + rng_.ExpDays(mean_days),
           [this, p, mean_days](absl::CivilDay d) { MovePlacement(p, d, mean_days, true); });
      }
    };
    const v1::Placement* current = record_.PlacementOn(day);
    if (current == nullptr) return;
    if (IsAdoptionPlacement(current->type()) || current->type() == "P1") {
      next();
      return;  // the plan is working: no move
    }
    const std::string status = record_.LegalStatusOn(day);
    const int age = AgeOn(day);
    v1::ChildEvent move;
    auto* m = move.mutable_placement_changed();
    bool follow_up = false;
    if (codes::IsTemporaryPlacement(current->type()) ||
        current->registration() == v1::Placement::UNREGISTERED) {
      // Out of a temporary or unregistered placement into a settled, registered one.
      *m->mutable_placement() = ChoosePlacement(day, age, false);
      m->mutable_placement()->set_registration(v1::Placement::REGISTERED);
      m->set_reason_for_change(current->registration() == v1::Placement::UNREGISTERED
                                   ? (rng_.Chance(0.5) ? "STAND" : "LAREQ")
                                   : "CARPL");
      m->set_carer_changed(true);
    } else if (IsFosterPlacement(current->type()) && rng_.Chance(0.12)) {
      // The same carers, a different kind of placement (e.g. the carer approved as kin).
      v1::Placement same = *current;
      std::string type = current->type();
      while (type == current->type()) type = absl::StrCat("U", rng_.Int(1, 6));
      same.set_type(type);
      *m->mutable_placement() = same;
      m->set_reason_for_change(rng_.Chance(0.6) ? "CARPL" : "OTHER");
      m->set_carer_changed(false);
    } else if (rng_.Chance(0.08)) {
      *m->mutable_placement() = MakePlacement(absl::StrCat("T", rng_.Int(0, 4)));
      m->set_reason_for_change(MoveReason(age));
      m->set_carer_changed(true);
      follow_up = true;
    } else if (age >= 11 && rng_.Chance(0.05)) {
      const std::string supported = day >= absl::CivilDay(2024, 4, 1) ? "K3" : "H5";
      *m->mutable_placement() =
          MakePlacement(rng_.Weighted<std::string>({{"K2", 50}, {supported, 30}, {"Z1", 20}}));
      m->mutable_placement()->set_registration(v1::Placement::UNREGISTERED);
      m->set_reason_for_change(MoveReason(age));
      m->set_carer_changed(true);
      follow_up = true;
    } else {
      // Placed with parents only under a care order (never in section 20: V2 with P1 is invalid).
      const bool home = (status == "C1" || status == "C2") && rng_.Chance(0.04);
      *m->mutable_placement() = ChoosePlacement(day, age, home);
      m->set_reason_for_change(MoveReason(age));
      m->set_carer_changed(true);
    }
    if (m->placement().type() == "P1" && status == "V2") {
      next();
      return;
    }
    const size_t index = out_.events.size();
    if (Emit(day, std::move(move))) {
      if (rng_.Chance(0.02)) {
        // The distance was recorded wrongly: a correction weeks later.
        At(day + rng_.Int(5, 60), [this, index](absl::CivilDay d) { CorrectDistance(index, d); });
      }
    }
    if (follow_up) {
      At(day + rng_.Int(7, 90), [this, p](absl::CivilDay d) { MovePlacement(p, d, 0, false); });
    }
    next();
  }

  std::string MoveReason(int age) {
    if (age >= 12 && rng_.Chance(0.01)) return "CUSTOD";
    return rng_.Weighted<std::string>({{"CARPL", 35},
                                       {"CREQB", 12},
                                       {"CREQO", 10},
                                       {"LAREQ", 10},
                                       {"CHILD", 8},
                                       {"STAND", 5},
                                       {"ALLEG", 3},
                                       {"CLOSE", 3},
                                       {"APPRR", 3},
                                       {"OTHER", 11}});
  }

  void CorrectDistance(size_t index, absl::CivilDay day) {
    if (index >= out_.events.size() || !out_.events[index].has_placement_changed()) return;
    v1::ChildEvent correction;
    auto* c = correction.mutable_correction();
    c->set_supersedes_event_id(out_.event_ids[index]);
    c->set_reason("Distance from home recorded wrongly");
    v1::ChildEvent replacement = out_.events[index];
    auto* placement = replacement.mutable_placement_changed()->mutable_placement();
    placement->set_distance_miles(rng_.Int(0, 300) / 10.0);
    *c->mutable_replacement() = std::move(replacement);
    Emit(day, std::move(correction));
  }

  // --- Challenges ----------------------------------------------------------------------------

  void ScheduledChallenge(int p, absl::CivilDay day) {
    if (!InPeriod(p)) return;
    const std::string theme =
        policy_.themes[rng_.Int(0, static_cast<int>(policy_.themes.size()) - 1)];
    RaiseChallenge(p, day, theme, kIssues[rng_.Int(0, static_cast<int>(std::size(kIssues)) - 1)]);
    At(day + rng_.ExpDays(4 * 365.0), [this, p](absl::CivilDay d) { ScheduledChallenge(p, d); });
  }

  void RaiseChallenge(int p, absl::CivilDay day, const std::string& theme, const char* issue) {
    if (!InPeriod(p)) return;
    const std::string cid = absl::StrCat(id_, ":", challenges_ + 1);
    v1::ChildEvent raised;
    auto* b = raised.mutable_challenge_raised();
    b->set_challenge_id(cid);
    b->set_iro_id(CurrentIro(day));
    b->mutable_stage()->set_number(
        static_cast<uint32_t>(rng_.Weighted<int>({{0, 80}, {1, 15}, {2, 5}})));
    b->set_theme(theme);
    b->set_issue(issue);
    if (!Emit(day, std::move(raised))) return;
    ++challenges_;
    ++stats_.challenges;
    NextChallengeStep(cid, day);
  }

  enum class Step { kRespond, kEscalate, kResolve, kWithdraw, kRefer };

  // Decides what happens next to challenge `cid` after a step on `day`, and schedules it.
  void NextChallengeStep(const std::string& cid, absl::CivilDay day) {
    const ChallengeState* c = record_.FindChallenge(cid);
    if (c == nullptr || !c->open()) return;
    const bool can_escalate = c->stage < policy_.last_stage();
    const double u = rng_.Real();
    if (c->status == ChallengeState::Status::kAwaitingResponse) {
      if (u < 0.82) {
        const int wd = rng_.Chance(0.75) ? rng_.Int(1, 5) : rng_.Int(6, 12);
        ScheduleStep(cid, AddWorkingDays(day, wd), Step::kRespond);
      } else if (u < 0.95 && can_escalate) {
        ScheduleStep(cid, AddWorkingDays(day, rng_.Int(6, 8)), Step::kEscalate);
      } else if (u < 0.97) {
        ScheduleStep(cid, AddWorkingDays(day, rng_.Int(1, 10)), Step::kWithdraw);
      }
      // Otherwise nobody answers: it stays open (and overdue) until the child leaves care.
      return;
    }
    if (c->stage >= 3 && referred_.count(cid) == 0 && rng_.Chance(0.15)) {
      referred_.insert(cid);
      ScheduleStep(cid, AddWorkingDays(day, rng_.Int(1, 5)), Step::kRefer);
    }
    if (u < 0.22 && can_escalate) {
      ScheduleStep(cid, AddWorkingDays(day, rng_.Int(1, 5)), Step::kEscalate);
    } else if (u < 0.95) {
      ScheduleStep(cid, AddWorkingDays(day, rng_.Int(0, 5)), Step::kResolve);
    } else {
      ScheduleStep(cid, AddWorkingDays(day, rng_.Int(1, 5)), Step::kWithdraw);
    }
  }

  void ScheduleStep(const std::string& cid, absl::CivilDay day, Step step) {
    At(day, [this, cid, step](absl::CivilDay d) { TakeStep(cid, d, step); });
  }

  void TakeStep(const std::string& cid, absl::CivilDay day, Step step) {
    const ChallengeState* c = record_.FindChallenge(cid);
    if (c == nullptr || (!c->open() && step != Step::kRefer)) return;
    v1::ChildEvent event;
    switch (step) {
      case Step::kRespond: {
        auto* b = event.mutable_challenge_responded();
        b->set_challenge_id(cid);
        b->set_responded_by(policy_.stages[c->stage].role);
        b->set_response("Plan agreed to address the issue");
        break;
      }
      case Step::kEscalate: {
        auto* b = event.mutable_challenge_escalated();
        b->set_challenge_id(cid);
        int to = c->stage + 1;
        if (to + 1 <= policy_.last_stage() && rng_.Chance(0.1)) ++to;  // bypass a stage
        b->mutable_to_stage()->set_number(static_cast<uint32_t>(to));
        b->set_reason(v1::ChallengeEscalated::IRO_DECISION);
        break;
      }
      case Step::kResolve: {
        auto* b = event.mutable_challenge_resolved();
        b->set_challenge_id(cid);
        b->set_outcome("Resolved: actions agreed and completed");
        break;
      }
      case Step::kWithdraw: {
        auto* b = event.mutable_challenge_withdrawn();
        b->set_challenge_id(cid);
        b->set_reason("No longer needed");
        break;
      }
      case Step::kRefer: {
        auto* b = event.mutable_cafcass_referral_made();
        b->set_challenge_id(cid);
        b->set_reason("Care plan not progressing despite escalation");
        Emit(day, std::move(event));
        return;
      }
    }
    if (!Emit(day, std::move(event))) return;
    if (step == Step::kEscalate) ++stats_.escalations;
    NextChallengeStep(cid, day);
  }

  // --- Summary -------------------------------------------------------------------------------

  void Summarize() {
    stats_.events = out_.events.size();
    stats_.looked_after_at_end = record_.LookedAfterOn(o_.end) ? 1 : 0;
    for (const v1::ChildEvent& e : out_.events) ++stats_.events_by_type[EventTypeOf(e)];
    for (const auto& [from, status] : record_.legal_statuses()) {
      if (status == "V2") {
        stats_.children_ever_in_s20 = 1;
        break;
      }
    }
    std::vector<absl::CivilDay> starts;
    for (const PlacementSpan& span : record_.placements()) {
      if ((span.starts_period || span.carer_changed) &&
          !codes::IsTemporaryPlacement(span.placement.type())) {
        starts.push_back(span.from);
      }
    }
    for (size_t i = 2; i < starts.size(); ++i) {
      if (starts[i] - starts[i - 2] <= 365) {
        stats_.children_with_3_placements_in_a_year = 1;
        break;
      }
    }
  }

  const CouncilOptions& o_;
  Rng rng_;
  const std::string id_;
  ChildRecord record_;
  const EscalationPolicy policy_;
  const WorkingCalendar& calendar_;
  const ReviewSettings settings_{};
  ValidationContext ctx_;
  SyntheticChild out_;
  GeneratorStats stats_;

  std::map<std::pair<absl::CivilDay, uint64_t>, Action> agenda_;
  uint64_t seq_ = 0;
  absl::CivilDay now_ = absl::CivilDay(1900, 1, 1);

  absl::CivilDay dob_;
  std::string home_postcode_;
  bool in_care_ = false;
  int period_ = 0;
  int review_token_ = 0;
  int challenges_ = 0;
  std::set<std::string> referred_;  // challenges with a CAFCASS referral scheduled
  Trajectory trajectory_ = Trajectory::kShort;
  std::string initial_status_;
};

// Runs `generate(index)` for every index in [0, count) on up to `threads` threads.
void ForEachIndex(int count, int threads, const std::function<void(int)>& generate) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, std::max(1, count));
  if (threads == 1) {
    for (int i = 0; i < count; ++i) generate(i);
    return;
  }
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) generate(i);
    });
  }
  for (auto& w : workers) w.join();
}

}  // namespace

void GeneratorStats::Merge(const GeneratorStats& other) {
  children += other.children;
  events += other.events;
  rejected += other.rejected;
  inconsistent += other.inconsistent;
  for (const std::string& s : other.rejection_samples) {
    if (rejection_samples.size() < kMaxRejectionSamples) rejection_samples.push_back(s);
  }
  for (const auto& [type, n] : other.events_by_type) events_by_type[type] += n;
  periods_of_care += other.periods_of_care;
  looked_after_at_end += other.looked_after_at_end;
  children_ever_in_s20 += other.children_ever_in_s20;
  children_with_3_placements_in_a_year += other.children_with_3_placements_in_a_year;
  challenges += other.challenges;
  escalations += other.escalations;
}

std::string SyntheticChildId(const CouncilOptions& options, int index) {
  return absl::StrFormat("%s%06d", options.child_id_prefix, index);
}

std::string SyntheticEventId(uint64_t seed, const std::string& child_id, size_t n) {
  return eventstore::EventId::FromName(kIdNamespace, absl::StrCat(seed, "/", child_id, "/", n))
      .ToString();
}

SyntheticChild GenerateChild(const CouncilOptions& options, int index, GeneratorStats* stats) {
  ChildSimulator simulator(options, index);
  return simulator.Run(stats);
}

SyntheticCouncil GenerateCouncil(const CouncilOptions& options, int threads) {
  SyntheticCouncil council;
  council.options = options;
  const int count = std::max(0, options.children);
  council.children.resize(static_cast<size_t>(count));
  std::vector<GeneratorStats> stats(static_cast<size_t>(count));
  ForEachIndex(count, threads, [&](int i) {
    council.children[static_cast<size_t>(i)] =
        GenerateChild(options, i, &stats[static_cast<size_t>(i)]);
  });
  for (const GeneratorStats& s : stats) council.stats.Merge(s);  // in index order
  return council;
}

namespace {

// Generates children 0, 1, 2, ... until `enough(stats so far)`.
SyntheticCouncil GenerateUntil(const CouncilOptions& options, int threads,
                               const std::function<bool(const GeneratorStats&)>& enough) {
  SyntheticCouncil council;
  council.options = options;
  constexpr int kChunk = 512;
  int generated = 0;
  while (!enough(council.stats)) {
    std::vector<SyntheticChild> children(kChunk);
    std::vector<GeneratorStats> stats(kChunk);
    ForEachIndex(kChunk, threads, [&](int i) {
      children[static_cast<size_t>(i)] =
          GenerateChild(options, generated + i, &stats[static_cast<size_t>(i)]);
    });
    // Take children in index order until the target is reached, so the result does not depend
    // on the chunk size.
    for (int i = 0; i < kChunk && !enough(council.stats); ++i) {
      council.stats.Merge(stats[static_cast<size_t>(i)]);
      council.children.push_back(std::move(children[static_cast<size_t>(i)]));
    }
    generated += kChunk;
  }
  council.options.children = static_cast<int>(council.children.size());
  return council;
}

}  // namespace

SyntheticCouncil GenerateCouncilWithEvents(const CouncilOptions& options, uint64_t min_events,
                                           int threads) {
  return GenerateUntil(options, threads,
                       [min_events](const GeneratorStats& s) { return s.events >= min_events; });
}

SyntheticCouncil GenerateCouncilWithLookedAfter(const CouncilOptions& options,
                                                uint64_t looked_after, int threads) {
  return GenerateUntil(options, threads, [looked_after](const GeneratorStats& s) {
    return s.looked_after_at_end >= looked_after;
  });
}

std::vector<eventstore::NewEvent> ToNewEvents(const SyntheticChild& child,
                                              const CouncilOptions& options) {
  std::vector<eventstore::NewEvent> out;
  out.reserve(child.events.size());
  const std::string correlation = absl::StrCat("synthetic-", options.seed);
  for (size_t i = 0; i < child.events.size(); ++i) {
    out.push_back(ToNewEvent(child.events[i], child.event_ids[i], options.source_system,
                             options.actor, correlation));
  }
  return out;
}

std::vector<eventstore::AppendRequest> ToAppendRequests(const SyntheticCouncil& council,
                                                        AppendOrder order, size_t max_events) {
  if (max_events == 0) max_events = 1;
  struct Group {
    absl::CivilDay day;
    size_t child;
    size_t first;
    size_t count;
  };
  std::vector<Group> groups;
  for (size_t c = 0; c < council.children.size(); ++c) {
    const SyntheticChild& child = council.children[c];
    absl::CivilDay floor(1900, 1, 1);
    size_t i = 0;
    while (i < child.events.size()) {
      size_t j = i + 1;
      if (order == AppendOrder::kByChild) {
        j = std::min(child.events.size(), i + max_events);
      } else {
        while (j < child.events.size() && j - i < max_events &&
               child.events[j].occurred_on() == child.events[i].occurred_on()) {
          ++j;
        }
      }
      auto day = ParseIsoDate(child.events[i].occurred_on(), "occurred_on");
      // Never before the child's previous request, so that sorting keeps each child's order.
      const absl::CivilDay key = day.ok() ? std::max(*day, floor) : floor;
      floor = key;
      groups.push_back(Group{key, c, i, j - i});
      i = j;
    }
  }
  if (order == AppendOrder::kByDate) {
    std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
      if (a.day != b.day) return a.day < b.day;
      return a.child < b.child;
    });
  }
  const std::string correlation = absl::StrCat("synthetic-", council.options.seed);
  std::vector<eventstore::AppendRequest> requests;
  requests.reserve(groups.size());
  for (const Group& g : groups) {
    const SyntheticChild& child = council.children[g.child];
    eventstore::AppendRequest request;
    request.stream = ChildStream(child.child_id);
    request.expected =
        g.first == 0 ? eventstore::ExpectedVersion::NoStream()
                     : eventstore::ExpectedVersion::Exact(eventstore::StreamVersion{g.first - 1});
    for (size_t k = g.first; k < g.first + g.count; ++k) {
      request.events.push_back(ToNewEvent(child.events[k], child.event_ids[k],
                                          council.options.source_system, council.options.actor,
                                          correlation));
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

absl::Status AppendAll(eventstore::EventStore* store,
                       std::vector<eventstore::AppendRequest> requests, size_t in_flight) {
  if (in_flight == 0) in_flight = 1;
  // One submitting thread would get one append per sync (it waits for each answer before the
  // next). Several submitters, each owning a share of the streams (so that a stream's requests
  // stay in order), keep the writer busy and the queue full.
  const size_t submitters = std::min<size_t>(4, std::max<size_t>(1, requests.size()));
  struct Shared {
    base::Mutex mu;
    base::CondVar cv;
    size_t pending ABSL_GUARDED_BY(mu) = 0;
    absl::Status first_error ABSL_GUARDED_BY(mu);
  } shared;
  const auto failed = [&](const absl::Status& st) {
    base::MutexLock lock(&shared.mu);
    if (shared.first_error.ok()) shared.first_error = st;
  };
  std::vector<size_t> owner(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    owner[i] = std::hash<std::string>()(requests[i].stream) % submitters;
  }
  const auto submit = [&](size_t me) {
    for (size_t i = 0; i < requests.size(); ++i) {
      if (owner[i] != me) continue;
      auto prepared = store->Prepare(std::move(requests[i]));
      if (!prepared.ok()) {
        failed(prepared.status());
        return;
      }
      {
        base::MutexLock lock(&shared.mu);
        if (!shared.first_error.ok()) return;
        while (shared.pending >= in_flight) shared.cv.Wait(&shared.mu);
        ++shared.pending;
      }
      store->Submit(std::move(*prepared), [&](absl::StatusOr<eventstore::AppendResult> result) {
        base::MutexLock lock(&shared.mu);
        if (!result.ok() && shared.first_error.ok()) shared.first_error = result.status();
        --shared.pending;
        shared.cv.SignalAll();
      });
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < submitters; ++t) threads.emplace_back(submit, t);
  for (auto& t : threads) t.join();
  base::MutexLock lock(&shared.mu);
  while (shared.pending != 0) shared.cv.Wait(&shared.mu);
  return shared.first_error;
}

}  // namespace footprint::projections::testing
