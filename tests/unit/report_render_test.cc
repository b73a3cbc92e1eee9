// The annual report's renderings (tools/cli/report_render.h) over a report built by hand: the
// Markdown tables, the CSV rows (read back with a small parser that respects quotes), the HTML
// page (self-contained, escaped, one chart per breakdown with something to draw) and the JSON.
#include "tools/cli/report_render.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "cli_session.h"
#include "footprint/v1/reports.pb.h"

namespace footprint::cli {
namespace {

using footprint::testing::Lines;

// A theme that needs escaping in every format: '<', '>', '&' and '"' in HTML, ',' and '"' in
// CSV, '|' in a Markdown table.
const char kTheme[] = "Care plan <drift> & \"delay\", stage | 2";

// A whole collection year. Nobody entered care (periods_started 0, so started_by_legal_status
// is empty) and no challenge was open at the end (open_at_end_by_stage empty).
v1::AnnualReport Sample() {
  v1::AnnualReport r;
  v1::AnnualIroFootprint& f = *r.mutable_iro_footprint();
  f.mutable_visits()->set_face_to_face(10);
  f.mutable_visits()->set_children_face_to_face(8);
  f.mutable_visits()->set_children_face_to_face_last_quarter(3);
  f.mutable_visits()->set_virtual_visits(4);
  f.mutable_visits()->set_children_visited_virtually(4);
  v1::AnnualIroFootprint::QualityAssurance& qa = *f.mutable_quality_assurance();
  qa.set_forms(6);
  qa.set_reviews_held(10);
  qa.set_percent_of_reviews(60.0);
  (*qa.mutable_by_grade())["OUTSTANDING"] = 1;
  (*qa.mutable_by_grade())["GOOD"] = 3;
  (*qa.mutable_by_grade())["REQUIRES_IMPROVEMENT"] = 1;
  (*qa.mutable_by_grade())["INADEQUATE"] = 1;
  (*qa.mutable_inadequate_themes())["Drift and Delay"] = 1;
  f.mutable_life_story_work()->set_looked_after_at_end(8);
  f.mutable_life_story_work()->set_completed(3);
  f.mutable_life_story_work()->set_percent(37.5);
  f.set_case_file_audits(2);
  r.set_year(2025);
  r.set_from("2025-04-01");
  r.set_to("2026-03-31");
  r.set_complete(true);
  r.set_position(42);

  v1::AnnualCare& care = *r.mutable_care();
  care.set_looked_after_at_start(12);
  care.set_looked_after_at_end(8);
  care.set_looked_after_during(12);
  care.set_periods_started(0);
  care.set_periods_ended(4);
  // Inserted out of key order.
  (*care.mutable_ended_by_reason())["E4A"] = 3;
  (*care.mutable_ended_by_reason())["(none)"] = 1;
  (*care.mutable_legal_status_at_end())["V2"] = 3;
  (*care.mutable_legal_status_at_end())["C2"] = 5;

  v1::AnnualReviews& reviews = *r.mutable_reviews();
  reviews.set_held(10);
  reviews.set_held_in_time(9);
  reviews.set_percent_in_time(90.0);
  reviews.set_rating("amber");
  reviews.set_children_reviewed(8);
  reviews.set_children_all_in_time(7);
  reviews.set_percent_children_in_time(87.5);
  for (const char* code : {"PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"}) {
    (*reviews.mutable_participation())[code] = 0;
  }
  (*reviews.mutable_participation())["PN1"] = 6;
  (*reviews.mutable_participation())["PN3"] = 4;
  v1::ReportTimeliness& reports = *reviews.mutable_social_worker_reports();
  reports.set_five_or_more_days_before(5);
  reports.set_one_to_four_days_before(3);
  reports.set_same_day(0);
  reports.set_after(0);
  reports.set_not_received(2);
  reviews.set_recommendations_in_time(8);
  reviews.set_records_in_time(7);
  reviews.set_midway_reviews(4);

  v1::AnnualChallenges& challenges = *r.mutable_challenges();
  challenges.set_raised(3);
  challenges.set_raised_informal(2);
  challenges.set_raised_formal(1);
  (*challenges.mutable_raised_by_theme())["Quality of Plan"] = 1;
  (*challenges.mutable_raised_by_theme())[kTheme] = 2;
  (*challenges.mutable_resolved_by_stage())["Stage 1"] = 1;
  challenges.set_resolved(1);
  challenges.set_withdrawn(2);
  challenges.set_cafcass_referrals(1);
  challenges.set_open_at_end(0);
  challenges.set_overdue_responses_at_end(0);

  v1::AnnualSection20& s20 = *r.mutable_section20();
  s20.set_at_end(3);
  s20.set_during(4);
  s20.set_flagged_at_end(2);
  s20.set_short_breaks_at_end(0);
  s20.set_short_breaks_during(1);

  v1::AnnualPlacements& placements = *r.mutable_placements();
  placements.set_moves(3);
  placements.set_children_who_moved(2);
  (*placements.mutable_reasons_ended())["CHILD"] = 1;
  (*placements.mutable_reasons_ended())["CARPL"] = 2;
  placements.set_three_or_more(1);
  placements.set_over_20_miles(2);
  placements.set_unregistered(1);
  placements.set_distance_known(6);  // of the 8 at the end: the page says so
  (*placements.mutable_type_at_end())["U1"] = 5;
  (*placements.mutable_type_at_end())["K2"] = 3;
  return r;
}

int Occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

bool HasLine(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// RFC 4180 records: fields split on ',' outside quotes, "" inside quotes for one '"', a record
// ended by '\n' outside quotes.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;   // inside a quoted field
  bool pending = false;  // something read since the last record ended
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    pending = true;
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
    } else if (c == '\n') {
      record.push_back(field);
      field.clear();
      records.push_back(record);
      record.clear();
      pending = false;
    } else {
      field += c;
    }
  }
  CHECK_FALSE(quoted);  // every quote closed
  if (pending) {
    record.push_back(field);
    records.push_back(record);
  }
  return records;
}

