#include "import903/validate.h"

#include <map>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "domain/codes.h"
#include "domain/collection_year.h"
#include "domain/working_calendar.h"

namespace footprint::import903 {
namespace {

namespace codes = footprint::domain::codes;

std::string Day(absl::CivilDay day) { return domain::FormatIsoDate(day); }
std::string Where(const Source& s) { return absl::StrCat(s.file, ":", s.line); }

bool IsRne(const std::string& rne) {
  return rne == "S" || rne == "L" || rne == "P" || rne == "T" || rne == "B" || rne == "U";
}

bool EndsCare(const Episode& e) { return e.dec && codes::IsReasonCareEnded(e.rec); }

class Checker {
 public:
  Checker(ChildReturn* child, const ValidationOptions& options)
      : child_(*child), options_(options) {}

  Checked Run() {
    out_.reasons = child_.reasons;
    out_.left_out = child_.left_out;
    if (absl::Status id = domain::ValidateChildId(child_.id, "CHILD"); !id.ok()) {
      Add("child.id", std::string(id.message()));
    }
    Header();
    for (Episode& e : child_.episodes) Codes(e);
    Repairs();
    Chain();
    Reviews();
    return std::move(out_);
  }

 private:
  void Add(const char* rule, std::string detail) { out_.reasons.push_back({rule, detail}); }
  bool Repairing(const char* rule) const { return options_.repairs.contains(rule); }

  void Header() {
    if (child_.headers.empty()) {
      Add("header.missing", "no header row in any year for this child");
      return;
    }
    const HeaderRow& first = child_.headers.front();
    for (const HeaderRow& h : child_.headers) {
      if (h.dob != first.dob) {
        Add("header.dob", absl::StrCat(Where(h.source), ": DOB ", Day(*h.dob), ", but ",
                                       Where(first.source), " has ", Day(*first.dob)));
      }
    }
    if (first.dob && *first.dob > options_.today) {
      Add("header.dob",
          absl::StrCat(Where(first.source), ": DOB ", Day(*first.dob), " is after today"));
    }
  }

  void Code(const Episode& e, const char* rule, const char* column, const std::string& value,
            bool ok, const char* list) {
    if (ok) return;
    Add(rule, absl::StrCat(Where(e.source), ": ", column, " '", value, "' is not one of ", list));
  }

  void Codes(Episode& e) {
    Code(e, "code.rne", "RNE", e.rne, IsRne(e.rne), "S, L, P, T, B, U");
    Code(e, "code.ls", "LS", e.ls, codes::IsLegalStatus(e.ls), codes::kLegalStatusList);
    Code(e, "code.cin", "CIN", e.cin, codes::IsCategoryOfNeed(e.cin), codes::kCategoryOfNeedList);
    Code(e, "code.place", "PLACE", e.place, codes::IsPlacementType(e.place),
         codes::kPlacementTypeList);
    if (codes::IsPlacementType(e.place) && codes::PlacementNeedsProvider(e.place)) {
      Code(e, "code.provider", "PLACE_PROVIDER", e.provider, codes::IsProvider(e.provider),
           codes::kProviderList);
    } else if (!e.provider.empty() && codes::IsPlacementType(e.place)) {
      // A temporary or "other" placement has no provider: the value cannot apply.
      const std::string detail =
          absl::StrCat(Where(e.source), ": PLACE_PROVIDER '", e.provider, "' on a PLACE ", e.place,
                       " placement, which has no provider");
      if (Repairing("episode.provider_not_applicable")) {
        out_.repairs.push_back({"episode.provider_not_applicable",
                                absl::StrCat(detail, ": the provider was dropped")});
        e.provider.clear();
      } else {
        Add("episode.provider_not_applicable", detail);
      }
    }
    if (!e.rec.empty()) {
      Code(e, "code.rec", "REC", e.rec, e.rec == "X1" || codes::IsReasonCareEnded(e.rec),
           "X1 or an E-code");
    }
    if (!e.reason_place_change.empty()) {
      Code(e, "code.reason_place_change", "REASON_PLACE_CHANGE", e.reason_place_change,
           codes::IsReasonForPlacementChange(e.reason_place_change), codes::kReasonForChangeList);
    }
  }

