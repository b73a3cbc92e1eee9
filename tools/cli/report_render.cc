#include "tools/cli/report_render.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "domain/codes.h"
#include "nlohmann/json.hpp"

namespace footprint::cli {
namespace {

namespace codes = footprint::domain::codes;

// A figure: its key (field name or code), what it is in words, its value as text, and the
// number a chart draws (whole numbers only).
struct Row {
  std::string key;
  std::string label;
  std::string value;
  int64_t count = 0;
  // Filled by Annotate: not recorded (value is a dash, `note` the footnote's number), and the
  // year before's value and the change, when the report has the year before.
  bool missing = false;
  int note = 0;
  std::string previous{};
  std::string change{};
  std::string css{};  // a class for the value's cell (the RAG rating)
};

// A group of figures: a table, and with `chart` a bar chart of its counts too.
struct Group {
  std::string id;  // the JSON path: "care", "care.ended_by_reason"
  std::string title;
  std::string key_header;  // "figure", "code", "theme", ...
  bool chart = false;
  std::string empty;  // what to say when there are no rows
  std::vector<Row> rows;
  int missing_note = 0;  // the whole group is not recorded: its footnote's number
};

// A table of several columns (coverage, months, themes and issues, IROs).
struct Table {
  std::string id;
  std::string title;
  std::vector<std::string> headers;  // the first is left-aligned, the others are numbers
  std::vector<std::vector<std::string>> rows;
  std::string empty;
};

struct Section {
  std::string title;
  std::string note;
  std::vector<Group> groups;
  std::vector<Table> tables{};       // after the groups
  std::vector<std::string> notes{};  // footnotes: notes[i] is footnote i+1's text
};

constexpr char kDash[] = "\xe2\x80\x94";  // an em dash: not recorded

Row Count(std::string key, std::string label, int64_t count) {
  return Row{std::move(key), std::move(label), absl::StrCat(count), count};
}

Row Percent(std::string key, std::string label, double percent) {
  return Row{std::move(key), std::move(label), absl::StrFormat("%.1f", percent), 0};
}

using Labeller = absl::string_view (*)(absl::string_view);

// The rows of a count map, keys in order, each labelled by `label` (when given).
Group MapGroup(std::string id, std::string title, std::string key_header,
               const google::protobuf::Map<std::string, int32_t>& counts, Labeller label,
               std::string empty) {
  Group group{std::move(id), std::move(title), std::move(key_header), true, std::move(empty), {}};
  std::map<std::string, int32_t> sorted(counts.begin(), counts.end());
  for (const auto& [key, count] : sorted) {
    std::string text = label != nullptr ? std::string(label(key)) : std::string();
    if (key == "(none)") text = "not recorded";
    group.rows.push_back(Count(key, text, count));
  }
  return group;
}

std::string CollectionYear(const v1::AnnualReport& r) {
  return absl::StrFormat("%d-%02d", r.year(), (r.year() + 1) % 100);
}

const std::string* NotRecordedReason(const v1::AnnualReport& r, const std::string& path);

// Entering and ceasing care month by month, with the year before's.
Table MonthTable(const v1::AnnualReport& r) {
  Table t{"care.by_month",
          "Entering and ceasing care, month by month",
          {"month", "entering", "ceasing"},
          {},
          ""};
  const bool before = r.has_previous() && r.previous().has_care();
  if (before) {
    t.headers = {"month", "entering", "entering, year before", "ceasing", "ceasing, year before"};
  }
  const auto& p = r.previous().care();
  std::vector<std::pair<std::string, int32_t>> prev_started(p.started_by_month().begin(),
                                                            p.started_by_month().end());
  std::vector<std::pair<std::string, int32_t>> prev_ended(p.ended_by_month().begin(),
                                                          p.ended_by_month().end());
  std::sort(prev_started.begin(), prev_started.end());
  std::sort(prev_ended.begin(), prev_ended.end());
  std::map<std::string, int32_t> started(r.care().started_by_month().begin(),
                                         r.care().started_by_month().end());
  size_t i = 0;
  for (const auto& [month, count] : started) {
    auto ended = r.care().ended_by_month().find(month);
    const int32_t out = ended == r.care().ended_by_month().end() ? 0 : ended->second;
    if (before) {
      t.rows.push_back({month, absl::StrCat(count),
                        i < prev_started.size() ? absl::StrCat(prev_started[i].second) : kDash,
                        absl::StrCat(out),
                        i < prev_ended.size() ? absl::StrCat(prev_ended[i].second) : kDash});
    } else {
      t.rows.push_back({month, absl::StrCat(count), absl::StrCat(out)});
    }
    ++i;
  }
  return t;
}

std::string MonthName(const std::string& month) {
  static const char* kNames[] = {"January",   "February", "March",    "April",
                                 "May",       "June",     "July",     "August",
                                 "September", "October",  "November", "December"};
  const int m = month.size() == 7 ? std::atoi(month.c_str() + 5) : 0;
  if (m < 1 || m > 12) return month;
  return absl::StrCat(kNames[m - 1], " ", month.substr(0, 4));
}

// "Highest month ..., lowest ..." for entering and ceasing care, as the seed report says it.
std::string MonthSentence(const v1::AnnualReport& r) {
  const auto extremes = [](const google::protobuf::Map<std::string, int32_t>& counts) {
    std::map<std::string, int32_t> sorted(counts.begin(), counts.end());
    std::pair<std::string, int32_t> high{"", -1};
    std::pair<std::string, int32_t> low{"", INT32_MAX};
    for (const auto& [month, count] : sorted) {
      if (count > high.second) high = {month, count};
      if (count < low.second) low = {month, count};
    }
    return absl::StrCat("highest ", MonthName(high.first), " (", high.second, "), lowest ",
                        MonthName(low.first), " (", low.second, ")");
  };
  if (r.care().started_by_month().empty()) return "";
  const auto n = [](int32_t count, const char* one, const char* many) {
    return absl::StrCat(count, " ", count == 1 ? one : many);
  };
  return absl::StrCat(n(r.care().periods_started(), "period of care", "periods of care"),
                      " began (", n(r.care().children_started(), "child", "children"),
                      "): ", extremes(r.care().started_by_month()), ". ",
                      n(r.care().periods_ended(), "period", "periods"),
                      " ended: ", extremes(r.care().ended_by_month()), ".");
}

std::vector<Section> FigureSections(const v1::AnnualReport& r) {
  std::vector<Section> sections;
  // The whole panel report (headline, coverage, months, per-IRO and per-issue tables) when the
  // server says what the record covers; a report built by hand without it is the figures only.
  const bool full = r.has_coverage();
  const std::string start = r.from();
  const std::string end = r.to();
  {
    const v1::AnnualCare& c = r.care();
    Section s{"Children looked after", "", {}};
    s.groups.push_back(Group{
        "care",
        "Children looked after",
        "figure",
        false,
        "",
        {Count("looked_after_at_start", "looked after at the start (" + start + ")",
               c.looked_after_at_start()),
         Count("looked_after_at_end", "looked after at the end (" + end + ")",
               c.looked_after_at_end()),
         Count("looked_after_during", "looked after at any time in the year",
               c.looked_after_during()),
         Count("periods_started", "periods of care started (entering care)", c.periods_started()),
         Count("periods_ended", "periods of care ended (ceasing care)", c.periods_ended()),
         Count("periods_start_not_known",
               "periods of care whose start is not known (begun before the record)",
               c.periods_start_not_known())}});
    s.groups.push_back(MapGroup("care.started_by_legal_status",
                                "Entering care, by legal status at the start", "code",
                                c.started_by_legal_status(), &codes::LegalStatusLabel,
                                "No child entered care in the year."));
    s.groups.push_back(MapGroup("care.ended_by_reason", "Ceasing care, by reason", "code",
                                c.ended_by_reason(), &codes::ReasonCareEndedLabel,
                                "No period of care ended in the year."));
    s.groups.push_back(MapGroup("care.legal_status_at_end",
                                "Looked after at the end, by legal status", "code",
                                c.legal_status_at_end(), &codes::LegalStatusLabel,
                                "No child was looked after at the end of the year."));
    if (full) {
      s.tables.push_back(MonthTable(r));
      s.note = MonthSentence(r);
      Table admissions{"care.admissions_by_placement",
                       "Entering care, by placement type on admission",
                       {"placement type", "episodes", "children"},
                       {},
                       "No child entered care in the year."};
      std::map<std::string, int32_t> sorted(c.admissions_by_placement().begin(),
                                            c.admissions_by_placement().end());
      for (const auto& [code, episodes] : sorted) {
        auto children = c.children_admitted_by_placement().find(code);
        admissions.rows.push_back(
            {code == "(none)" ? "not recorded"
                              : absl::StrCat(code, " ", codes::PlacementTypeLabel(code)),
             absl::StrCat(episodes),
             absl::StrCat(
                 children == c.children_admitted_by_placement().end() ? 0 : children->second)});
      }
      if (!sorted.empty()) {
        admissions.rows.push_back(
            {"total", absl::StrCat(c.periods_started()), absl::StrCat(c.children_started())});
      }
      if (NotRecordedReason(r, "care") != nullptr) {
        s.tables.back().empty = "Not recorded (above).";
        admissions.empty = "Not recorded (above).";
      }
      s.tables.push_back(std::move(admissions));
    }
    sections.push_back(std::move(s));
  }
  {
    const v1::AnnualReviews& v = r.reviews();
    Section s{"Reviews", "", {}};
    std::vector<Row> rows = {
        Count("held", "reviews held", v.held()),
        Count("held_in_time", "held in time", v.held_in_time()),
        Count("timeliness_not_known",
              "timeliness not known (due date set by a start before the record)",
              v.timeliness_not_known()),
        Percent("percent_in_time", "percent held in time", v.percent_in_time()),
        Row{"rating", "rating against the council's thresholds",
            v.rating().empty() ? "none" : v.rating(), 0},
        Count("children_reviewed", "children reviewed (or with a review due)",
              v.children_reviewed()),
        Count("children_all_in_time", "children whose reviews were all in time",
              v.children_all_in_time()),
        Count("children_timeliness_not_known",
              "children with a review whose timeliness is not known (none late)",
              v.children_timeliness_not_known()),
        Percent("percent_children_in_time", "percent of children with every review in time",
                v.percent_children_in_time()),
        Count("recommendations_in_time", "recommendations issued in time",
              v.recommendations_in_time()),
        Count("records_in_time", "review records distributed in time", v.records_in_time()),
        Count("midway_reviews", "midway reviews", v.midway_reviews())};
    s.groups.push_back(Group{"reviews", "Reviews held", "figure", false, "", std::move(rows)});
    Group participation{
        "reviews.participation", "Participation of the child", "code", true, "", {}};
    for (absl::string_view pn : codes::kParticipationCodes) {
      const std::string code(pn);
      auto it = v.participation().find(code);
      participation.rows.push_back(Count(code, std::string(codes::ParticipationLabel(code)),
                                         it == v.participation().end() ? 0 : it->second));
    }
    s.groups.push_back(std::move(participation));
    const v1::ReportTimeliness& sw = v.social_worker_reports();
    s.groups.push_back(Group{"reviews.social_worker_reports",
                             "Social worker's report, before the review",
                             "bucket",
                             true,
                             "",
                             {Count("five_or_more_days_before", "5 or more working days before",
                                    sw.five_or_more_days_before()),
                              Count("one_to_four_days_before", "1 to 4 working days before",
                                    sw.one_to_four_days_before()),
                              Count("same_day", "on the day", sw.same_day()),
                              Count("after", "after the review", sw.after()),
                              Count("not_received", "not received", sw.not_received())}});
    if (full) {
      Table iros{"reviews.held_by_iro",
                 "Reviews held, per IRO",
                 {"IRO", "reviews held"},
                 {},
                 "No review was held in the year."};
      std::map<std::string, int32_t> sorted(v.held_by_iro().begin(), v.held_by_iro().end());
      for (const auto& [iro, count] : sorted) {
        iros.rows.push_back({iro == "(none)" ? "not recorded" : iro, absl::StrCat(count)});
      }
      if (!sorted.empty()) {
        const std::string* reason = NotRecordedReason(r, "reviews.per_iro_average");
        const std::string none =
            reason != nullptr ? absl::StrCat(kDash, " (not recorded: ", *reason, ")") : "";
        iros.rows.push_back(
            {"average per IRO",
             reason != nullptr ? none : absl::StrFormat("%.1f", v.per_iro_average())});
        iros.rows.push_back(
            {"highest", reason != nullptr ? none : absl::StrCat(v.per_iro_highest())});
        iros.rows.push_back(
            {"lowest", reason != nullptr ? none : absl::StrCat(v.per_iro_lowest())});
      }
      if (NotRecordedReason(r, "reviews") != nullptr) iros.empty = "Not recorded (above).";
      s.tables.push_back(std::move(iros));
    }
    sections.push_back(std::move(s));
  }
  {
    const v1::AnnualChallenges& c = r.challenges();
    Section s{"Challenges (dispute resolution)", "", {}};
    s.groups.push_back(
        Group{"challenges",
              "Challenges raised and closed",
              "figure",
              false,
              "",
              {Count("raised", "raised in the year", c.raised()),
               Count("raised_informal", "raised informally", c.raised_informal()),
               Count("raised_formal", "raised at a formal stage", c.raised_formal()),
               Count("resolved", "resolved in the year", c.resolved()),
               Count("withdrawn", "withdrawn in the year", c.withdrawn()),
               Count("cafcass_referrals", "referrals to CAFCASS", c.cafcass_referrals()),
               Count("open_at_end", "open at the end of the year", c.open_at_end()),
               Count("overdue_responses_at_end", "open at the end, response overdue",
                     c.overdue_responses_at_end()),
               Count("responses_in_time", "answers to a stage in time", c.responses_in_time()),
               Count("responses_late", "answers to a stage late", c.responses_late())}});
    s.groups.push_back(MapGroup("challenges.raised_by_theme", "Raised, by theme", "theme",
                                c.raised_by_theme(), nullptr, "No challenge was raised."));
    s.groups.push_back(MapGroup("challenges.resolved_by_stage", "Resolved, by the stage reached",
                                "stage", c.resolved_by_stage(), nullptr,
                                "No challenge was resolved."));
    s.groups.push_back(MapGroup(
        "challenges.responses_late_by_stage", "Answers to a stage after its deadline, by stage",
        "stage", c.responses_late_by_stage(), nullptr, "No answer to a stage was late."));
    s.groups.push_back(MapGroup("challenges.open_at_end_by_stage", "Open at the end, by stage",
                                "stage", c.open_at_end_by_stage(), nullptr,
                                "No challenge was open at the end of the year."));
    if (full && r.has_challenges()) {
      Table issues{"challenges.raised_by_theme_and_issue",
                   "Raised, by theme and specific issue",
                   {"theme / specific issue", "raised"},
                   {},
                   "No challenge was raised."};
      std::string theme;
      std::map<std::string, int32_t> per_theme;
      for (const auto& row : c.raised_by_theme_and_issue()) per_theme[row.theme()] += row.count();
      for (const auto& row : c.raised_by_theme_and_issue()) {
        if (row.theme() != theme) {
          theme = row.theme();
          issues.rows.push_back({theme, absl::StrCat(per_theme[theme])});
        }
        issues.rows.push_back(
            {absl::StrCat("    ", row.issue() == "(none)" ? "issue not recorded" : row.issue()),
             absl::StrCat(row.count())});
      }
      s.tables.push_back(std::move(issues));
    }
    sections.push_back(std::move(s));
  }
  {
    const v1::AnnualSection20& v = r.section20();
    Section s{"Section 20 (accommodation by agreement)", "", {}};
    s.groups.push_back(Group{
        "section20",
        "Children in section 20",
        "figure",
        false,
        "",
        {Count("at_end", "in section 20 (V2) at the end", v.at_end()),
         Count("during", "in section 20 (V2) at any time in the year", v.during()),
         Count("flagged_at_end", "of those at the end, with a drift flag", v.flagged_at_end()),
         Count("short_breaks_at_end", "short breaks (V3/V4) at the end", v.short_breaks_at_end()),
         Count("short_breaks_during", "short breaks (V3/V4) at any time in the year",
               v.short_breaks_during())}});
    if (full) {
      s.groups.back().rows.push_back(Count("consent_not_recorded_at_end",
                                           "of those at the end, consent not known (imported "
                                           "record, no consent event)",
                                           v.consent_not_recorded_at_end()));
    }
    sections.push_back(std::move(s));
  }
  {
    const v1::AnnualPlacements& p = r.placements();
    Section s{"Placements", "", {}};
    if (p.distance_known() < r.care().looked_after_at_end()) {
      s.note = absl::StrCat("Distance from home is recorded for ", p.distance_known(), " of the ",
                            r.care().looked_after_at_end(),
                            " children looked after at the end; the others are not counted as "
                            "placed over 20 miles away.");
    }
    s.groups.push_back(Group{
        "placements",
        "Placement moves and stability",
        "figure",
        false,
        "",
        {Count("moves", "placement moves in the year (change of carer)", p.moves()),
         Count("children_who_moved", "children who moved", p.children_who_moved()),
         Count("three_or_more", "at the end: 3 or more placements in 12 months", p.three_or_more()),
         Count("over_20_miles", "at the end: placed over 20 miles from home", p.over_20_miles()),
         Count("distance_known", "at the end: distance from home recorded", p.distance_known()),
         Count("unregistered", "at the end: in an unregistered placement", p.unregistered())}});
    s.groups.push_back(MapGroup("placements.reasons_ended", "Moves, by reason the placement ended",
                                "code", p.reasons_ended(), &codes::ReasonForPlacementChangeLabel,
                                "No placement move in the year."));
    s.groups.push_back(MapGroup("placements.type_at_end", "Looked after at the end, by placement",
                                "code", p.type_at_end(), &codes::PlacementTypeLabel,
                                "No child was looked after at the end of the year."));
    sections.push_back(std::move(s));
  }
  {
    const v1::AnnualIroFootprint& f = r.iro_footprint();
    Section s{"The IRO's footprint beyond reviews", "", {}};
    const auto& v = f.visits();
    s.groups.push_back(Group{
        "iro_footprint.visits",
        "IRO visits to children",
        "figure",
        false,
        "",
        {Count("face_to_face", "face-to-face visits", v.face_to_face()),
         Count("children_face_to_face", "children visited face to face", v.children_face_to_face()),
         Count("children_face_to_face_last_quarter",
               "children visited face to face in the last quarter (January - March)",
               v.children_face_to_face_last_quarter()),
         Count("virtual_visits", "virtual visits", v.virtual_visits()),
         Count("children_visited_virtually", "children visited virtually",
               v.children_visited_virtually())}});
    const auto& qa = f.quality_assurance();
    s.groups.push_back(Group{
        "iro_footprint.quality_assurance",
        "Quality assurance",
        "figure",
        false,
        "",
        {Count("forms", "quality-and-compliance forms for reviews held in the year", qa.forms()),
         Count("reviews_held", "reviews held in the year", qa.reviews_held()),
         Percent("percent_of_reviews", "% of reviews with a form", qa.percent_of_reviews())}});
    s.groups.push_back(MapGroup("iro_footprint.quality_assurance.by_grade",
                                "Practice graded by the IRO", "grade", qa.by_grade(), nullptr,
                                "No form graded practice."));
    s.groups.push_back(MapGroup("iro_footprint.quality_assurance.inadequate_themes",
                                "Themes of inadequate findings", "theme", qa.inadequate_themes(),
                                nullptr, "No practice was graded inadequate."));
    const auto& life = f.life_story_work();
    s.groups.push_back(
        Group{"iro_footprint.life_story_work",
              "Life-story work",
              "figure",
              false,
              "",
              {Count("completed", "children looked after at the end with life-story work completed",
                     life.completed()),
               Count("looked_after_at_end", "children looked after at the end",
                     life.looked_after_at_end()),
               Percent("percent", "% with life-story work completed", life.percent())}});
    s.groups.push_back(Group{
        "iro_footprint",
        "Case-file audits",
        "figure",
        false,
        "",
        {Count("case_file_audits", "case-file audits by IROs in the year", f.case_file_audits())}});
    sections.push_back(std::move(s));
  }
  return sections;
}

bool IsNumber(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return false;
  }
  return true;
}

// The change from `before` to `now`, both numbers as text ("+3", "-2", "0"; one decimal for
// percentages).
std::string Change(const std::string& before, const std::string& now) {
  if (!IsNumber(before) || !IsNumber(now)) return "";
  const bool decimal = before.find('.') != std::string::npos || now.find('.') != std::string::npos;
  const double d = std::strtod(now.c_str(), nullptr) - std::strtod(before.c_str(), nullptr);
  if (decimal) return absl::StrFormat("%+.1f", d);
  const int64_t n = static_cast<int64_t>(d);
  return n == 0 ? "0" : absl::StrFormat("%+d", n);
}

// The footnote of `reason` in `section` (added once), its number.
int Footnote(Section& section, const std::string& reason) {
  for (size_t i = 0; i < section.notes.size(); ++i) {
    if (section.notes[i] == reason) return static_cast<int>(i) + 1;
  }
  section.notes.push_back(reason);
  return static_cast<int>(section.notes.size());
}

// The reason a figure at `path` (or a group or section containing it) is not recorded, if it is.
const std::string* NotRecordedReason(const v1::AnnualReport& r, const std::string& path) {
  for (const v1::NotRecorded& n : r.not_recorded()) {
    const std::string& f = n.field();
    if (path == f ||
        (path.size() > f.size() && path.compare(0, f.size(), f) == 0 && path[f.size()] == '.')) {
      return &n.reason();
    }
  }
  return nullptr;
}

// Marks what is not recorded (a dash and a footnote), and adds the year before's values.
void Annotate(const v1::AnnualReport& r, std::vector<Section>* sections) {
  std::map<std::string, std::map<std::string, std::pair<std::string, bool>>> before;
  std::set<std::string> before_missing_groups;
  if (r.has_previous()) {
    for (const Section& section : FigureSections(r.previous())) {
      for (const Group& group : section.groups) {
        if (NotRecordedReason(r.previous(), group.id)) before_missing_groups.insert(group.id);
        for (const Row& row : group.rows) {
          const bool missing = NotRecordedReason(r.previous(), group.id + "." + row.key) != nullptr;
          before[group.id][row.key] = {row.value, missing};
        }
      }
    }
  }
  for (Section& section : *sections) {
    for (Group& group : section.groups) {
      // A code counted the year before and not this year: a row of 0 beside it.
      auto codes_before = before.find(group.id);
      if (group.key_header != "figure" && codes_before != before.end() &&
          !NotRecordedReason(r, group.id)) {
        bool added = false;
        for (const auto& [key, value] : codes_before->second) {
          const bool present = std::any_of(group.rows.begin(), group.rows.end(),
                                           [&key = key](const Row& row) { return row.key == key; });
          if (present || value.first == "0") continue;
          Row row = Count(key, "", 0);
          for (const Section& s2 : FigureSections(r.previous())) {
            for (const Group& g2 : s2.groups) {
              if (g2.id != group.id) continue;
              for (const Row& r2 : g2.rows) {
                if (r2.key == key) row.label = r2.label;
              }
            }
          }
          group.rows.push_back(std::move(row));
          added = true;
        }
        if (added) {
          std::sort(group.rows.begin(), group.rows.end(),
                    [](const Row& a, const Row& b) { return a.key < b.key; });
        }
      }
      if (const std::string* reason = NotRecordedReason(r, group.id)) {
        group.missing_note = Footnote(section, *reason);
      }
      for (Row& row : group.rows) {
        if (const std::string* reason = NotRecordedReason(r, group.id + "." + row.key)) {
          row.missing = true;
          row.note = Footnote(section, *reason);
          row.value = kDash;
          row.count = 0;
          row.css.clear();
        }
        if (!r.has_previous()) continue;
        auto g = before.find(group.id);
        const bool group_missing = before_missing_groups.contains(group.id);
        if (group_missing) {
          row.previous = "not recorded";
        } else if (g != before.end() && g->second.contains(row.key)) {
          const auto& [value, missing] = g->second.at(row.key);
          row.previous = missing ? "not recorded" : value;
        } else {
          row.previous = group.key_header == "figure" ? "" : "0";  // a code absent: none
        }
        if (!row.missing) row.change = Change(row.previous, row.value);
      }
    }
  }
}

std::string Rag(const std::string& rating) { return rating.empty() ? "" : "rag-" + rating; }

// The headline figures first, as the panel reads them.
Section Headline(const v1::AnnualReport& r) {
  Section s{"Summary", "", {}};
  const v1::AnnualReviews& v = r.reviews();
  const v1::AnnualChallenges& c = r.challenges();
  std::vector<Row> rows = {
      Count("looked_after_at_start", "children looked after at the start (" + r.from() + ")",
            r.care().looked_after_at_start()),
      Count("looked_after_at_end", "children looked after at the end (" + r.to() + ")",
            r.care().looked_after_at_end()),
      Count("held", "reviews held", v.held()),
      Percent("percent_in_time", "percent held in time", v.percent_in_time()),
      Row{"rating", "rating against the council's thresholds",
          v.rating().empty() ? "none" : v.rating(), 0}};
  rows.back().css = Rag(v.rating());
  rows.push_back(Count("raised_formal", "escalations raised at a formal stage", c.raised_formal()));
  rows.push_back(Count("resolved", "challenges resolved", c.resolved()));
  std::map<std::string, int32_t> stages(c.resolved_by_stage().begin(), c.resolved_by_stage().end());
  for (const auto& [stage, count] : stages) {
    rows.push_back(Count("resolved_by_stage." + stage, "resolved at " + stage, count));
  }
  rows.push_back(Count("at_end", "children in section 20 (V2) at the end", r.section20().at_end()));
  s.groups.push_back(
      Group{"summary", "The year at a glance", "figure", false, "", std::move(rows)});
  // The summary's rows are other sections' figures: they are not recorded when those are.
  const std::map<std::string, std::string> paths = {
      {"looked_after_at_start", "care.looked_after_at_start"},
      {"looked_after_at_end", "care.looked_after_at_end"},
      {"held", "reviews.held"},
      {"percent_in_time", "reviews.percent_in_time"},
      {"rating", "reviews.rating"},
      {"raised_formal", "challenges.raised_formal"},
      {"resolved", "challenges.resolved"},
      {"at_end", "section20.at_end"}};
  for (Row& row : s.groups.back().rows) {
    auto it = paths.find(row.key);
    const std::string path = it != paths.end() ? it->second : "challenges." + row.key;
    if (const std::string* reason = NotRecordedReason(r, path)) {
      row.missing = true;
      row.note = Footnote(s, *reason);
      row.value = kDash;
      row.css.clear();
    }
  }
  if (r.has_previous()) {
    const v1::AnnualReport& p = r.previous();
    Section before = Headline([&] {
      v1::AnnualReport copy = p;
      copy.clear_previous();
      return copy;
    }());
    std::map<std::string, std::pair<std::string, bool>> values;
    for (const Row& row : before.groups[0].rows) values[row.key] = {row.value, row.missing};
    for (Row& row : s.groups.back().rows) {
      auto it = values.find(row.key);
      if (it == values.end()) {
        row.previous = row.key.rfind("resolved_by_stage.", 0) == 0 ? "0" : "";
      } else {
        row.previous = it->second.second ? "not recorded" : it->second.first;
      }
      if (!row.missing) row.change = Change(row.previous, row.value);
    }
  }
  return s;
}

// What the record holds: so that the reader can tell "none" from "not recorded".
Section Coverage(const v1::AnnualReport& r) {
  const v1::AnnualCoverage& c = r.coverage();
  Section s{"About the data", "", {}};
  if (!c.year_has_data()) {
    s.note = absl::StrCat(
        "Nothing is recorded for this collection year: the figures below are not recorded, not "
        "zero. ",
        c.first_year_with_data() == 0
            ? std::string("The record holds no child's event yet.")
            : absl::StrCat("The record holds data for the collection years ",
                           c.first_year_with_data(), " to ", c.last_year_with_data(), "."));
  }
  Table facts{"coverage", "The record", {"figure", "value"}, {}, ""};
  facts.rows.push_back({"children in the record (any date)", absl::StrCat(c.children_in_record())});
  facts.rows.push_back({"latest day an event is dated",
                        c.latest_event_on().empty() ? std::string(kDash) : c.latest_event_on()});
  if (c.first_year_with_data() != 0) {
    facts.rows.push_back({"collection years with data",
                          absl::StrCat(c.first_year_with_data(), " to ", c.last_year_with_data())});
  }
  facts.rows.push_back({"report produced at", c.produced_at()});
  facts.rows.push_back({"computed from the log up to position", absl::StrCat(r.position())});
  s.tables.push_back(std::move(facts));
  Table sources{"coverage.sources",
                "Where the record's events came from",
                {"source system", "children", "events", "first event dated", "last event dated"},
                {},
                "No event is recorded."};
  for (const v1::SourceCoverage& source : c.sources()) {
    sources.rows.push_back({source.source_system() + (source.imported() ? " (import)" : ""),
                            absl::StrCat(source.children()), absl::StrCat(source.events()),
                            source.first_event_on(), source.last_event_on()});
  }
  s.tables.push_back(std::move(sources));
  Table runs{"coverage.import_runs",
             "Imports",
             {"source system and years", "children read", "imported", "already imported",
              "rejected", "rows left out", "start not known", "finished"},
             {},
             "No import run is recorded."};
  for (const v1::ImportRunCoverage& run : c.import_runs()) {
    std::vector<std::string> years;
    for (int32_t y : run.years()) years.push_back(absl::StrCat(y));
    runs.rows.push_back({absl::StrCat(run.source_system(), " ", absl::StrJoin(years, ", ")),
                         absl::StrCat(run.children_read()), absl::StrCat(run.children_imported()),
                         absl::StrCat(run.children_already_imported()),
                         absl::StrCat(run.children_rejected()), absl::StrCat(run.rows_left_out()),
                         absl::StrCat(run.children_start_not_known()), run.finished_at()});
  }
  s.tables.push_back(std::move(runs));
  return s;
}

std::vector<Section> Sections(const v1::AnnualReport& r) {
  std::vector<Section> figures = FigureSections(r);
  Annotate(r, &figures);
  if (!r.has_coverage()) return figures;
  std::vector<Section> sections;
  sections.push_back(Headline(r));
  sections.push_back(Coverage(r));
  for (Section& s : figures) sections.push_back(std::move(s));
  return sections;
}

std::string Scope(const v1::AnnualReport& r) {
  if (r.iro().empty() && r.team().empty()) return "all children";
  std::string scope = "children";
  if (!r.iro().empty()) absl::StrAppend(&scope, " of IRO ", r.iro());
  if (!r.team().empty()) absl::StrAppend(&scope, " in team ", r.team());
  return scope;
}

std::string Period(const v1::AnnualReport& r) {
  std::string period = absl::StrCat(r.from(), " to ", r.to());
  if (!r.complete()) absl::StrAppend(&period, " (the year so far)");
  return period;
}

}  // namespace