// '|' not escaped by a '\' before it.
int CellBars(const std::string& line) {
  int bars = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++bars;
  }
  return bars;
}

TEST_CASE("annual report as Markdown: a table per group, cells escaped, empty groups said",
          "[cli][render]") {
  const std::string md = AnnualReportMarkdown(Sample());
  CHECK(absl::StartsWith(md, "# IRO service annual report 2025-26\n"));
  CHECK(absl::StrContains(md,
                          "\nCollection year 2025-04-01 to 2026-03-31; all children. Computed from "
                          "the record up to log position 42.\n"));
  CHECK(absl::StrContains(md, "\n## Children looked after\n"));
  CHECK(absl::StrContains(md,
                          "| figure | number |\n|---|---:|\n"
                          "| looked after at the start (2025-04-01) | 12 |\n"
                          "| looked after at the end (2026-03-31) | 8 |\n"
                          "| looked after at any time in the year | 12 |\n"
                          "| periods of care started (entering care) | 0 |\n"
                          "| periods of care ended (ceasing care) | 4 |\n"));
  // A code map: by key, "(none)" as not recorded.
  CHECK(absl::StrContains(md,
                          "### Ceasing care, by reason\n\n"
                          "| code | description | number |\n|---|---|---:|\n"
                          "| (none) | not recorded | 1 |\n"
                          "| E4A | returned home as part of the care plan | 3 |\n"));
  CHECK(absl::StrContains(md, "| C2 | full care order | 5 |\n"));
  CHECK(absl::StrContains(md, "| PN3 | attends, conveys their view non-verbally | 4 |\n"));
  CHECK(absl::StrContains(md, "| PN0 | child under 4 | 0 |\n"));
  CHECK(absl::StrContains(md, "| percent held in time | 90.0 |\n"));
  CHECK(absl::StrContains(md, "| percent of children with every review in time | 87.5 |\n"));
  CHECK(absl::StrContains(md, "| rating against the council's thresholds | amber |\n"));
  CHECK(absl::StrContains(md, "| in section 20 (V2) at the end | 3 |\n"));
  // The theme's '|' and '<', '>' are escaped (a viewer would end the cell, or read HTML); the
  // themes in key order, with no description.
  CHECK(absl::StrContains(md,
                          "| theme | description | number |\n|---|---|---:|\n"
                          "| Care plan \\<drift\\> & \"delay\", stage \\| 2 |  | 2 |\n"
                          "| Quality of Plan |  | 1 |\n"));
  CHECK_FALSE(absl::StrContains(md, "stage | 2"));
  // Empty groups say so instead of a table.
  CHECK(absl::StrContains(md,
                          "### Entering care, by legal status at the start\n\n"
                          "No child entered care in the year.\n"));
  CHECK(absl::StrContains(md,
                          "### Open at the end, by stage\n\n"
                          "No challenge was open at the end of the year.\n"));
  CHECK_FALSE(absl::StrContains(md, "No period of care ended in the year."));
  // Distance known for 6 of the 8 at the end.
  CHECK(
      absl::StrContains(md,
                        "\nDistance from home is recorded for 6 of the 8 children looked after at "
                        "the end; the others are not counted as placed over 20 miles away.\n"));
  // Every table line has the bars of its table: 3 (figure, number) or 4 (code, description,
  // number).
  int table_lines = 0;
  for (const std::string& line : Lines(md)) {
    if (line.empty() || line[0] != '|') continue;
    ++table_lines;
    INFO(line);
    const int bars = CellBars(line);
    CHECK((bars == 3 || bars == 4));
  }
  // 19 tables with a header and a rule each, and 80 rows (issue 22 added 5 figures: periods
  // whose start is not known, reviews and children whose timeliness is not known, answers to a
  // stage in time and late; issue 24 the IRO's footprint: 6 tables of 5 + 3 + 4 + 1 + 3 + 1).
  CHECK(table_lines == 19 * 2 + 80);
  CHECK(absl::StrContains(md,
                          "| children visited face to face in the last quarter (January - "
                          "March) | 3 |\n"));
  CHECK(absl::StrContains(md, "| % with life-story work completed | 37.5 |\n"));

  SECTION("the year so far, for one IRO") {
    v1::AnnualReport so_far = Sample();
    so_far.set_to("2025-10-31");
    so_far.set_complete(false);
    so_far.set_iro("iro-1");
    const std::string text = AnnualReportMarkdown(so_far);
    CHECK(absl::StartsWith(text, "# IRO service annual report 2025-26\n"));
    CHECK(absl::StrContains(text,
                            "Collection year 2025-04-01 to 2025-10-31 (the year so far); children "
                            "of IRO iro-1. Computed"));
    CHECK(absl::StrContains(text, "| looked after at the end (2025-10-31) | 8 |\n"));
  }
  SECTION("every code at the end has a distance: no note") {
    v1::AnnualReport known = Sample();
    known.mutable_placements()->set_distance_known(8);
    CHECK_FALSE(absl::StrContains(AnnualReportMarkdown(known), "Distance from home is recorded"));
  }
}