  // The repairable rules: repaired when asked for, reasons otherwise.
  void Repairs() {
    std::vector<Episode>& episodes = child_.episodes;
    for (size_t i = 0; i < episodes.size(); ++i) {
      Episode& e = episodes[i];
      if (e.dec) continue;
      if (i + 1 < episodes.size()) {
        const std::string detail =
            absl::StrCat(Where(e.source), ": the episode from ", Day(e.decom),
                         " has no end date, but another starts on ", Day(episodes[i + 1].decom));
        if (Repairing("episode.open_not_last")) {
          out_.repairs.push_back(
              {"episode.open_not_last", absl::StrCat(detail, ": ended that day with REC X1")});
          e.dec = episodes[i + 1].decom;
          e.rec = "X1";
          continue;
        }
        Add("episode.open_not_last", detail);
      }
      if (!e.rec.empty()) {
        const std::string detail = absl::StrCat(Where(e.source), ": the open episode from ",
                                                Day(e.decom), " has an end reason REC ", e.rec);
        if (Repairing("episode.open_with_rec")) {
          out_.repairs.push_back(
              {"episode.open_with_rec", absl::StrCat(detail, ": the reason was dropped")});
          e.rec.clear();
          continue;
        }
        Add("episode.open_with_rec", detail);
      }
    }
  }

