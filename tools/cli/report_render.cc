#include "tools/cli/report_render.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "projections/codes.h"

namespace footprint::cli {
namespace {

namespace codes = footprint::projections::codes;

// A figure: its key (field name or code), what it is in words, its value as text, and the
// number a chart draws (whole numbers only).
struct Row {
  std::string key;
  std::string label;
  std::string value;
  int64_t count = 0;
};

// A group of figures: a table, and with `chart` a bar chart of its counts too.
struct Group {
  std::string id;  // the JSON path: "care", "care.ended_by_reason"
  std::string title;
  std::string key_header;  // "figure", "code", "theme", ...
  bool chart = false;
  std::string empty;  // what to say when there are no rows
  std::vector<Row> rows;
};

struct Section {
  std::string title;
  std::string note;
  std::vector<Group> groups;
};

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

std::vector<Section> Sections(const v1::AnnualReport& r) {
  std::vector<Section> sections;
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
         Count("periods_ended", "periods of care ended (ceasing care)", c.periods_ended())}});
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
    sections.push_back(std::move(s));
  }
  {
    const v1::AnnualReviews& v = r.reviews();
    Section s{"Reviews", "", {}};
    std::vector<Row> rows = {
        Count("held", "reviews held", v.held()),
        Count("held_in_time", "held in time", v.held_in_time()),
        Percent("percent_in_time", "percent held in time", v.percent_in_time()),
        Row{"rating", "rating against the council's thresholds",
            v.rating().empty() ? "none" : v.rating(), 0},
        Count("children_reviewed", "children reviewed (or with a review due)",
              v.children_reviewed()),
        Count("children_all_in_time", "children whose reviews were all in time",
              v.children_all_in_time()),
        Percent("percent_children_in_time", "percent of children with every review in time",
                v.percent_children_in_time()),
        Count("recommendations_in_time", "recommendations issued in time",
              v.recommendations_in_time()),
        Count("records_in_time", "review records distributed in time", v.records_in_time()),
        Count("midway_reviews", "midway reviews", v.midway_reviews())};
    s.groups.push_back(Group{"reviews", "Reviews held", "figure", false, "", std::move(rows)});
    Group participation{
        "reviews.participation", "Participation of the child", "code", true, "", {}};
    for (const char* code : {"PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"}) {
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
                     c.overdue_responses_at_end())}});
    s.groups.push_back(MapGroup("challenges.raised_by_theme", "Raised, by theme", "theme",
                                c.raised_by_theme(), nullptr, "No challenge was raised."));
    s.groups.push_back(MapGroup("challenges.resolved_by_stage", "Resolved, by the stage reached",
                                "stage", c.resolved_by_stage(), nullptr,
                                "No challenge was resolved."));
    s.groups.push_back(MapGroup("challenges.open_at_end_by_stage", "Open at the end, by stage",
                                "stage", c.open_at_end_by_stage(), nullptr,
                                "No challenge was open at the end of the year."));
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
svg.chart text { fill: #1b1b1b; }
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

std::string AnnualReportMarkdown(const v1::AnnualReport& r) {
  std::string md = absl::StrCat(
      "# IRO service annual report ", CollectionYear(r), "\n\n", "Collection year ", Period(r),
      "; ", Scope(r), ". Computed from the record up to log position ", r.position(), ".\n");
  for (const Section& section : Sections(r)) {
    absl::StrAppend(&md, "\n## ", section.title, "\n");
    if (!section.note.empty()) absl::StrAppend(&md, "\n", section.note, "\n");
    for (const Group& group : section.groups) {
      absl::StrAppend(&md, "\n### ", group.title, "\n\n");
      if (group.rows.empty()) {
        absl::StrAppend(&md, group.empty, "\n");
        continue;
      }
      const bool coded = group.key_header != "figure";
      if (coded) {
        absl::StrAppend(&md, "| ", group.key_header, " | description | number |\n|---|---|---:|\n");
      } else {
        absl::StrAppend(&md, "| figure | number |\n|---|---:|\n");
      }
      for (const Row& row : group.rows) {
        if (coded) {
          absl::StrAppend(&md, "| ", MdCell(row.key), " | ", MdCell(row.label), " | ", row.value,
                          " |\n");
        } else {
          absl::StrAppend(&md, "| ", MdCell(row.label), " | ", row.value, " |\n");
        }
      }
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
      for (const Row& row : group.rows) line(group.id, row.key, row.label, row.value);
    }
  }
  return csv;
}

std::string AnnualReportHtml(const v1::AnnualReport& r) {
  const std::string title = absl::StrCat("IRO service annual report ", CollectionYear(r));
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>",
      Html(title), "</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n<h1>", Html(title),
      "</h1>\n<p class=\"meta\">Collection year ", Html(Period(r)), "; ", Html(Scope(r)),
      ". Computed from the record up to log position ", r.position(), ".</p>\n");
  for (const Section& section : Sections(r)) {
    absl::StrAppend(&html, "<section>\n<h2>", Html(section.title), "</h2>\n");
    if (!section.note.empty()) {
      absl::StrAppend(&html, "<p class=\"note\">", Html(section.note), "</p>\n");
    }
    for (const Group& group : section.groups) {
      absl::StrAppend(&html, "<h3>", Html(group.title), "</h3>\n");
      if (group.rows.empty()) {
        absl::StrAppend(&html, "<p>", Html(group.empty), "</p>\n");
        continue;
      }
      const bool coded = group.key_header != "figure";
      absl::StrAppend(&html, "<table id=\"table-", Html(group.id), "\">\n<thead><tr>");
      if (coded) {
        absl::StrAppend(&html, "<th>", Html(group.key_header), "</th><th>description</th>");
      } else {
        absl::StrAppend(&html, "<th>figure</th>");
      }
      absl::StrAppend(&html, "<th class=\"value\">number</th></tr></thead>\n<tbody>\n");
      for (const Row& row : group.rows) {
        absl::StrAppend(&html, "<tr>");
        if (coded) absl::StrAppend(&html, "<td>", Html(row.key), "</td>");
        absl::StrAppend(&html, "<td>", Html(row.label), "</td><td class=\"value\">",
                        Html(row.value), "</td></tr>\n");
      }
      absl::StrAppend(&html, "</tbody>\n</table>\n");
      if (group.chart && !AllZero(group)) absl::StrAppend(&html, BarChart(group));
    }
    absl::StrAppend(&html, "</section>\n");
  }
  return html + "</body>\n</html>\n";
}

}  // namespace footprint::cli