TEST_CASE("annual report as CSV: a line per figure, four fields, quoted when needed",
          "[cli][render]") {
  const std::string csv = AnnualReportCsv(Sample());
  REQUIRE_FALSE(csv.empty());
  CHECK(csv.back() == '\n');
  const std::vector<std::string> lines = Lines(csv);
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.front() == "section,item,label,value");
  for (const char* expected : {
           "report,year,collection year,2025",
           "report,from,first day,2025-04-01",
           "report,to,last day,2026-03-31",
           "report,complete,the whole year,true",
           "report,iro,IRO filter,",
           "report,team,team filter,",
           "report,position,log position,42",
           "care,looked_after_at_start,looked after at the start (2025-04-01),12",
           "care,looked_after_at_end,looked after at the end (2026-03-31),8",
           "care,periods_started,periods of care started (entering care),0",
           "care.ended_by_reason,E4A,returned home as part of the care plan,3",
           "care.ended_by_reason,(none),not recorded,1",
           "care.legal_status_at_end,V2,single period of accommodation under section 20,3",
           "reviews,percent_in_time,percent held in time,90.0",
           "reviews,rating,rating against the council's thresholds,amber",
           "reviews.participation,PN1,attends and speaks for themselves,6",
           "reviews.participation,PN3,\"attends, conveys their view non-verbally\",4",
           "reviews.social_worker_reports,five_or_more_days_before,5 or more working days "
           "before,5",
           "challenges,withdrawn,withdrawn in the year,2",
           "challenges.raised_by_theme,\"Care plan <drift> & \"\"delay\"\", stage | 2\",,2",
           "challenges.raised_by_theme,Quality of Plan,,1",
           "challenges.resolved_by_stage,Stage 1,,1",
           "section20,at_end,in section 20 (V2) at the end,3",
           "placements,distance_known,at the end: distance from home recorded,6",
           "placements.reasons_ended,CARPL,change to or implementation of the care plan,2",
           "placements.type_at_end,U1,\"foster care with a relative or friend, long term\",5",
           "placements.type_at_end,K2,children's home,3",
       }) {
    INFO(expected);
    CHECK(HasLine(lines, expected));
  }
  // The empty groups have no lines.
  for (const std::string& line : lines) {
    CHECK_FALSE(absl::StartsWith(line, "care.started_by_legal_status,"));
    CHECK_FALSE(absl::StartsWith(line, "challenges.open_at_end_by_stage,"));
  }
  // The header, 7 lines about the report, and 80 figures: care 6 + 2 + 2; reviews 12 + 8 + 5;
  // challenges 10 + 2 + 1; section 20 5; placements 6 + 2 + 2; the IRO's footprint
  // 5 + 3 + 4 + 1 + 3 + 1.
  CHECK(lines.size() == 1 + 7 + 80);
  CHECK(HasLine(lines, "iro_footprint.quality_assurance.by_grade,INADEQUATE,,1"));
  CHECK(HasLine(lines, "iro_footprint,case_file_audits,case-file audits by IROs in the year,2"));

  // Read back, every record has the four fields (no field holds a line break), and the quoted
  // theme comes back whole.
  const std::vector<std::vector<std::string>> records = ParseCsv(csv);
  CHECK(records.size() == lines.size());
  bool theme_found = false;
  for (const std::vector<std::string>& record : records) {
    INFO((record.empty() ? std::string() : record.front()));
    REQUIRE(record.size() == 4);
    if (record[0] == "challenges.raised_by_theme" && record[1] == kTheme) {
      theme_found = true;
      CHECK(record[2].empty());
      CHECK(record[3] == "2");
    }
  }
  CHECK(theme_found);
  REQUIRE_FALSE(records.empty());
  CHECK(records.front() == std::vector<std::string>{"section", "item", "label", "value"});

  SECTION("the year so far") {
    v1::AnnualReport so_far = Sample();
    so_far.set_to("2025-10-31");
    so_far.set_complete(false);
    so_far.set_team("South");
    const std::vector<std::string> part = Lines(AnnualReportCsv(so_far));
    CHECK(HasLine(part, "report,complete,the whole year,false"));
    CHECK(HasLine(part, "report,team,team filter,South"));
    CHECK(HasLine(part, "care,looked_after_at_end,looked after at the end (2025-10-31),8"));
  }
}

