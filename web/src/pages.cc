#include "web/pages.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/cli/report_render.h"

namespace footprint::web {
namespace {

// GOV.UK-like colours: text #0b0c0c on white (19:1), links #1d70b8 (5.2:1), flags #942514
// (8.9:1), focus yellow #ffdd00 behind black text.
constexpr char kStyle[] = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;color:#0b0c0c;background:#fff;
margin:0;line-height:1.45}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#ffdd00;color:#0b0c0c;
padding:6px}
header{background:#0b0c0c;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;gap:16px;
align-items:center}
header a{color:#fff}header p{margin:0}.brand{font-weight:700}
nav ul{list-style:none;display:flex;gap:16px;margin:0;padding:0}
main{padding:8px 16px 32px;max-width:1200px}
a{color:#1d70b8}a:focus,input:focus,button:focus{outline:3px solid #ffdd00;
box-shadow:0 0 0 5px #0b0c0c;background:#ffdd00;color:#0b0c0c}
table{border-collapse:collapse;margin:8px 0 16px;width:100%}
caption{text-align:left;font-weight:700;padding:4px 0}
th,td{border-bottom:1px solid #b1b4b6;padding:4px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}.flag{color:#942514;font-weight:700}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:700}
label{display:block;font-weight:700;margin:8px 0 4px}
input[type=text],select{font:inherit;padding:4px;width:min(40em,100%);border:2px solid #0b0c0c}
button{font:inherit;padding:6px 12px;margin-top:8px;background:#00703c;color:#fff;border:0}
.note{color:#484949}
@media print{header nav,.skip,form{display:none}a{color:#0b0c0c;text-decoration:none}}
)css";

std::string Cell(absl::string_view text, bool number = false) {
  return absl::StrCat(number ? "<td class=\"n\">" : "<td>", text.empty() ? "-" : Escape(text),
                      "</td>");
}

std::string ChildLink(absl::string_view child_id) {
  return absl::StrCat("<td><a href=\"/child/", Escape(child_id), "\">", Escape(child_id),
                      "</a></td>");
}

// A table with a caption and header cells; `numbers` marks the right-aligned columns.
std::string Table(absl::string_view caption, const std::vector<std::string>& headers,
                  const std::vector<bool>& numbers, const std::vector<std::string>& rows) {
  std::string out = absl::StrCat("<table><caption>", Escape(caption), "</caption><thead><tr>");
  for (size_t i = 0; i < headers.size(); ++i) {
    absl::StrAppend(
        &out,
        i < numbers.size() && numbers[i] ? "<th scope=\"col\" class=\"n\">" : "<th scope=\"col\">",
        Escape(headers[i]), "</th>");
  }
  absl::StrAppend(&out, "</tr></thead><tbody>");
  for (const std::string& row : rows) absl::StrAppend(&out, "<tr>", row, "</tr>");
  absl::StrAppend(&out, "</tbody></table>");
  return out;
}

std::string Section(absl::string_view id, absl::string_view heading, absl::string_view content) {
  return absl::StrCat("<section aria-labelledby=\"", id, "\"><h2 id=\"", id, "\">", Escape(heading),
                      "</h2>", content, "</section>");
}

std::string None(absl::string_view text) { return absl::StrCat("<p>", Escape(text), "</p>"); }

std::string Flags(const google::protobuf::RepeatedPtrField<std::string>& flags) {
  if (flags.empty()) return "<td>-</td>";
  return absl::StrCat("<td class=\"flag\">", Escape(absl::StrJoin(flags, "; ")), "</td>");
}

void ReviewRows(const v1::ReviewsDueReport& report, bool overdue, std::vector<std::string>* rows) {
  for (const v1::ReviewDueItem& r : report.items()) {
    if (r.overdue() != overdue) continue;
    rows->push_back(
        absl::StrCat(ChildLink(r.child_id()), Cell(r.due_on()),
                     Cell(absl::StrCat(overdue ? -r.days_until_due() : r.days_until_due()), true),
                     Cell(r.rule()), Cell(r.iro_id()), Cell(r.team())));
  }
}

}  // namespace

std::string Escape(absl::string_view text) { return cli::Html(text); }

std::string Layout(absl::string_view title, absl::string_view person, absl::string_view body) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>",
      Escape(title), " - Footprint</title><style>", kStyle,
      "</style></head><body><a class=\"skip\" href=\"#main\">Skip to main content</a>"
      "<header><p class=\"brand\">Footprint: the IRO service</p>"
      "<nav aria-label=\"Main\"><ul><li><a href=\"/\">Today</a></li>"
      "<li><a href=\"/challenges\">Challenges</a></li>"
      "<li><a href=\"/reports\">Reports</a></li>"
      "<li><a href=\"/projections\">Projections</a></li></ul></nav>"
      "<p class=\"who\">Signed in as ",
      Escape(person), "</p></header><main id=\"main\"><h1>", Escape(title), "</h1>", body,
      "</main></body></html>\n");
}

std::string TodayBody(const Today& t) {
  std::string out = absl::StrCat("<p>As at ", Escape(t.as_at), ".</p>");
  const std::vector<std::string> review_headers = {"Child", "Due on", "Days",
                                                   "Rule",  "IRO",    "Team"};
  const std::vector<bool> review_numbers = {false, false, true, false, false, false};
  std::vector<std::string> rows;
  ReviewRows(t.overdue, true, &rows);
  absl::StrAppend(&out, Section("overdue", absl::StrCat("Reviews overdue (", rows.size(), ")"),
                                rows.empty() ? None("No review is overdue.")
                                             : Table("Reviews past their due date, days overdue",
                                                     review_headers, review_numbers, rows)));
  rows.clear();
  ReviewRows(t.due, false, &rows);
  absl::StrAppend(&out, Section("due", absl::StrCat("Reviews due in 28 days (", rows.size(), ")"),
                                rows.empty() ? None("No review is due in the next 28 days.")
                                             : Table("Reviews due soon, days until due",
                                                     review_headers, review_numbers, rows)));

  const v1::EscalationReport& e = t.escalations;
  std::string stages = "<ul>";
  for (const auto& [stage, n] :
       std::map<std::string, int32_t>(e.open_by_stage().begin(), e.open_by_stage().end())) {
    absl::StrAppend(&stages, "<li>", Escape(stage), ": ", n, "</li>");
  }
  absl::StrAppend(&stages, "</ul>");
  rows.clear();
  std::vector<std::string> overdue_rows;
  for (const v1::ChallengeItem& c : e.open()) {
    std::string row = absl::StrCat(
        Cell(c.id()), ChildLink(c.child_id()), Cell(c.stage().name()), Cell(c.theme()),
        Cell(c.raised_on()), Cell(absl::StrCat(c.working_days_open()), true), Cell(c.deadline()),
        c.response_overdue() ? "<td class=\"flag\">overdue</td>" : "<td>-</td>");
    if (c.response_overdue()) overdue_rows.push_back(row);
    rows.push_back(std::move(row));
  }
  const std::vector<std::string> challenge_headers = {"Challenge", "Child",   "Stage",
                                                      "Theme",     "Raised",  "Working days open",
                                                      "Deadline",  "Response"};
  const std::vector<bool> challenge_numbers = {false, false, false, false,
                                               false, true,  false, false};
  absl::StrAppend(
      &out, Section("challenges", absl::StrCat("Open challenges (", e.open_size(), ")"),
                    e.open().empty()
                        ? None("No challenge is open.")
                        : absl::StrCat(stages, Table("Open challenges by stage", challenge_headers,
                                                     challenge_numbers, rows))));
  absl::StrAppend(
      &out,
      Section("responses", absl::StrCat("Overdue responses (", overdue_rows.size(), ")"),
              overdue_rows.empty() ? None("No response is overdue.")
                                   : Table("Challenges whose response is past its deadline",
                                           challenge_headers, challenge_numbers, overdue_rows)));

  rows.clear();
  for (const v1::Section20Item& c : t.section20.children()) {
    if (c.flags().empty()) continue;
    rows.push_back(absl::StrCat(
        ChildLink(c.child_id()), Cell(c.s20_since()), Cell(absl::StrCat(c.days_in_s20()), true),
        Cell(c.has_age() ? absl::StrCat(c.age()) : "", true), Flags(c.flags())));
  }
  absl::StrAppend(&out,
                  Section("s20", absl::StrCat("Section 20 children with flags (", rows.size(), ")"),
                          rows.empty() ? None("No child in section 20 is flagged.")
                                       : Table("Children in section 20 (V2) with a drift flag",
                                               {"Child", "In s20 since", "Days", "Age", "Flags"},
                                               {false, false, true, true, false}, rows)));

  rows.clear();
  std::vector<std::string> unregistered;
  for (const v1::PlacementItem& p : t.placements.children()) {
    std::string row = absl::StrCat(
        ChildLink(p.child_id()), Cell(p.current().type()), Cell(p.placed_since()),
        Cell(absl::StrCat(p.placements_last_12_months()), true), Cell(p.iro_id()), Cell(p.team()));
    if (p.unregistered()) unregistered.push_back(row);
    if (p.three_or_more()) rows.push_back(std::move(row));
  }
  const std::vector<std::string> placement_headers = {
      "Child", "Placement", "Since", "Placements in 12 months", "IRO", "Team"};
  const std::vector<bool> placement_numbers = {false, false, false, true, false, false};
  absl::StrAppend(&out, Section("moves", absl::StrCat("3 or more placements (", rows.size(), ")"),
                                rows.empty() ? None("No child has had 3 or more placements.")
                                             : Table("Children with 3 or more placements in 12 "
                                                     "months",
                                                     placement_headers, placement_numbers, rows)));
  absl::StrAppend(
      &out,
      Section("unregistered", absl::StrCat("Unregistered placements (", unregistered.size(), ")"),
              unregistered.empty() ? None("No child is in an unregistered placement.")
                                   : Table("Children in unregistered placements", placement_headers,
                                           placement_numbers, unregistered)));
  return out;
}

std::string PurposeBody(absl::string_view child_id, absl::string_view error) {
  return absl::StrCat(
      "<p>Opening a child's record is recorded in the access log with your name and why you "
      "open it.</p>",
      error.empty() ? "" : absl::StrCat("<p class=\"flag\" role=\"alert\">", Escape(error), "</p>"),
      "<form method=\"get\" action=\"/child/", Escape(child_id),
      "\"><label for=\"purpose\">Why are you opening child ", Escape(child_id),
      "'s record?</label><input type=\"text\" id=\"purpose\" name=\"purpose\" required "
      "maxlength=\"512\" autocomplete=\"off\"><br><button type=\"submit\">Open the "
      "record</button></form>");
}

std::string ChildBody(const v1::ChildSummary& c, const v1::ChildHistory& history,
                      absl::string_view purpose) {
  std::string out = absl::StrCat(
      "<p class=\"note\">As at ", Escape(c.as_at()), ". Opened for: ", Escape(purpose),
      " (recorded in the access log with your name; asked once while this browser stays open). "
      "<a href=\"/child/",
      Escape(c.child_id()), "?change=1\">Open it for another purpose</a></p>");
  std::string status = "<dl>";
  const auto item = [&status](absl::string_view term, absl::string_view value) {
    absl::StrAppend(&status, "<dt>", Escape(term), "</dt><dd>", value.empty() ? "-" : Escape(value),
                    "</dd>");
  };
  item("Looked after", c.looked_after() ? "yes" : "no");
  item("Period of care from",
       absl::StrCat(c.period_start_not_known() ? "by " : "", c.period_start()));
  item("Legal status", c.legal_status());
  item("Placement", c.placement().type().empty()
                        ? ""
                        : absl::StrCat(c.placement().type(), " since ", c.placed_since()));
  item("Placements in 12 months", absl::StrCat(c.placements_last_12_months()));
  item("IRO", absl::StrJoin({c.iro_name(), c.iro_id(), c.team()}, ", "));
  item("Date of birth", c.date_of_birth());
  item("Age", c.has_age() ? absl::StrCat(c.age()) : "");
  absl::StrAppend(&status, "</dl>");
  if (!c.flags().empty()) {
    absl::StrAppend(&status, "<ul class=\"flag\">");
    for (const std::string& flag : c.flags())
      absl::StrAppend(&status, "<li>", Escape(flag), "</li>");
    absl::StrAppend(&status, "</ul>");
  }
  absl::StrAppend(&out, Section("status", "Status", status));

  std::string next;
  if (c.has_next_review() && !c.next_review().due_on().empty()) {
    const v1::ReviewDueItem& n = c.next_review();
    next = absl::StrCat("<p>Review ", n.review_number(), " is due on <strong>", Escape(n.due_on()),
                        "</strong>", n.overdue() ? " <span class=\"flag\">(overdue)</span>" : "",
                        ". Rule: ", Escape(n.rule()), ".</p>");
  } else {
    next = None("No review is due (not looked after, or the due date cannot be known).");
  }
  absl::StrAppend(&out, Section("next", "Next review", next));

  std::vector<std::string> rows;
  for (const v1::HeldReviewItem& r : c.reviews()) {
    rows.push_back(absl::StrCat(
        Cell(r.held_on()), Cell(absl::StrCat(r.review_number()), true), Cell(r.due_on()),
        Cell(r.timeliness_not_known() ? "not known" : (r.in_time() ? "in time" : "late")),
        Cell(r.rule()), Cell(r.participation()), Cell(r.iro_id())));
  }
  absl::StrAppend(&out, Section("reviews", absl::StrCat("Reviews held (", rows.size(), ")"),
                                rows.empty() ? None("No review is recorded.")
                                             : Table("The review chain, each against the rule that "
                                                     "set its due date",
                                                     {"Held on", "Review", "Due on", "Timeliness",
                                                      "Rule", "Participation", "IRO"},
                                                     {false, true}, rows)));
  rows.clear();
  for (const v1::ChallengeItem& ch : c.challenges()) {
    rows.push_back(
        absl::StrCat(Cell(ch.id()), Cell(ch.stage().name()), Cell(ch.theme()), Cell(ch.raised_on()),
                     Cell(absl::StrCat(ch.working_days_open()), true), Cell(ch.deadline()),
                     ch.response_overdue() ? "<td class=\"flag\">overdue</td>" : "<td>-</td>"));
  }
  absl::StrAppend(&out,
                  Section("open-challenges", absl::StrCat("Open challenges (", rows.size(), ")"),
                          rows.empty() ? None("No challenge is open.")
                                       : Table("Open challenges",
                                               {"Challenge", "Stage", "Theme", "Raised",
                                                "Working days open", "Deadline", "Response"},
                                               {false, false, false, false, true}, rows)));
  rows.clear();
  for (const v1::ChildHistoryEvent& e : history.events()) {
    std::string note;
    if (!e.superseded_by().empty()) note = absl::StrCat("superseded by ", e.superseded_by());
    if (!e.foreign().empty()) note = absl::StrCat("left out of the record: ", e.foreign());
    rows.push_back(absl::StrCat(
        Cell(absl::StrCat(e.version()), true), Cell(e.occurred_on()), Cell(e.type()),
        Cell(e.recorded_at().substr(0, 19)),
        Cell(absl::StrCat(e.actor(), e.source_system().empty() ? "" : " (", e.source_system(),
                          e.source_system().empty() ? "" : ")")),
        Cell(e.summary()),
        note.empty() ? "<td>-</td>" : absl::StrCat("<td class=\"flag\">", Escape(note), "</td>")));
  }
  const std::string chain =
      history.chain_verified()
          ? absl::StrCat("<p>All ", history.events_checked(),
                         " events verified where they stand in the hash chain (each hash "
                         "recomputed from its content and its predecessor's).</p>")
          : absl::StrCat(
                "<p class=\"flag\" role=\"alert\">The hash chain does not hold at "
                "position ",
                history.first_bad_position(), ": ", Escape(history.chain_problem()),
                ". Tell the service's auditor.</p>");
  absl::StrAppend(
      &out, Section("timeline", absl::StrCat("Timeline (", rows.size(), " events)"),
                    absl::StrCat(chain, Table("Every event of the child's record, "
                                              "with who recorded it and when (UTC)",
                                              {"Version", "Happened on", "Event", "Recorded at",
                                               "Recorded by", "Details", "Note"},
                                              {true}, rows))));
  if (!c.foreign_events().empty()) {
    absl::StrAppend(&out, Section("foreign", "Events left out of the record",
                                  None(absl::StrCat(c.foreign_events_size(),
                                                    " event(s) of this child's stream are not "
                                                    "domain events; an admin can void them."))));
  }
  return out;
}

namespace {

// A download format's name for people: "md" is Markdown, the others their letters.
std::string FormatName(absl::string_view format) {
  return format == "md" ? "Markdown" : absl::AsciiStrToUpper(format);
}

std::string Downloads(absl::string_view path, absl::string_view query,
                      const std::vector<std::string>& formats) {
  std::string out = "<p>Download: ";
  for (size_t i = 0; i < formats.size(); ++i) {
    absl::StrAppend(&out, i > 0 ? ", " : "", "<a href=\"", path, "?", Escape(query),
                    query.empty() ? "" : "&amp;", "format=", formats[i], "\" download>",
                    FormatName(formats[i]), "</a>");
  }
  return absl::StrCat(out, "</p>");
}

// A labelled text field of a form: its element `id`, the parameter `name` it sends, and an
// optional hint the field is described by.
std::string Input(absl::string_view id, absl::string_view name, absl::string_view label,
                  absl::string_view value, absl::string_view hint = {}) {
  return absl::StrCat(
      "<label for=\"", id, "\">", Escape(label), "</label>",
      hint.empty()
          ? ""
          : absl::StrCat("<span class=\"note\" id=\"", id, "-hint\">", Escape(hint), "</span><br>"),
      "<input type=\"text\" id=\"", id, "\" name=\"", name, "\" value=\"", Escape(value), "\"",
      hint.empty() ? "" : absl::StrCat(" aria-describedby=\"", id, "-hint\""), ">");
}

std::string Counted(const google::protobuf::Map<std::string, int32_t>& counts) {
  std::vector<std::string> parts;
  for (const auto& [key, n] : std::map<std::string, int32_t>(counts.begin(), counts.end())) {
    parts.push_back(absl::StrCat(key, ": ", n));
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, "; ");
}

}  // namespace

std::string ChallengesBody(const v1::EscalationReport& r, const ChallengeFilter& f) {
  std::string out = absl::StrCat(
      "<form method=\"get\" action=\"/challenges\">",
      Input("iro", "iro", "IRO who raised it", f.iro), Input("team", "team", "Team", f.team),
      Input("theme", "theme", "Theme", f.theme),
      Input("stage", "stage", "Stage", f.stage, "e.g. Informal, Stage 1"),
      "<br><button type=\"submit\">Filter</button></form><p>As at ", Escape(r.as_at()), ".</p>");
  std::vector<std::string> rows;
  for (const v1::ChallengeItem& c : r.open()) {
    if (!f.theme.empty() && c.theme() != f.theme) continue;
    if (!f.stage.empty() && c.stage().name() != f.stage) continue;
    rows.push_back(
        absl::StrCat(Cell(c.id()), ChildLink(c.child_id()), Cell(c.iro_id()), Cell(c.team()),
                     Cell(c.theme()), Cell(c.stage().name()), Cell(c.raised_on()),
                     Cell(absl::StrCat(c.working_days_open()), true),
                     Cell(absl::StrCat(c.working_days_at_stage()), true), Cell(c.deadline()),
                     c.response_overdue() ? "<td class=\"flag\">overdue</td>" : "<td>-</td>"));
  }
  absl::StrAppend(&out,
                  rows.empty()
                      ? None("No open challenge matches.")
                      : Table(absl::StrCat(rows.size(), " open challenge(s)"),
                              {"Challenge", "Child", "IRO", "Team", "Theme", "Stage", "Raised",
                               "Working days open", "At this stage", "Deadline", "Response"},
                              {false, false, false, false, false, false, false, true, true}, rows));
  absl::StrAppend(&out, "<p>Open by stage: ", Escape(Counted(r.open_by_stage())),
                  ". By theme: ", Escape(Counted(r.open_by_theme())), ".</p>");
  return out;
}

std::string ReportsBody(absl::string_view today) {
  const auto form = [](absl::string_view path, absl::string_view heading, absl::string_view text,
                       const std::string& inputs, const std::vector<std::string>& formats) {
    std::string select =
        absl::StrCat("<label for=\"", path.substr(9), "-format\">Format</label>", "<select id=\"",
                     path.substr(9), "-format\" name=\"format\">");
    for (const std::string& f : formats) {
      absl::StrAppend(&select, "<option value=\"", f, "\">", FormatName(f), "</option>");
    }
    absl::StrAppend(&select, "</select>");
    return Section(
        path.substr(9), heading,
        absl::StrCat("<p>", Escape(text), "</p><form method=\"get\" action=\"", path, "\">", inputs,
                     select, "<br><button type=\"submit\">Show</button></form>"));
  };
  const auto input = [](absl::string_view report, absl::string_view name, absl::string_view label,
                        absl::string_view value) {
    return Input(absl::StrCat(report, "-", name), name, label, value);
  };
  const std::string year = std::string(today.substr(0, 4));
  return absl::StrCat(
      form("/reports/annual", "Annual report",
           "The IRO service's annual report for a collection year (1 April to 31 March).",
           input("annual", "year", "Collection year (1 April of)", year),
           {"html", "md", "csv", "json"}),
      form("/reports/s20", "Section 20", "Children in section 20 and their drift flags.",
           input("s20", "as_at", "As at (YYYY-MM-DD)", today), {"html", "csv", "json"}),
      form("/reports/pwp", "Placements with parents",
           "Children placed with parents, approvals, assessments, plans and flags; the quarter's "
           "change.",
           input("pwp", "as_at", "As at (YYYY-MM-DD)", today), {"html", "md", "csv", "json"}),
      form("/reports/plo", "PLO and court",
           "The Public Law Outline and care proceedings over six months.",
           absl::StrCat(input("plo", "from", "From (YYYY-MM-DD; default six months before)", ""),
                        input("plo", "to", "To (YYYY-MM-DD)", today)),
           {"html", "md", "csv", "json"}));
}

std::string Section20Body(const v1::Section20Report& r, absl::string_view query) {
  std::vector<std::string> rows;
  for (const v1::Section20Item& c : r.children()) {
    rows.push_back(absl::StrCat(
        ChildLink(c.child_id()), Cell(c.s20_since()), Cell(absl::StrCat(c.days_in_s20()), true),
        Cell(c.has_age() ? absl::StrCat(c.age()) : "", true),
        Cell(c.consent_recorded() ? c.consent_on() : (c.consent_not_known() ? "not known" : "no")),
        Cell(c.plo_started_on()), Cell(c.permanence_plan()), Cell(c.iro_id()), Flags(c.flags())));
  }
  return absl::StrCat("<p>As at ", Escape(r.as_at()), ": ", r.children_size(),
                      " children in section 20 (V2), ", r.flagged(), " flagged; ",
                      r.short_breaks_size(), " on short breaks (V3/V4).</p>",
                      Downloads("/reports/s20", query, {"csv", "json"}),
                      rows.empty() ? None("No child is in section 20.")
                                   : Table("Children in section 20 (V2)",
                                           {"Child", "In s20 since", "Days", "Age", "Consent",
                                            "PLO", "Permanence plan", "IRO", "Flags"},
                                           {false, false, true, true}, rows));
}

std::string Section20Csv(const v1::Section20Report& r) {
  std::string out =
      cli::CsvRow({"child", "legal_status", "s20_since", "days_in_s20", "age", "consent_on",
                   "plo_started_on", "permanence_plan", "iro", "team", "flags"});
  for (const v1::Section20Item& c : r.children()) {
    absl::StrAppend(
        &out,
        cli::CsvRow({c.child_id(), c.legal_status(), c.s20_since(), absl::StrCat(c.days_in_s20()),
                     c.has_age() ? absl::StrCat(c.age()) : "", c.consent_on(), c.plo_started_on(),
                     c.permanence_plan(), c.iro_id(), c.team(), absl::StrJoin(c.flags(), "; ")}));
  }
  return out;
}

std::string PlacementsWithParentsBody(const v1::PlacementsWithParentsReport& r,
                                      absl::string_view query) {
  std::vector<std::string> rows;
  for (const v1::PlacementWithParentsItem& c : r.children()) {
    rows.push_back(
        absl::StrCat(ChildLink(c.child_id()), Cell(c.placed_since()),
                     Cell(absl::StrCat(c.days_at_home()), true), Cell(c.order()),
                     Cell(c.approval_not_known()
                              ? "not known (imported)"
                              : (c.approved_on().empty()
                                     ? ""
                                     : absl::StrCat(c.approved_on(), " by ", c.approved_by()))),
                     Cell(c.assessment_completed_on()), Cell(c.placement_plan_on()),
                     Cell(c.next_review_due()), Flags(c.flags())));
  }
  return absl::StrCat("<p>As at ", Escape(r.as_at()), ": ", r.children_size(),
                      " placed with parents, ", r.flagged(), " flagged. Three months before (",
                      Escape(r.previous_as_at()), "): ", r.previous_placed_with_parents(), "; ",
                      r.began_in_quarter(), " began and ", r.ended_in_quarter(),
                      " ended in the quarter.</p>",
                      Downloads("/reports/pwp", query, {"md", "csv", "json"}),
                      rows.empty() ? None("No child is placed with parents.")
                                   : Table("Children placed with parents",
                                           {"Child", "Since", "Days at home", "Order", "Approved",
                                            "Assessment", "Placement plan", "Next review", "Flags"},
                                           {false, false, true}, rows));
}

std::string PloCourtBody(const v1::PloCourtReport& r, absl::string_view query) {
  std::vector<std::string> plo;
  for (const v1::PloItem& p : r.plo()) {
    plo.push_back(absl::StrCat(ChildLink(p.child_id()), Cell(p.started_on()), Cell(p.ended_on()),
                               Cell(p.outcome()), Cell(absl::StrFormat("%.1f", p.weeks()), true),
                               Cell(p.s20_alongside() ? "yes" : "no")));
  }
  std::vector<std::string> court;
  for (const v1::ProceedingsItem& p : r.proceedings()) {
    court.push_back(
        absl::StrCat(ChildLink(p.child_id()), Cell(p.issued_on()), Cell(p.concluded_on()),
                     Cell(p.outcome()), Cell(absl::StrFormat("%.1f", p.weeks()), true),
                     p.over_26_weeks() || (!p.concluded_on().empty() && !p.within_26_weeks())
                         ? "<td class=\"flag\">over 26 weeks</td>"
                         : "<td>-</td>"));
  }
  return absl::StrCat(
      "<p>From ", Escape(r.from()), " to ", Escape(r.to()), ": ", r.plo_size(), " PLO(s), ",
      r.s20_children_with_plo(), " section 20 child(ren) with a PLO alongside; ", r.issued(),
      " proceedings issued, ", r.concluded(), " concluded (", r.concluded_within_26_weeks(),
      " within 26 weeks; average ", absl::StrFormat("%.1f", r.average_weeks_to_conclusion()),
      " weeks), ", r.running(), " running.</p>",
      Downloads("/reports/plo", query, {"md", "csv", "json"}),
      Section("plo", "PLO",
              plo.empty()
                  ? None("No PLO ran in the period.")
                  : Table("PLOs in the period",
                          {"Child", "Started", "Ended", "Outcome", "Weeks", "Section 20 alongside"},
                          {false, false, false, false, true}, plo)),
      Section("court", "Care proceedings",
              court.empty()
                  ? None("No proceedings ran in the period.")
                  : Table("Care proceedings in the period",
                          {"Child", "Issued", "Concluded", "Outcome", "Weeks", "26 weeks"},
                          {false, false, false, false, true}, court)));
}

std::string ProjectionsBody(const v1::ProjectionsStatusResponse& s) {
  std::vector<std::string> rows;
  for (const v1::ProjectionState& p : s.projections()) {
    rows.push_back(absl::StrCat(
        Cell(p.name()), Cell(absl::StrCat(p.position()), true), Cell(absl::StrCat(p.lag()), true),
        p.healthy() ? "<td>healthy</td>" : "<td class=\"flag\">stopped</td>",
        Cell(p.rebuilding() ? "rebuilding" : ""), Cell(p.healthy() ? p.warning() : p.error())));
  }
  return absl::StrCat(
      "<p>The log's end: ", s.log_end(), ".</p>",
      Table("Projection workers", {"Name", "Position", "Lag", "Health", "Rebuild", "Note"},
            {false, true, true}, rows));
}

std::string ErrorBody(int http_status, absl::string_view message) {
  return absl::StrCat("<p class=\"flag\" role=\"alert\">", http_status, ": ", Escape(message),
                      "</p><p><a href=\"/\">Back to today</a></p>");
}

}  // namespace footprint::web