  void Chain() {
    const std::vector<Episode>& episodes = child_.episodes;
    for (size_t i = 0; i < episodes.size(); ++i) {
      const Episode& e = episodes[i];
      const Episode* previous = i > 0 ? &episodes[i - 1] : nullptr;
      const Episode* next = i + 1 < episodes.size() ? &episodes[i + 1] : nullptr;
      const std::string where = Where(e.source);
      if (e.dec && *e.dec < e.decom) {
        Add("episode.ends_before_start",
            absl::StrCat(where, ": DEC ", Day(*e.dec), " is before DECOM ", Day(e.decom)));
      }
      if (e.dec && e.rec.empty()) {
        Add("episode.no_rec",
            absl::StrCat(where, ": the episode ended on ", Day(*e.dec), " without a REC"));
      }
      if (e.decom > options_.today || (e.dec && *e.dec > options_.today)) {
        Add("episode.future",
            absl::StrCat(where, ": the episode from ", Day(e.decom), " is dated after today"));
      }
      if (next != nullptr && e.dec && next->decom < *e.dec) {
        Add("episode.overlap", absl::StrCat(Where(next->source), ": the episode from ",
                                            Day(next->decom), " starts before the one from ",
                                            Day(e.decom), " ends (", Day(*e.dec), ")"));
      }
      if (e.dec && e.rec == "X1") {
        if (next == nullptr) {
          Add("episode.x1_without_next",
              absl::StrCat(where, ": the episode ended on ", Day(*e.dec),
                           " with REC X1 (care continues), but no episode follows"));
        } else if (next->decom != *e.dec) {
          Add("episode.gap_after_x1",
              absl::StrCat(where, ": the episode ended on ", Day(*e.dec),
                           " with REC X1 (care continues), but the next starts on ",
                           Day(next->decom)));
        }
      }
      // RNE against what changed from the previous episode (a new period starts with S).
      const bool starts_period = previous == nullptr || EndsCare(*previous);
      if (!IsRne(e.rne)) continue;
      // V2 (a single period of section 20) never applies with the child placed with parents:
      // neither in the episode, nor on the way (a B/U episode changes the status first).
      const auto on_the_way_with_parents = [&] {
        return !starts_period && (e.rne == "B" || e.rne == "U") && previous->place == "P1";
      };
      const auto v2_with_p1 = [&] {
        Add("episode.v2_with_p1",
            absl::StrCat(where,
                         ": LS V2 (single period of section 20) with the child placed with "
                         "parents (P1) on ",
                         Day(e.decom)));
      };
      if (e.ls == "V2" && (e.place == "P1" || on_the_way_with_parents())) v2_with_p1();
      if (starts_period) {
        if (e.rne == "S") {
          // Begun before the files: its start is known, the reviews before them are not.
          if (previous == nullptr && options_.first_year > 0 &&
              e.decom < domain::CollectionYearStart(options_.first_year)) {
            child_.reviews_known_from = domain::CollectionYearStart(options_.first_year);
          }
          continue;
        }
        // Already looked after when the files begin: the episode open on 1 April of the first
        // year continues a period whose start is before them (shared/docs/domain.md section 10).
        if (previous == nullptr && options_.first_year > 0 &&
            e.decom <= domain::CollectionYearStart(options_.first_year)) {
          child_.start_not_known = true;
          continue;
        }
        Add(previous == nullptr ? "episode.first_rne" : "episode.rne",
            absl::StrCat(where, ": RNE ", e.rne, " on ", Day(e.decom),
                         " starts a period of care, which must be RNE S",
                         previous == nullptr && options_.first_year > 0
                             ? absl::StrCat(" (it began after 1 April ", options_.first_year,
                                            ", the start of the files)")
                             : ""));
        continue;
      }
      const bool status_changed = e.ls != previous->ls;
      const bool placement_same = e.place == previous->place && e.provider == previous->provider;
      std::string wrong;
      if (e.rne == "S") {
        wrong = "S (started to be looked after) while in care";
      } else if (e.rne == "L" && (!status_changed || !placement_same)) {
        wrong = "L (legal status only), but " +
                std::string(!status_changed ? "LS is unchanged" : "the placement changed");
      } else if ((e.rne == "P" || e.rne == "T") && status_changed) {
        wrong = e.rne + " (placement only), but LS changed " + previous->ls + " -> " + e.ls;
      } else if ((e.rne == "B" || e.rne == "U") && !status_changed) {
        wrong = e.rne + " (legal status and placement), but LS is unchanged";
      }
      if (!wrong.empty()) {
        // Where the episode's own fields say what changed, the RNE that contradicts them is
        // the value that cannot apply: the events follow the fields (a carer change stays as
        // P/B said it). Where they cannot (a placement changed under RNE L: was the carer the
        // same?), the child is rejected.
        std::string fixed;
        if (e.rne == "L" && !status_changed && placement_same) {
          fixed = "nothing changed: the episode continues the previous one, nothing recorded";
        } else if ((e.rne == "P" || e.rne == "T") && status_changed) {
          fixed = absl::StrCat("recorded as RNE ", e.rne == "P" ? "B" : "U",
                               " (legal status and placement)");
        } else if ((e.rne == "B" || e.rne == "U") && !status_changed) {
          fixed = absl::StrCat("recorded as RNE ", e.rne == "B" ? "P" : "T", " (placement only)");
        }
        const std::string detail = absl::StrCat(where, ": RNE ", wrong, " on ", Day(e.decom));
        if (!fixed.empty() && Repairing("episode.rne")) {
          out_.repairs.push_back({"episode.rne", absl::StrCat(detail, ": ", fixed)});
          Episode& mutable_e = child_.episodes[i];
          static const std::map<std::string, std::string> kRecordedAs = {
              {"P", "B"}, {"T", "U"}, {"B", "P"}, {"U", "T"}};
          if (e.rne == "L") {
            mutable_e.changes_nothing = true;
          } else {
            mutable_e.rne = kRecordedAs.at(e.rne);
          }
          // Recorded as B/U, the status changes first, while the child is still where the
          // previous episode placed them (checked above for the RNE as given).
          if (e.ls == "V2" && e.place != "P1" && on_the_way_with_parents()) v2_with_p1();
        } else {
          Add("episode.rne", detail);
        }
      }
      // A placement change records why the previous placement ended; when the files do not,
      // the change is recorded with its reason "not recorded".
      const bool placement_changes = e.rne == "P" || e.rne == "T" || e.rne == "B" || e.rne == "U";
      if (placement_changes && previous->reason_place_change.empty()) {
        out_.not_recorded.push_back(
            {"episode.no_reason_place_change",
             absl::StrCat(Where(previous->source), ": the placement from ", Day(previous->decom),
                          " ended on ", Day(e.decom), " (RNE ", e.rne,
                          ") without a REASON_PLACE_CHANGE: recorded as not recorded")});
      }
    }
  }