TEST_CASE("annual report as HTML: self-contained, escaped, a chart per breakdown with counts",
          "[cli][render]") {
  const std::string html = AnnualReportHtml(Sample());
  CHECK(absl::StartsWith(html, "<!DOCTYPE html>\n"));
  CHECK(absl::EndsWith(html, "</html>\n"));
  // Nothing runs and nothing is fetched.
  for (const char* outside : {"<script", "http://", "https://", " src=", "<link", "url(", "@import",
                              "<iframe", "<object", "<img"}) {
    INFO(outside);
    CHECK_FALSE(absl::StrContains(html, outside));
  }
  CHECK(absl::StrContains(html, "<title>IRO service annual report 2025-26</title>"));
  CHECK(absl::StrContains(html,
                          "<p class=\"meta\">Collection year 2025-04-01 to 2026-03-31; all "
                          "children. Computed from the record up to log position 42.</p>"));

  // The theme, escaped in its table cell and in its chart's label, never raw.
  const std::string escaped = "Care plan &lt;drift&gt; &amp; &quot;delay&quot;, stage | 2";
  CHECK(absl::StrContains(html, "<td>" + escaped + "</td><td></td><td class=\"value\">2</td>"));
  CHECK(Occurrences(html, escaped) == 2);
  CHECK_FALSE(absl::StrContains(html, "<drift>"));
  CHECK_FALSE(absl::StrContains(html, "\"delay\""));
  CHECK(absl::StrContains(html, "rating against the council&#39;s thresholds"));

  // A table per group with rows (21 groups; started_by_legal_status and open_at_end_by_stage
  // have none, and say so).
  CHECK(Occurrences(html, "<table id=\"table-") == 19);
  CHECK(absl::StrContains(html, "<table id=\"table-iro_footprint.visits\">"));
  CHECK(Occurrences(html, "<table") == Occurrences(html, "</table>"));
  CHECK(absl::StrContains(html, "<table id=\"table-care\">"));
  CHECK(absl::StrContains(html, "<table id=\"table-care.ended_by_reason\">"));
  CHECK(absl::StrContains(html, "<table id=\"table-reviews.participation\">"));
  CHECK(absl::StrContains(html, "<table id=\"table-section20\">"));
  CHECK(absl::StrContains(html, "<table id=\"table-placements.type_at_end\">"));
  CHECK_FALSE(absl::StrContains(html, "id=\"table-care.started_by_legal_status\""));
  CHECK_FALSE(absl::StrContains(html, "id=\"table-challenges.open_at_end_by_stage\""));
  CHECK(absl::StrContains(html, "<p>No child entered care in the year.</p>"));
  CHECK(absl::StrContains(html, "<p>No challenge was open at the end of the year.</p>"));
  CHECK(absl::StrContains(html, "<p class=\"note\">Distance from home is recorded for 6 of the 8"));

  // A chart per breakdown with a count above zero; none for the tables of figures, nor for the
  // groups with no rows.
  const std::vector<std::string> charted = {"care.ended_by_reason",
                                            "care.legal_status_at_end",
                                            "reviews.participation",
                                            "reviews.social_worker_reports",
                                            "challenges.raised_by_theme",
                                            "challenges.resolved_by_stage",
                                            "placements.reasons_ended",
                                            "placements.type_at_end",
                                            "iro_footprint.quality_assurance.by_grade",
                                            "iro_footprint.quality_assurance.inadequate_themes"};
  CHECK(Occurrences(html, "<svg class=\"chart\"") == static_cast<int>(charted.size()));
  for (const std::string& id : charted) {
    INFO(id);
    CHECK(absl::StrContains(html, "<svg class=\"chart\" id=\"chart-" + id + "\""));
  }
  for (const char* id : {"care", "reviews", "challenges", "section20", "placements",
                         "care.started_by_legal_status", "challenges.open_at_end_by_stage"}) {
    INFO(id);
    CHECK_FALSE(absl::StrContains(html, std::string("id=\"chart-") + id + "\""));
  }
  CHECK(Occurrences(html, "<svg") == Occurrences(html, "</svg>"));

  // The bars of care.ended_by_reason: (none) 1 and E4A 3, scaled to the largest (300 wide), a
  // row of 24 each from y = 4.
  const size_t begin = html.find("<svg class=\"chart\" id=\"chart-care.ended_by_reason\"");
  REQUIRE(begin != std::string::npos);
  const size_t end = html.find("</svg>", begin);
  REQUIRE(end != std::string::npos);
  const std::string chart = html.substr(begin, end - begin);
  CHECK(absl::StrContains(chart, "viewBox=\"0 0 690 56\""));
  CHECK(absl::StrContains(chart,
                          ">not recorded</text>"
                          "<rect class=\"bar\" x=\"330\" y=\"7\" width=\"100\" height=\"18\"/>"));
  CHECK(absl::StrContains(chart,
                          ">E4A returned home as part of the care plan</text>"
                          "<rect class=\"bar\" x=\"330\" y=\"31\" width=\"300\" height=\"18\"/>"));

  SECTION("a year without reviews draws no chart of them") {
    v1::AnnualReport quiet = Sample();
    quiet.clear_reviews();
    const std::string page = AnnualReportHtml(quiet);
    // Participation and the social worker's reports are listed, all zero, without a chart.
    CHECK(Occurrences(page, "<svg class=\"chart\"") == static_cast<int>(charted.size()) - 2);
    CHECK(absl::StrContains(page, "<table id=\"table-reviews.participation\">"));
    CHECK(absl::StrContains(page, "<table id=\"table-reviews.social_worker_reports\">"));
    CHECK_FALSE(absl::StrContains(page, "id=\"chart-reviews.participation\""));
    CHECK_FALSE(absl::StrContains(page, "id=\"chart-reviews.social_worker_reports\""));
  }
}