// Markdown table cells: a '|' would end the cell, and '<', '*', '_', '[', '`' ... would be read
// as HTML or emphasis (a theme's text is the council's); each gets a backslash.
std::string MdCell(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (absl::string_view("\\`*_[]<>|").find(c) != absl::string_view::npos) out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string CsvField(absl::string_view text) {
  if (text.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i)
    absl::StrAppend(&out, i > 0 ? "," : "", CsvField(fields[i]));
  return out + "\n";
}

std::string Html(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// A horizontal bar chart of a group's counts, sized to its rows.
std::string BarChart(const Group& group) {
  constexpr int kLabelWidth = 330;
  constexpr int kBarWidth = 300;
  constexpr int kRowHeight = 24;
  int64_t max = 0;
  for (const Row& row : group.rows) max = std::max(max, row.count);
  const int height = static_cast<int>(group.rows.size()) * kRowHeight + 8;
  const int width = kLabelWidth + kBarWidth + 60;
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" id=\"chart-%s\" width=\"%d\" "
      "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n<title>%s</title>\n",
      Html(group.id), width, height, width, height, Html(group.title), Html(group.title));
  int y = 4;
  for (const Row& row : group.rows) {
    const int bar = max > 0 ? static_cast<int>(row.count * kBarWidth / max) : 0;
    std::string name = row.key == "(none)" ? "not recorded" : row.key;
    if (!row.label.empty() && row.key != "(none)") {
      std::string label = row.label.size() > 40 ? row.label.substr(0, 39) + "..." : row.label;
      name = absl::StrCat(row.key, " ", label);
    }
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"label\">%s</text>"
                          "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
                          "<text x=\"%d\" y=\"%d\" class=\"value\">%d</text>\n",
                          kLabelWidth - 8, y + 16, Html(name), kLabelWidth, y + 3, bar,
                          kRowHeight - 6, kLabelWidth + bar + 6, y + 16, row.count);
    y += kRowHeight;
  }
  return svg + "</svg>\n";
}