  // Whole years of age on `day`, if the header gives a date of birth.
  std::optional<int> AgeOn(absl::CivilDay day) const {
    if (child_.headers.empty() || !child_.headers.front().dob) return std::nullopt;
    return domain::AgeInYears(*child_.headers.front().dob, day);
  }

  // A review that cannot be right is left out on its own (the episodes do not depend on it),
  // with every reason; the others are kept.
  void Reviews() {
    const std::vector<CarePeriod> periods = PeriodsOf(child_);
    std::vector<Review> kept;
    for (Review& r : child_.reviews) {
      if (r.differs) continue;  // listed when read (review.years_differ)
      const std::string where = Where(r.source);
      const size_t before = out_.left_out.size();
      const auto leave_out = [&](const char* rule, std::string detail) {
        out_.left_out.push_back({rule, std::move(detail), where});
      };
      if (!codes::IsParticipation(r.code)) {
        leave_out("code.review", absl::StrCat(where, ": REVIEW_CODE '", r.code, "' is not one of ",
                                              codes::kParticipationList));
      }
      if (r.on > options_.today) {
        leave_out("review.future",
                  absl::StrCat(where, ": the review on ", Day(r.on), " is after today"));
      } else {
        // PN0 is the code for a child under 4, and only for them (the intake's rule).
        if (const std::optional<int> age = AgeOn(r.on); age && codes::IsParticipation(r.code)) {
          switch (codes::CheckParticipationForAge(r.code, *age)) {
            case codes::ParticipationForAge::kFits:
              break;
            case codes::ParticipationForAge::kPn0AtFourOrOver:
              leave_out(
                  "review.pn0_age",
                  absl::StrCat(where, ": REVIEW_CODE PN0 is for children under 4; the child is ",
                               *age, " on ", Day(r.on)));
              break;
            case codes::ParticipationForAge::kUnderFourNotPn0:
              leave_out("review.pn0_age",
                        absl::StrCat(where, ": the child is under 4 on ", Day(r.on),
                                     ", so REVIEW_CODE is PN0, not ", r.code));
              break;
          }
        }
        bool in_care = false;
        for (const CarePeriod& p : periods) {
          in_care = in_care || (p.start <= r.on && (!p.end || r.on <= *p.end));
        }
        if (!in_care) {
          leave_out("review.outside_care",
                    absl::StrCat(
                        where, ": the review on ", Day(r.on), " is in no period of care",
                        child_.start_not_known && !periods.empty() && r.on < periods.front().start
                            ? " known (before the earliest episode in the files)"
                            : ""));
        }
      }
      if (out_.left_out.size() == before) kept.push_back(std::move(r));
    }
    child_.reviews = std::move(kept);
  }

  ChildReturn& child_;
  const ValidationOptions& options_;
  Checked out_;
};

}  // namespace

Checked Validate(ChildReturn* child, const ValidationOptions& options) {
  return Checker(child, options).Run();
}

std::vector<CarePeriod> PeriodsOf(const ChildReturn& child) {
  std::vector<CarePeriod> periods;
  bool open = false;
  for (const Episode& e : child.episodes) {
    if (!open) {
      periods.push_back(CarePeriod{e.decom, std::nullopt});
      open = true;
    }
    if (EndsCare(e)) {
      periods.back().end = *e.dec;
      open = false;
    }
  }
  return periods;
}

}  // namespace footprint::import903