TEST_CASE("a message as one line of JSON: proto field names, zeros printed, map keys sorted",
          "[cli][render]") {
  const absl::StatusOr<std::string> json = MessageToJson(Sample());
  REQUIRE(json.ok());
  const std::string& text = *json;
  CHECK(text.find('\n') == std::string::npos);
  CHECK(absl::StartsWith(text, "{"));
  CHECK(absl::StrContains(text, "\"looked_after_at_start\":12"));
  CHECK_FALSE(absl::StrContains(text, "lookedAfterAtStart"));
  // Zero values are printed.
  CHECK(absl::StrContains(text, "\"periods_started\":0"));
  CHECK(absl::StrContains(text, "\"short_breaks_at_end\":0"));
  CHECK(absl::StrContains(text, "\"same_day\":0"));
  CHECK(absl::StrContains(text, "\"complete\":true"));
  // Map keys in order, whatever the order they were set in.
  CHECK(absl::StrContains(text, "\"ended_by_reason\":{\"(none)\":1,\"E4A\":3}"));
  CHECK(absl::StrContains(text, "\"legal_status_at_end\":{\"C2\":5,\"V2\":3}"));
  CHECK(absl::StrContains(text, "\"reasons_ended\":{\"CARPL\":2,\"CHILD\":1}"));
  // 64-bit integers are strings in proto3 JSON.
  CHECK(absl::StrContains(text, "\"position\":\"42\""));
  // The theme's quotes are escaped.
  CHECK(absl::StrContains(text, "\\\"delay\\\", stage | 2"));

  SECTION("the year so far prints complete false") {
    v1::AnnualReport so_far = Sample();
    so_far.set_complete(false);
    const absl::StatusOr<std::string> part = MessageToJson(so_far);
    REQUIRE(part.ok());
    CHECK(absl::StrContains(*part, "\"complete\":false"));
  }
}