bool AllZero(const Group& group) {
  return std::all_of(group.rows.begin(), group.rows.end(),
                     [](const Row& row) { return row.count == 0; });
}

constexpr char kStyle[] = R"css(
body { font-family: "Helvetica Neue", Arial, sans-serif; color: #1b1b1b; margin: 2em auto;
       max-width: 60em; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #1d70b8; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-bottom: 0.4em; }
p.meta { color: #505a5f; margin-top: 0; }
p.note { background: #f3f2f1; padding: 0.5em 0.8em; border-left: 4px solid #b1b4b6; }
table { border-collapse: collapse; margin: 0.5em 0 1em; min-width: 30em; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 0.3em 0.8em; text-align: left; }
td.value, th.value { text-align: right; font-variant-numeric: tabular-nums; }
svg.chart { display: block; margin: 0.5em 0 1.5em; font-size: 12px; }
svg.chart rect.bar { fill: #1d70b8; }
svg.chart rect.key { fill: #1d70b8; }
svg.chart rect.prev { fill: #a6c4e0; }
svg.chart line.axis { stroke: #505a5f; }
svg.chart text { fill: #1b1b1b; }
svg.chart text.small { font-size: 10px; }
td.rag-green { background: #cce2d8; color: #005a30; font-weight: bold; }
td.rag-amber { background: #fff7bf; color: #594d00; font-weight: bold; }
td.rag-red { background: #f6d7d2; color: #942514; font-weight: bold; }
p.missing { color: #505a5f; }
ol.notes { color: #505a5f; font-size: 0.9em; }
@media print { h2 { page-break-before: auto; } svg.chart { page-break-inside: avoid; } }
)css";

}  // namespace

absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message) {
  static constexpr char kUrlPrefix[] = "type.googleapis.com";
  static const std::unique_ptr<google::protobuf::util::TypeResolver> resolver(
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kUrlPrefix, google::protobuf::DescriptorPool::generated_pool()));
  // Serialized deterministically first: that sorts the map keys.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    if (!message.SerializeToCodedStream(&coded)) {
      return absl::InternalError("cannot serialize the server's answer");
    }
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string text;
  const auto status = google::protobuf::util::BinaryToJsonString(
      resolver.get(), std::string(kUrlPrefix) + "/" + message.GetDescriptor()->full_name(), bytes,
      &text, options);
  if (!status.ok()) return absl::InternalError(std::string(status.message()));
  return text;
}

namespace {

// Null at each not-recorded path of `report` within `json`.
void NullNotRecorded(const v1::AnnualReport& report, nlohmann::json* json) {
  for (const v1::NotRecorded& n : report.not_recorded()) {
    nlohmann::json* at = json;
    const std::vector<std::string> parts = absl::StrSplit(n.field(), '.');
    for (size_t i = 0; i + 1 < parts.size() && at != nullptr; ++i) {
      at = at->is_object() && at->contains(parts[i]) ? &(*at)[parts[i]] : nullptr;
    }
    if (at != nullptr && at->is_object()) (*at)[parts.back()] = nullptr;
  }
}

bool HasPrevious(const std::vector<Section>& sections) {
  for (const Section& s : sections) {
    for (const Group& g : s.groups) {
      for (const Row& row : g.rows) {
        if (!row.previous.empty()) return true;
      }
    }
  }
  return false;
}

std::string Marked(const Row& row) {
  return row.missing ? absl::StrCat(kDash, " [", row.note, "]") : row.value;
}

}  // namespace

absl::StatusOr<std::string> AnnualReportJson(const v1::AnnualReport& r) {
  auto text = MessageToJson(r);
  if (!text.ok()) return text.status();
  if (r.not_recorded().empty() && r.previous().not_recorded().empty()) return text;
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return absl::InternalError("cannot read back the report's JSON");
  NullNotRecorded(r, &json);
  if (r.has_previous() && json.contains("previous"))
    NullNotRecorded(r.previous(), &json["previous"]);
  return json.dump();
}

std::string AnnualReportMarkdown(const v1::AnnualReport& r) {
  std::string md = absl::StrCat(
      "# IRO service annual report ", CollectionYear(r), "\n\n", "Collection year ", Period(r),
      "; ", Scope(r), ". Computed from the record up to log position ", r.position(), ".\n");
  const std::vector<Section> sections = Sections(r);
  const bool before = HasPrevious(sections);
  for (const Section& section : sections) {
    absl::StrAppend(&md, "\n## ", section.title, "\n");
    if (!section.note.empty()) absl::StrAppend(&md, "\n", section.note, "\n");
    for (const Group& group : section.groups) {
      absl::StrAppend(&md, "\n### ", group.title, "\n\n");
      if (group.rows.empty()) {
        if (group.missing_note > 0) {
          absl::StrAppend(&md, "Not recorded [", group.missing_note, "].\n");
        } else {
          absl::StrAppend(&md, group.empty, "\n");
        }
        continue;
      }
      const bool coded = group.key_header != "figure";
      const std::string extra_head = before ? " year before | change |" : "";
      const std::string extra_rule = before ? "---:|---:|" : "";
      if (coded) {
        absl::StrAppend(&md, "| ", group.key_header, " | description | number |", extra_head,
                        "\n|---|---|---:|", extra_rule, "\n");
      } else {
        absl::StrAppend(&md, "| figure | number |", extra_head, "\n|---|---:|", extra_rule, "\n");
      }
      for (const Row& row : group.rows) {
        const std::string extra =
            before ? absl::StrCat(" ", row.previous.empty() ? kDash : row.previous, " | ",
                                  row.change.empty() ? kDash : row.change, " |")
                   : "";
        if (coded) {
          absl::StrAppend(&md, "| ", MdCell(row.key), " | ", MdCell(row.label), " | ", Marked(row),
                          " |", extra, "\n");
        } else {
          absl::StrAppend(&md, "| ", MdCell(row.label), " | ", Marked(row), " |", extra, "\n");
        }
      }
    }
    for (const Table& table : section.tables) {
      absl::StrAppend(&md, "\n### ", table.title, "\n\n");
      if (table.rows.empty()) {
        absl::StrAppend(&md, table.empty, "\n");
        continue;
      }
      absl::StrAppend(&md, "|");
      for (const std::string& h : table.headers) absl::StrAppend(&md, " ", MdCell(h), " |");
      absl::StrAppend(&md, "\n|---|");
      for (size_t i = 1; i < table.headers.size(); ++i) absl::StrAppend(&md, "---:|");
      absl::StrAppend(&md, "\n");
      for (const auto& cells : table.rows) {
        absl::StrAppend(&md, "|");
        for (const std::string& cell : cells) absl::StrAppend(&md, " ", MdCell(cell), " |");
        absl::StrAppend(&md, "\n");
      }
    }
    if (!section.notes.empty()) absl::StrAppend(&md, "\n");
    for (size_t i = 0; i < section.notes.size(); ++i) {
      absl::StrAppend(&md, "[", i + 1, "] Not recorded: ", section.notes[i], ".\n");
    }
  }
  return md;
}

std::string AnnualReportCsv(const v1::AnnualReport& r) {
  std::string csv = "section,item,label,value\n";
  const auto line = [&](absl::string_view section, absl::string_view item, absl::string_view label,
                        absl::string_view value) {
    absl::StrAppend(&csv, CsvField(section), ",", CsvField(item), ",", CsvField(label), ",",
                    CsvField(value), "\n");
  };
  line("report", "year", "collection year", absl::StrCat(r.year()));
  line("report", "from", "first day", r.from());
  line("report", "to", "last day", r.to());
  line("report", "complete", "the whole year", r.complete() ? "true" : "false");
  line("report", "iro", "IRO filter", r.iro());
  line("report", "team", "team filter", r.team());
  line("report", "position", "log position", absl::StrCat(r.position()));
  for (const Section& section : Sections(r)) {
    for (const Group& group : section.groups) {
      if (group.id == "summary") continue;  // the other sections' figures again
      if (group.rows.empty() && group.missing_note > 0) {
        line(group.id, "", "not recorded: " + section.notes[group.missing_note - 1], "");
      }
      for (const Row& row : group.rows) {
        // A figure not recorded: an empty value, and the reason in the label.
        line(group.id, row.key,
             row.missing ? row.label + " (not recorded: " + section.notes[row.note - 1] + ")"
                         : row.label,
             row.missing ? "" : row.value);
        if (!row.previous.empty()) {
          line(group.id + ".previous", row.key, row.label,
               row.previous == "not recorded" ? "" : row.previous);
        }
      }
    }
  }
  return csv;
}

namespace {

// Grouped vertical bars: one group per label, a bar per series (this year dark, the year before
// light), a legend; widths from the labels so nothing is cut off.
std::string ColumnChart(const std::string& id, const std::string& title,
                        const std::vector<std::string>& labels,
                        const std::vector<std::pair<std::string, std::vector<int64_t>>>& series) {
  constexpr int kLeft = 40;
  constexpr int kTop = 30;
  constexpr int kPlot = 160;
  constexpr int kBar = 14;
  const int per_group = static_cast<int>(series.size()) * kBar + 12;
  const int width = kLeft + per_group * static_cast<int>(labels.size()) + 20;
  const int height = kTop + kPlot + 40;
  int64_t max = 1;
  for (const auto& [name, values] : series) {
    for (int64_t v : values) max = std::max(max, v);
  }
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" id=\"chart-%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "role=\"img\" aria-label=\"%s\">\n<title>%s</title>\n",
      Html(id), width, height, width, height, Html(title), Html(title));
  int legend_x = kLeft;
  for (size_t s = 0; s < series.size(); ++s) {
    absl::StrAppendFormat(&svg,
                          "<rect class=\"key%s\" x=\"%d\" y=\"6\" width=\"12\" height=\"12\"/>"
                          "<text x=\"%d\" y=\"16\">%s</text>\n",
                          s == 0 ? "" : " prev", legend_x, legend_x + 16, Html(series[s].first));
    legend_x += 16 + static_cast<int>(series[s].first.size()) * 7 + 20;
  }
  absl::StrAppendFormat(&svg, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>\n",
                        kLeft, kTop + kPlot, width - 10, kTop + kPlot);
  for (size_t g = 0; g < labels.size(); ++g) {
    const int x0 = kLeft + static_cast<int>(g) * per_group + 6;
    for (size_t s = 0; s < series.size(); ++s) {
      const int64_t v = g < series[s].second.size() ? series[s].second[g] : 0;
      const int h = static_cast<int>(v * kPlot / max);
      const int x = x0 + static_cast<int>(s) * kBar;
      absl::StrAppendFormat(&svg,
                            "<rect class=\"bar%s\" x=\"%d\" y=\"%d\" width=\"%d\" "
                            "height=\"%d\"/><text x=\"%d\" y=\"%d\" class=\"small\" "
                            "text-anchor=\"middle\">%d</text>\n",
                            s == 0 ? "" : " prev", x, kTop + kPlot - h, kBar - 2, h,
                            x + (kBar - 2) / 2, kTop + kPlot - h - 3, v);
    }
    absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                          x0 + static_cast<int>(series.size()) * kBar / 2, kTop + kPlot + 16,
                          Html(labels[g]));
  }
  return svg + "</svg>\n";
}

// Horizontal bars, this year and the year before per row, labels measured so none is cut off.
std::string YearOnYearChart(const std::string& id, const std::string& title,
                            const std::vector<Row>& rows) {
  size_t longest = 0;
  std::vector<std::string> names;
  for (const Row& row : rows) {
    std::string name = row.key == "(none)" ? "not recorded" : row.label;
    if (name.empty()) name = row.key;
    longest = std::max(longest, name.size());
    names.push_back(std::move(name));
  }
  const int label_width = static_cast<int>(longest) * 7 + 16;
  constexpr int kBarWidth = 300;
  constexpr int kRow = 34;
  int64_t max = 1;
  for (const Row& row : rows) {
    max = std::max<int64_t>(max, row.count);
    if (IsNumber(row.previous)) max = std::max<int64_t>(max, std::atoll(row.previous.c_str()));
  }
  const int width = label_width + kBarWidth + 60;
  const int height = static_cast<int>(rows.size()) * kRow + 30;
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" id=\"chart-%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "role=\"img\" aria-label=\"%s\">\n<title>%s</title>\n",
      Html(id), width, height, width, height, Html(title), Html(title));
  absl::StrAppendFormat(&svg,
                        "<rect class=\"key\" x=\"%d\" y=\"4\" width=\"12\" height=\"12\"/>"
                        "<text x=\"%d\" y=\"14\">this year</text>"
                        "<rect class=\"key prev\" x=\"%d\" y=\"4\" width=\"12\" height=\"12\"/>"
                        "<text x=\"%d\" y=\"14\">year before</text>\n",
                        label_width, label_width + 16, label_width + 100, label_width + 116);
  int y = 24;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    const int64_t before = IsNumber(row.previous) ? std::atoll(row.previous.c_str()) : 0;
    const int now_w = static_cast<int>(row.count * kBarWidth / max);
    const int before_w = static_cast<int>(before * kBarWidth / max);
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"label\">%s</text>"
                          "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"13\"/>"
                          "<text x=\"%d\" y=\"%d\" class=\"small\">%d</text>"
                          "<rect class=\"bar prev\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"13\"/>"
                          "<text x=\"%d\" y=\"%d\" class=\"small\">%s</text>\n",
                          label_width - 8, y + 18, Html(names[i]), label_width, y + 2, now_w,
                          label_width + now_w + 4, y + 13, row.count, label_width, y + 16, before_w,
                          label_width + before_w + 4, y + 27,
                          Html(row.previous.empty() ? "" : row.previous));
    y += kRow;
  }
  return svg + "</svg>\n";
}

// The charts of the panel report: what the tables cannot show at a glance.
std::string PanelChart(const v1::AnnualReport& r, const Section& section) {
  std::string html;
  if (section.title == "Summary") {
    std::vector<Row> rows;
    for (const Row& row : section.groups[0].rows) {
      if (row.missing || row.key == "rating" || row.key == "percent_in_time") continue;
      if (row.key.rfind("resolved_by_stage.", 0) == 0) continue;
      rows.push_back(row);
    }
    if (!rows.empty()) {
      html += YearOnYearChart("summary", "The year against the year before", rows);
    }
  } else if (section.title == "Children looked after") {
    std::vector<std::string> labels;
    std::vector<int64_t> in_now, in_before, out_now, out_before;
    std::map<std::string, int32_t> started(r.care().started_by_month().begin(),
                                           r.care().started_by_month().end());
    std::map<std::string, int32_t> p_started(r.previous().care().started_by_month().begin(),
                                             r.previous().care().started_by_month().end());
    std::map<std::string, int32_t> p_ended(r.previous().care().ended_by_month().begin(),
                                           r.previous().care().ended_by_month().end());
    static const char* kShort[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (const auto& [month, count] : started) {
      const int m = std::atoi(month.c_str() + 5);
      labels.push_back(m >= 1 && m <= 12 ? kShort[m - 1] : month);
      in_now.push_back(count);
      auto ended = r.care().ended_by_month().find(month);
      out_now.push_back(ended == r.care().ended_by_month().end() ? 0 : ended->second);
      const std::string last_year = absl::StrCat(std::atoi(month.c_str()) - 1, month.substr(4));
      in_before.push_back(p_started.contains(last_year) ? p_started[last_year] : 0);
      out_before.push_back(p_ended.contains(last_year) ? p_ended[last_year] : 0);
    }
    if (labels.empty()) return html;
    const bool before = r.has_previous() && r.previous().has_care();
    std::vector<std::pair<std::string, std::vector<int64_t>>> in_series = {{"this year", in_now}};
    std::vector<std::pair<std::string, std::vector<int64_t>>> out_series = {{"this year", out_now}};
    if (before) {
      in_series.push_back({"year before", in_before});
      out_series.push_back({"year before", out_before});
    }
    html += "<h3>Entering care, month by month</h3>\n";
    html +=
        ColumnChart("care.started_by_month", "Entering care, month by month", labels, in_series);
    html += "<h3>Ceasing care, month by month</h3>\n";
    html += ColumnChart("care.ended_by_month", "Ceasing care, month by month", labels, out_series);
    for (const Group& g : section.groups) {
      if (g.id == "care.ended_by_reason" && !g.rows.empty()) {
        html += "<h3>Ceasing care by reason, against the year before</h3>\n";
        html += YearOnYearChart(g.id, "Ceasing care by reason, against the year before", g.rows);
      }
    }
  } else {
    for (const Group& g : section.groups) {
      if ((g.id == "reviews.participation" || g.id == "reviews.social_worker_reports" ||
           g.id == "placements.type_at_end") &&
          !g.rows.empty() && !AllZero(g) && g.rows[0].missing == false) {
        html += absl::StrCat("<h3>", Html(g.title), ", against the year before</h3>\n");
        html += YearOnYearChart(g.id, g.title + ", against the year before", g.rows);
      }
    }
  }
  return html;
}

}  // namespace

std::string AnnualReportHtml(const v1::AnnualReport& r) {
  const std::string title = absl::StrCat("IRO service annual report ", CollectionYear(r));
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>",
      Html(title), "</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n<h1>", Html(title),
      "</h1>\n<p class=\"meta\">Collection year ", Html(Period(r)), "; ", Html(Scope(r)),
      ". Computed from the record up to log position ", r.position(), ".</p>\n");
  const std::vector<Section> sections = Sections(r);
  const bool before = HasPrevious(sections);
  const bool panel = r.has_coverage() && r.has_previous();
  for (const Section& section : sections) {
    absl::StrAppend(&html, "<section>\n<h2>", Html(section.title), "</h2>\n");
    if (!section.note.empty()) {
      absl::StrAppend(&html, "<p class=\"note\">", Html(section.note), "</p>\n");
    }
    for (const Group& group : section.groups) {
      absl::StrAppend(&html, "<h3>", Html(group.title), "</h3>\n");
      if (group.rows.empty()) {
        if (group.missing_note > 0) {
          absl::StrAppend(&html, "<p class=\"missing\">Not recorded<sup>", group.missing_note,
                          "</sup>.</p>\n");
        } else {
          absl::StrAppend(&html, "<p>", Html(group.empty), "</p>\n");
        }
        continue;
      }
      const bool coded = group.key_header != "figure";
      absl::StrAppend(&html, "<table id=\"table-", Html(group.id), "\">\n<thead><tr>");
      if (coded) {
        absl::StrAppend(&html, "<th>", Html(group.key_header), "</th><th>description</th>");
      } else {
        absl::StrAppend(&html, "<th>figure</th>");
      }
      absl::StrAppend(&html, "<th class=\"value\">number</th>");
      if (before) {
        absl::StrAppend(&html,
                        "<th class=\"value\">year before</th><th class=\"value\">change</th>");
      }
      absl::StrAppend(&html, "</tr></thead>\n<tbody>\n");
      for (const Row& row : group.rows) {
        absl::StrAppend(&html, "<tr>");
        if (coded) absl::StrAppend(&html, "<td>", Html(row.key), "</td>");
        const std::string value =
            row.missing ? absl::StrCat(kDash, "<sup>", row.note, "</sup>") : Html(row.value);
        absl::StrAppend(&html, "<td>", Html(row.label), "</td><td class=\"value",
                        row.css.empty() ? "" : " " + row.css, "\">", value, "</td>");
        if (before) {
          absl::StrAppend(
              &html, "<td class=\"value\">", row.previous.empty() ? kDash : Html(row.previous),
              "</td><td class=\"value\">", row.change.empty() ? kDash : Html(row.change), "</td>");
        }
        absl::StrAppend(&html, "</tr>\n");
      }
      absl::StrAppend(&html, "</tbody>\n</table>\n");
      if (!panel && group.chart && !AllZero(group)) absl::StrAppend(&html, BarChart(group));
    }
    for (const Table& table : section.tables) {
      absl::StrAppend(&html, "<h3>", Html(table.title), "</h3>\n");
      if (table.rows.empty()) {
        absl::StrAppend(&html, "<p>", Html(table.empty), "</p>\n");
        continue;
      }
      absl::StrAppend(&html, "<table id=\"table-", Html(table.id), "\">\n<thead><tr>");
      for (size_t i = 0; i < table.headers.size(); ++i) {
        absl::StrAppend(&html, i == 0 ? "<th>" : "<th class=\"value\">", Html(table.headers[i]),
                        "</th>");
      }
      absl::StrAppend(&html, "</tr></thead>\n<tbody>\n");
      for (const auto& cells : table.rows) {
        absl::StrAppend(&html, "<tr>");
        for (size_t i = 0; i < cells.size(); ++i) {
          absl::StrAppend(&html, i == 0 ? "<td>" : "<td class=\"value\">", Html(cells[i]), "</td>");
        }
        absl::StrAppend(&html, "</tr>\n");
      }
      absl::StrAppend(&html, "</tbody>\n</table>\n");
    }
    if (panel) absl::StrAppend(&html, PanelChart(r, section));
    if (!section.notes.empty()) {
      absl::StrAppend(&html, "<ol class=\"notes\">\n");
      for (const std::string& note : section.notes) {
        absl::StrAppend(&html, "<li>Not recorded: ", Html(note), ".</li>\n");
      }
      absl::StrAppend(&html, "</ol>\n");
    }
    absl::StrAppend(&html, "</section>\n");
  }
  return html + "</body>\n</html>\n";
}

}  // namespace footprint::cli