// Issue 22: the panel report (the server sends coverage and the year before).
v1::AnnualReport Panel() {
  v1::AnnualReport r = Sample();
  r.mutable_coverage()->set_year_has_data(true);
  r.mutable_coverage()->set_children_in_record(12);
  r.mutable_coverage()->set_produced_at("2026-11-01T09:00:00Z");
  v1::SourceCoverage* source = r.mutable_coverage()->add_sources();
  source->set_source_system("ssda903");
  source->set_children(12);
  source->set_events(40);
  source->set_imported(true);
  r.mutable_reviews()->clear_recommendations_in_time();
  (*r.mutable_care()->mutable_started_by_month())["2025-04"] = 2;
  (*r.mutable_care()->mutable_started_by_month())["2025-05"] = 0;
  (*r.mutable_care()->mutable_ended_by_month())["2025-04"] = 1;
  (*r.mutable_care()->mutable_ended_by_month())["2025-05"] = 3;
  v1::NotRecorded* n = r.add_not_recorded();
  n->set_field("reviews.recommendations_in_time");
  n->set_reason("no paperwork is recorded");
  v1::AnnualReport before = Sample();
  before.set_year(r.year() - 1);
  before.mutable_care()->set_looked_after_at_end(6);
  before.clear_challenges();
  v1::NotRecorded* b = before.add_not_recorded();
  b->set_field("challenges");
  b->set_reason("no challenge is recorded");
  *r.mutable_previous() = before;
  return r;
}

TEST_CASE("annual report: not recorded is a dash with a footnote, null in JSON, never 0",
          "[render][annual]") {
  const v1::AnnualReport r = Panel();
  const std::string md = AnnualReportMarkdown(r);
  CHECK(absl::StrContains(md, "| recommendations issued in time | \xe2\x80\x94 [1] |"));
  CHECK(absl::StrContains(md, "[1] Not recorded: no paperwork is recorded.\n"));
  // The year before beside each figure, with the change; its not-recorded figures say so.
  CHECK(absl::StrContains(md, "| figure | number | year before | change |\n"));
  CHECK(absl::StrContains(md, "| looked after at the end (2026-03-31) | 8 | 6 | +2 |\n"));
  CHECK(absl::StrContains(md, "| raised in the year | 3 | not recorded |"));
  // The summary first, then what the record covers.
  CHECK(md.find("## Summary") < md.find("## About the data"));
  CHECK(md.find("## About the data") < md.find("## Children looked after"));
  CHECK(absl::StrContains(md, "| ssda903 (import) | 12 | 40 |"));
  // The months, named as the seed report names them.
  CHECK(absl::StrContains(md, "highest April 2025 (2), lowest May 2025 (0)"));
  CHECK(absl::StrContains(md, "highest May 2025 (3), lowest April 2025 (1)"));

  const auto json = AnnualReportJson(r);
  REQUIRE(json.ok());
  CHECK(absl::StrContains(*json, "\"recommendations_in_time\":null"));
  CHECK(absl::StrContains(*json, "\"challenges\":null"));  // the year before's section
  CHECK(absl::StrContains(*json, "\"reason\":\"no paperwork is recorded\""));

  const std::string html = AnnualReportHtml(r);
  CHECK(absl::StrContains(html, "<li>Not recorded: no paperwork is recorded.</li>"));
  CHECK(absl::StrContains(html, "<td class=\"value rag-amber\">amber</td>"));
  CHECK(absl::StrContains(html, "id=\"chart-summary\""));
  CHECK(absl::StrContains(html, "id=\"chart-care.started_by_month\""));
  // A label is never cut short.
  CHECK_FALSE(absl::StrContains(html, "...</text>"));

  const std::string csv = AnnualReportCsv(r);
  CHECK(absl::StrContains(
      csv,
      "reviews,recommendations_in_time,recommendations issued in time (not recorded: no "
      "paperwork is recorded),\n"));
}

}  // namespace
}  // namespace footprint::cli
