#include "tools/cli/query_commands.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "footprint/v1/admin.grpc.pb.h"
#include "footprint/v1/queries.grpc.pb.h"
#include "google/protobuf/map.h"
#include "nlohmann/json.hpp"
#include "tools/cli/report_render.h"

namespace footprint::cli {
namespace {

namespace v1 = footprint::v1;

// ---------------------------------------------------------------------------------------------
// Output

// The response message as one line of JSON (report_render.h: map keys sorted, so that the same
// answer prints the same line, e.g. before and after a rebuild).
int PrintJson(const google::protobuf::Message& message) {
  auto text = MessageToJson(message);
  if (!text.ok()) return Fail("INTERNAL", std::string(text.status().message()));
  std::cout << *text << '\n';
  return 0;
}

// The Timeliness report as JSON: a figure the record cannot show is `null` (its reason is in
// `not_recorded`), never left out or 0.
int PrintTimelinessJson(const v1::TimelinessReport& report) {
  auto text = MessageToJson(report);
  if (!text.ok()) return Fail("INTERNAL", std::string(text.status().message()));
  if (report.not_recorded().empty()) {
    std::cout << *text << '\n';
    return 0;
  }
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Fail("INTERNAL", "cannot read back the report's JSON");
  for (const v1::NotRecorded& n : report.not_recorded()) json[n.field()] = nullptr;
  std::cout << json.dump() << '\n';
  return 0;
}

// Columns aligned on the widest cell, two spaces apart, a header row in capitals.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}

  void Add(std::vector<std::string> row) {
    row.resize(header_.size());
    rows_.push_back(std::move(row));
  }

  void Print(const std::string& indent = "") const {
    std::vector<size_t> widths(header_.size(), 0);
    for (size_t i = 0; i < header_.size(); ++i) widths[i] = header_[i].size();
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    PrintRow(header_, widths, indent);
    for (const auto& row : rows_) PrintRow(row, widths, indent);
  }

 private:
  static void PrintRow(const std::vector<std::string>& row, const std::vector<size_t>& widths,
                       const std::string& indent) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << '\n';
  }

  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// An empty field in a table cell.
std::string Or(const std::string& text, const std::string& fallback = "-") {
  return text.empty() ? fallback : text;
}

std::string YesNo(bool value) { return value ? "yes" : "no"; }

std::string Percent(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", value);
  return buffer;
}

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

// "a 1, b 2" with keys in order, or "none".
std::string Counts(const google::protobuf::Map<std::string, int32_t>& counts,
                   bool skip_zero = false) {
  const std::map<std::string, int32_t> sorted(counts.begin(), counts.end());
  std::string out;
  for (const auto& [key, count] : sorted) {
    if (skip_zero && count == 0) continue;
    if (!out.empty()) out += ", ";
    out += key + " " + std::to_string(count);
  }
  return out.empty() ? "none" : out;
}

std::string JoinText(const google::protobuf::RepeatedPtrField<std::string>& items,
                     const std::string& separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

template <typename Count>
std::string Plural(Count n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string PlacementText(const v1::Placement& p) {
  if (p.type().empty()) return "-";
  std::string out = p.type();
  if (!p.provider().empty()) out += " " + p.provider();
  return out;
}

// When the social worker's report arrived, against the review.
std::string ReportText(const v1::HeldReviewItem& r) {
  if (!r.has_report_working_days_before()) return "none";
  const int days = r.report_working_days_before();
  if (days == 0) return "same day";
  if (days > 0) return std::to_string(days) + " WD before";
  return std::to_string(-days) + " WD after";
}

std::string PaperworkText(const std::string& on, bool in_time) {
  if (on.empty()) return "-";
  return on + (in_time ? " in time" : " late");
}

void PrintHeldReviews(const google::protobuf::RepeatedPtrField<v1::HeldReviewItem>& reviews,
                      const std::string& indent) {
  Table table({"CHILD", "REVIEW", "HELD ON", "DUE ON", "IN TIME", "CODE", "IRO", "SW REPORT",
               "RECOMMENDATIONS", "RECORD", "RULE"});
  for (const auto& r : reviews) {
    table.Add({r.child_id(), r.review_number() == 0 ? "?" : std::to_string(r.review_number()),
               r.held_on(), Or(r.due_on(), "not known"),
               r.timeliness_not_known() ? "not known" : YesNo(r.in_time()), Or(r.participation()),
               Or(r.iro_id()), ReportText(r),
               PaperworkText(r.recommendations_on(), r.recommendations_in_time()),
               PaperworkText(r.record_on(), r.record_in_time()), r.rule()});
  }
  table.Print(indent);
}

void PrintChallenges(const google::protobuf::RepeatedPtrField<v1::ChallengeItem>& challenges,
                     const std::string& indent) {
  Table table({"ID", "CHILD", "STAGE", "STATUS", "THEME", "IRO", "TEAM", "RAISED", "AT STAGE SINCE",
               "WD OPEN", "WD AT STAGE", "DEADLINE", "OVERDUE", ">20 WD", "CAFCASS"});
  for (const auto& c : challenges) {
    table.Add({c.id(), c.child_id(), c.stage().name(), c.status(), c.theme(), Or(c.iro_id()),
               Or(c.team()), c.raised_on(), c.stage_entered_on(),
               std::to_string(c.working_days_open()), std::to_string(c.working_days_at_stage()),
               Or(c.deadline()), YesNo(c.response_overdue()), YesNo(c.over_twenty_working_days()),
               Or(c.cafcass_referred_on())});
  }
  table.Print(indent);
}

// ---------------------------------------------------------------------------------------------
// Arguments and calls

struct QueryArgs {
  std::string as_at;
  std::string iro;
  std::string team;
  std::string from;
  std::string to;
  int within_days = 28;
  bool three_or_more = false;
  bool counts_only = false;
  bool history = false;  // child --history
  // A whole list is printed, so by default it is asked for in as few calls as the server
  // allows: each page repeats the report's counts (the server's own default is 250).
  int page_size = 10000;
  std::string child;
  std::string projection;
  std::string backup_dir;
  uint32_t keep = 0;
  // admin void-event
  std::string event_id;
  std::string reason;
  std::string recorded_by;
  std::string void_event_id;
};

v1::ReportScope ScopeOf(const QueryArgs& a) {
  v1::ReportScope scope;
  scope.set_as_at(a.as_at);
  scope.set_iro(a.iro);
  scope.set_team(a.team);
  return scope;
}

void AddAsAt(CLI::App* cmd, QueryArgs& a) {
  cmd->add_option("--as-at", a.as_at,
                  "the report as at the end of this day, YYYY-MM-DD (default: today in England)");
}

void AddScopeOptions(CLI::App* cmd, QueryArgs& a,
                     const std::string& iro_help =
                         "only children whose allocated IRO (as at the date) is this one") {
  AddAsAt(cmd, a);
  cmd->add_option("--iro", a.iro, iro_help);
  cmd->add_option("--team", a.team, "only children whose allocated IRO is in this team");
}

void AddPageSize(CLI::App* cmd, QueryArgs& a) {
  cmd->add_option("--page-size", a.page_size,
                  "items per call; every page is fetched and printed as one list (default "
                  "10000, the server's maximum)")
      ->check(CLI::Range(1, 10000));
}

// Runs one unary call with the usual deadline; `call(stub, context, response)`.
template <typename Service, typename Response, typename Call>
grpc::Status CallServer(const Globals& g, Call call, Response* response,
                        double timeout_factor = 1) {
  auto stub = Service::NewStub(MakeChannel(g));
  grpc::ClientContext context;
  Globals scaled = g;
  scaled.timeout_seconds = g.timeout_seconds * timeout_factor;
  SetDeadline(&context, scaled);
  return call(*stub, &context, response);
}

// Runs a paged listing to its end: `call(stub, context, request, page)` for each page, the
// items of each page after the first moved into the first with `append(page, report)`. Every
// page comes from the same state of the server's read model (the report's position). When the
// server no longer keeps that state (ABORTED), the listing starts again, once.
template <typename Request, typename Report, typename Call, typename Append>
grpc::Status CallPaged(const Globals& g, const Request& request, Call call, Append append,
                       Report* report) {
  grpc::Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {
    Request next = request;
    std::string previous_token;
    for (bool first = true;; first = false) {
      Report page;
      status = CallServer<v1::Queries>(
          g,
          [&](v1::Queries::Stub& s, grpc::ClientContext* c, Report* r) {
            return call(s, c, next, r);
          },
          &page);
      if (!status.ok()) break;
      if (first) {
        *report = std::move(page);
      } else {
        if (page.position() != report->position()) {
          return grpc::Status(grpc::StatusCode::INTERNAL,
                              "the server answered a later page from another state of its read "
                              "model (position " +
                                  std::to_string(page.position()) + ", not " +
                                  std::to_string(report->position()) + ")");
        }
        append(&page, report);
        report->set_next_page_token(page.next_page_token());
      }
      const std::string& token = report->next_page_token();
      if (token.empty()) return grpc::Status::OK;
      if (token == previous_token) {
        return grpc::Status(grpc::StatusCode::INTERNAL,
                            "the server answered the same next page token twice");
      }
      previous_token = token;
      next.mutable_paging()->set_page_token(token);
    }
    if (status.error_code() != grpc::StatusCode::ABORTED) return status;
  }
  return status;
}

// ---------------------------------------------------------------------------------------------
// reviews

int RunReviewsDue(const Globals& g, const QueryArgs& a, bool overdue_only) {
  v1::ReviewsDueRequest request;
  *request.mutable_scope() = ScopeOf(a);
  request.set_within_days(a.within_days);
  request.set_overdue_only(overdue_only);
  v1::ReviewsDueReport report;
  const grpc::Status status = CallServer<v1::Queries>(
      g,
      [&](v1::Queries::Stub& s, grpc::ClientContext* c, v1::ReviewsDueReport* r) {
        return s.ReviewsDue(c, request, r);
      },
      &report);
  if (!status.ok()) return Fail(status);
  if (g.json) return PrintJson(report);
  const std::string what =
      overdue_only ? "overdue as at " + report.as_at()
                   : "due within " + Plural(a.within_days, "day", "days") + " of " + report.as_at();
  const auto not_known = [&report] {
    if (report.due_date_not_known() == 0) return;
    std::cout << Plural(report.due_date_not_known(), "child", "children")
              << " whose next review's due date is not known (a period of care begun before the "
                 "record, no review in it yet), in no list\n";
  };
  if (report.items_size() == 0) {
    std::cout << "no reviews " << what << '\n';
    not_known();
    return 0;
  }
  std::cout << Plural(report.items_size(), "review", "reviews") << ' ' << what << '\n';
  Table table({"CHILD", "IRO", "TEAM", "PERIOD START", "LAST REVIEW", "REVIEW", "DUE ON",
               overdue_only ? "DAYS OVERDUE" : "DAYS LEFT", "RULE"});
  for (const auto& item : report.items()) {
    table.Add({item.child_id(), Or(item.iro_id()), Or(item.team()), item.period_start(),
               Or(item.last_review(), "none"),
               item.review_number() == 0 ? "?" : std::to_string(item.review_number()),
               item.due_date_exact() ? item.due_on()
                                     : "by " + item.due_on() +
                                           (item.earliest_due_on().empty()
                                                ? ""
                                                : " (not before " + item.earliest_due_on() + ")"),
               std::to_string(overdue_only ? -item.days_until_due() : item.days_until_due()),
               item.rule()});
  }
  table.Print();
  not_known();
  return 0;
}

int RunTimeliness(const Globals& g, const QueryArgs& a) {
  v1::TimelinessRequest request;
  *request.mutable_scope() = ScopeOf(a);
  request.set_from(a.from);
  request.set_to(a.to);
  request.set_counts_only(a.counts_only);
  request.mutable_paging()->set_page_size(a.page_size);
  v1::TimelinessReport report;
  const grpc::Status status = CallPaged(
      g, request,
      [](v1::Queries::Stub& s, grpc::ClientContext* c, const v1::TimelinessRequest& q,
         v1::TimelinessReport* r) { return s.Timeliness(c, q, r); },
      [](v1::TimelinessReport* page, v1::TimelinessReport* all) {
        for (auto& item : *page->mutable_reviews()) *all->add_reviews() = std::move(item);
      },
      &report);
  if (!status.ok()) return Fail(status);
  // With no review in the period the server leaves the buckets unset; print them as zeros. With
  // reviews and no paperwork recorded for any, they are not recorded (null, with the reason).
  bool paperwork_recorded = true;
  bool percent_known = true;
  for (const v1::NotRecorded& n : report.not_recorded()) {
    if (n.field() == "percent_in_time") {
      percent_known = false;
    } else if (n.field() != "percent_children_in_time") {
      paperwork_recorded = false;
    }
  }
  if (paperwork_recorded) report.mutable_social_worker_reports();
  if (g.json) return PrintTimelinessJson(report);
  const std::string period = "from " + report.from() + " to " + report.to();
  if (report.reviews_held() == 0 && report.children_reviewed() == 0 &&
      report.midway_reviews() == 0) {
    std::cout << "no reviews held or due " << period << '\n';
    return 0;
  }
  const auto& sw = report.social_worker_reports();
  const int held = report.reviews_held();
  std::cout << "review timeliness " << period << '\n';
  Table summary({"MEASURE", "VALUE"});
  summary.Add({"reviews held", std::to_string(held)});
  summary.Add(
      {"held in time", std::to_string(report.reviews_in_time()) +
                           (held > 0 ? " (" +
                                           (percent_known ? Percent(report.percent_in_time())
                                                          : std::string("percentage not known")) +
                                           ")"
                                     : "")});
  if (report.reviews_timeliness_not_known() > 0) {
    summary.Add({"timeliness not known",
                 std::to_string(report.reviews_timeliness_not_known()) +
                     " (due date set by a start before the record; not in the percentage)"});
  }
  summary.Add({"rating", Or(report.rating())});
  summary.Add({"children reviewed", std::to_string(report.children_reviewed())});
  summary.Add(
      {"children all in time",
       std::to_string(report.children_all_in_time()) +
           (report.children_reviewed() > 0 ? " (" + Percent(report.percent_children_in_time()) + ")"
                                           : "")});
  summary.Add({"participation", Counts(report.participation(), /*skip_zero=*/true)});
  if (paperwork_recorded) {
    summary.Add({"social worker reports",
                 "5+ WD before " + std::to_string(sw.five_or_more_days_before()) +
                     ", 1-4 WD before " + std::to_string(sw.one_to_four_days_before()) +
                     ", same day " + std::to_string(sw.same_day()) + ", after " +
                     std::to_string(sw.after()) + ", none " + std::to_string(sw.not_received())});
    summary.Add({"recommendations in time",
                 std::to_string(report.recommendations_in_time()) + " of " + std::to_string(held)});
    summary.Add({"records in time",
                 std::to_string(report.records_in_time()) + " of " + std::to_string(held)});
  } else {
    std::string not_recorded = "not recorded";
    for (const v1::NotRecorded& n : report.not_recorded()) {
      if (n.field() == "social_worker_reports") not_recorded += ": " + n.reason();
    }
    summary.Add({"social worker reports", not_recorded});
    summary.Add({"recommendations in time", "not recorded"});
    summary.Add({"records in time", "not recorded"});
  }
  summary.Add({"midway reviews", std::to_string(report.midway_reviews())});
  summary.Print("  ");
  if (a.counts_only) return 0;
  if (report.reviews_size() == 0) {
    std::cout << "no reviews held " << period << '\n';
    return 0;
  }
  std::cout << '\n' << Plural(report.reviews_size(), "review", "reviews") << " held\n";
  PrintHeldReviews(report.reviews(), "");
  return 0;
}

// ---------------------------------------------------------------------------------------------
// escalations

int RunEscalations(const Globals& g, const QueryArgs& a) {
  v1::EscalationsRequest request;
  *request.mutable_scope() = ScopeOf(a);
  request.set_from(a.from);
  request.set_to(a.to);
  v1::EscalationReport report;
  const grpc::Status status = CallServer<v1::Queries>(
      g,
      [&](v1::Queries::Stub& s, grpc::ClientContext* c, v1::EscalationReport* r) {
        return s.Escalations(c, request, r);
      },
      &report);
  if (!status.ok()) return Fail(status);
  if (g.json) return PrintJson(report);
  if (report.open_size() == 0) {
    std::cout << "no open challenges as at " << report.as_at() << '\n';
  } else {
    std::cout << Plural(report.open_size(), "open challenge", "open challenges") << " as at "
              << report.as_at() << " (WD: working days)\n";
    PrintChallenges(report.open(), "");
    std::cout << '\n';
    Table open({"OPEN BY", "COUNTS"});
    open.Add({"stage", Counts(report.open_by_stage())});
    open.Add({"theme", Counts(report.open_by_theme())});
    open.Add({"IRO", Counts(report.open_by_iro())});
    open.Add({"team", Counts(report.open_by_team())});
    open.Add({"overdue responses", std::to_string(report.overdue_responses())});
    open.Print("  ");
  }
  std::cout << "\nchallenges from " << report.from() << " to " << report.to() << '\n';
  Table period({"MEASURE", "VALUE"});
  period.Add({"raised", std::to_string(report.raised())});
  period.Add({"raised informal", std::to_string(report.raised_informal())});
  period.Add({"raised formal", std::to_string(report.raised_formal())});
  period.Add({"raised by theme", Counts(report.raised_by_theme())});
  period.Add({"resolved by stage", Counts(report.resolved_by_stage())});
  period.Add({"withdrawn", std::to_string(report.withdrawn())});
  period.Add({"CAFCASS referrals", std::to_string(report.cafcass_referrals())});
  period.Add({"responses in time", std::to_string(report.responses_in_time())});
  period.Add({"responses in time by stage", Counts(report.responses_in_time_by_stage())});
  period.Add({"responses late", std::to_string(report.responses_late())});
  period.Add({"responses late by stage", Counts(report.responses_late_by_stage())});
  period.Print("  ");
  return 0;
}

// ---------------------------------------------------------------------------------------------
// s20

void PrintSection20(const google::protobuf::RepeatedPtrField<v1::Section20Item>& items) {
  Table table({"CHILD", "STATUS", "IN S20 SINCE", "DAYS", "AGE", "CONSENT", "PLO", "PROCEEDINGS",
               "PERMANENCE PLAN", "IRO", "TEAM", "FLAGS"});
  for (const auto& c : items) {
    table.Add(
        {c.child_id(), c.legal_status(), (c.s20_since_not_known() ? "by " : "") + c.s20_since(),
         (c.s20_since_not_known() ? "at least " : "") + std::to_string(c.days_in_s20()),
         c.has_age() ? std::to_string(c.age()) : "-", c.consent_recorded() ? c.consent_on() : "no",
         Or(c.plo_started_on()), Or(c.proceedings_issued_on()),
         c.permanence_plan().empty() ? "-" : c.permanence_plan() + " " + c.permanence_plan_on(),
         Or(c.iro_id()), Or(c.team()), Or(JoinText(c.flags(), "; "))});
  }
  table.Print();
}

int RunSection20(const Globals& g, const QueryArgs& a) {
  v1::Section20Request request;
  *request.mutable_scope() = ScopeOf(a);
  request.set_from(a.from);
  v1::Section20Report report;
  const grpc::Status status = CallServer<v1::Queries>(
      g,
      [&](v1::Queries::Stub& s, grpc::ClientContext* c, v1::Section20Report* r) {
        return s.Section20(c, request, r);
      },
      &report);
  if (!status.ok()) return Fail(status);
  if (g.json) return PrintJson(report);
  const std::string when = report.from().empty()
                               ? "as at " + report.as_at()
                               : "at any time from " + report.from() + " to " + report.as_at();
  if (report.children_size() == 0) {
    std::cout << "no children in section 20 (V2) " << when << '\n';
  } else {
    std::cout << Plural(report.children_size(), "child", "children") << " in section 20 (V2) "
              << when << ", " << report.flagged() << " flagged\n";
    if (report.since_not_known() > 0) {
      std::cout << report.since_not_known()
                << " of them in section 20 since a period of care begun before the record: "
                   "IN S20 SINCE is the latest it can be (by), DAYS a minimum\n";
    }
    PrintSection20(report.children());
  }
  std::cout << '\n';
  if (report.short_breaks_size() == 0) {
    std::cout << "no children on short breaks (V3/V4) " << when << '\n';
  } else {
    std::cout << Plural(report.short_breaks_size(), "child", "children")
              << " on short breaks (V3/V4) " << when << '\n';
    PrintSection20(report.short_breaks());
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// placements

int RunPlacements(const Globals& g, const QueryArgs& a) {
  v1::PlacementsRequest request;
  *request.mutable_scope() = ScopeOf(a);
  request.set_three_or_more_only(a.three_or_more);
  request.mutable_paging()->set_page_size(a.page_size);
  v1::PlacementReport report;
  const grpc::Status status = CallPaged(
      g, request,
      [](v1::Queries::Stub& s, grpc::ClientContext* c, const v1::PlacementsRequest& q,
         v1::PlacementReport* r) { return s.Placements(c, q, r); },
      [](v1::PlacementReport* page, v1::PlacementReport* all) {
        for (auto& item : *page->mutable_children()) *all->add_children() = std::move(item);
      },
      &report);
  if (!status.ok()) return Fail(status);
  if (a.three_or_more) {
    // The server lists only these; a server from before three_or_more_only lists every child.
    auto* children = report.mutable_children();
    children->erase(std::remove_if(children->begin(), children->end(),
                                   [](const v1::PlacementItem& c) { return !c.three_or_more(); }),
                    children->end());
  }
  if (g.json) return PrintJson(report);
  std::cout << "placements in the 12 months to " << report.as_at() << ": "
            << Plural(report.looked_after(), "child", "children") << " looked after, "
            << report.three_or_more() << " with 3 or more placements, " << report.unregistered()
            << " in unregistered placements, " << report.over_20_miles()
            << " placed more than 20 miles away\n";
  if (report.record_begins_in_window() > 0) {
    std::cout << report.record_begins_in_window()
              << " of them with a record begun within the 12 months (start not known): their "
                 "counts hold only what the record holds\n";
  }
  if (report.children_size() == 0) {
    std::cout << (a.three_or_more ? "no children with 3 or more placements in the 12 months to "
                                  : "no children looked after as at ")
              << report.as_at() << '\n';
  } else {
    Table table({"CHILD", "PLACEMENTS", "MOVES", "CURRENT", "SINCE", "MILES", "3+", "UNREGISTERED",
                 ">20 MILES", "IRO", "TEAM"});
    for (const auto& c : report.children()) {
      table.Add({c.child_id(), std::to_string(c.placements_last_12_months()),
                 std::to_string(c.moves_last_12_months()), PlacementText(c.current()),
                 c.placed_since(),
                 c.current().has_distance_miles() ? Number(c.current().distance_miles()) : "-",
                 YesNo(c.three_or_more()), YesNo(c.unregistered()), YesNo(c.over_20_miles()),
                 Or(c.iro_id()), Or(c.team())});
    }
    table.Print();
  }
  std::cout << "reasons placements ended: " << Counts(report.reasons_ended()) << '\n';
  return 0;
}

// ---------------------------------------------------------------------------------------------
// child

// `footprint child ID --history`: every event of the child with who recorded it and when, and
// the chain checked at each.
int RunChildHistory(const Globals& g, const QueryArgs& a) {
  v1::ChildHistoryRequest request;
  request.set_child_id(a.child);
  v1::ChildHistory history;
  const grpc::Status status = CallServer<v1::Queries>(
      g,
      [&](v1::Queries::Stub& s, grpc::ClientContext* c, v1::ChildHistory* r) {
        return s.ChildHistory(c, request, r);
      },
      &history);
  if (!status.ok()) return Fail(status);
  if (g.json) return PrintJson(history);
  std::cout << "child " << history.child_id() << ": " << history.events_size() << " events; "
            << (history.chain_verified() ? "each verified where it stands in the hash chain"
                                         : "the hash chain does not hold at position " +
                                               std::to_string(history.first_bad_position()) + ": " +
                                               history.chain_problem())
            << '\n';
  Table table({"VERSION", "HAPPENED", "EVENT", "RECORDED AT", "BY", "SYSTEM", "NOTE"});
  for (const v1::ChildHistoryEvent& e : history.events()) {
    std::string note = e.superseded_by().empty() ? "" : "superseded by " + e.superseded_by();
    if (!e.foreign().empty()) note = "left out: " + e.foreign();
    table.Add({std::to_string(e.version()), Or(e.occurred_on()), e.type(), e.recorded_at(),
               Or(e.actor()), Or(e.source_system()), Or(note)});
  }
  table.Print();
  return history.chain_verified() ? 0 : kExitBrokenChain;
}

int RunChild(const Globals& g, const QueryArgs& a) {
  v1::ChildSummaryRequest request;
  request.set_child_id(a.child);
  request.set_as_at(a.as_at);
  v1::ChildSummary summary;
  const grpc::Status status = CallServer<v1::Queries>(
      g,
      [&](v1::Queries::Stub& s, grpc::ClientContext* c, v1::ChildSummary* r) {
        return s.Child(c, request, r);
      },
      &summary);
  if (!status.ok()) return Fail(status);
  if (g.json) return PrintJson(summary);
  std::cout << "child " << summary.child_id() << " as at " << summary.as_at() << '\n';
  Table facts({"FACT", "VALUE"});
  facts.Add({"looked after",
             !summary.looked_after()
                 ? "no"
                 : (summary.period_start_not_known() ? "yes, since " + summary.period_start() +
                                                           " at the latest (start not known)"
                                                     : "yes, since " + summary.period_start())});
  if (!summary.date_of_birth().empty()) {
    facts.Add({"date of birth",
               summary.date_of_birth() +
                   (summary.has_age() ? " (age " + std::to_string(summary.age()) + ")" : "")});
  }
  if (summary.looked_after()) {
    facts.Add({"legal status", Or(summary.legal_status())});
    std::string placement = PlacementText(summary.placement());
    if (!summary.placed_since().empty()) placement += ", since " + summary.placed_since();
    if (summary.placement().registration() == v1::Placement::UNREGISTERED) {
      placement += ", unregistered";
    }
    if (summary.placement().has_distance_miles()) {
      placement += ", " + Number(summary.placement().distance_miles()) + " miles from home";
    }
    facts.Add({"placement", placement});
    facts.Add({"placements in 12 months", std::to_string(summary.placements_last_12_months())});
    std::string iro = Or(summary.iro_id(), "none allocated");
    if (!summary.iro_name().empty()) iro += " (" + summary.iro_name() + ")";
    if (!summary.team().empty()) iro += ", team " + summary.team();
    facts.Add({"IRO", iro});
    if (summary.has_next_review()) {
      const auto& next = summary.next_review();
      facts.Add({"next review", next.due_on().empty()
                                    ? "due date not known: " + next.rule()
                                    : (next.due_date_exact() ? "due " : "due by ") + next.due_on() +
                                          (next.overdue() ? " (overdue)" : "") + ": " +
                                          next.rule()});
    }
  }
  facts.Add({"flags", summary.flags_size() == 0 ? "none" : JoinText(summary.flags(), "; ")});
  facts.Print("  ");
  if (summary.reviews_size() == 0) {
    std::cout << "no reviews held as at " << summary.as_at() << '\n';
  } else {
    std::cout << '\n' << Plural(summary.reviews_size(), "review", "reviews") << " held\n";
    PrintHeldReviews(summary.reviews(), "");
  }
  if (summary.challenges_size() == 0) {
    std::cout << "no open challenges as at " << summary.as_at() << '\n';
  } else {
    std::cout << '\n'
              << Plural(summary.challenges_size(), "open challenge", "open challenges") << '\n';
    PrintChallenges(summary.challenges(), "");
  }
  if (summary.foreign_events_size() > 0) {
    std::cout << '\n'
              << Plural(summary.foreign_events_size(), "event", "events")
              << " of the child's stream left out of the record (not domain events):\n";
    Table foreign({"POSITION", "VERSION", "EVENT", "TYPE", "WHY", "VOIDED"});
    for (const auto& e : summary.foreign_events()) {
      foreign.Add({std::to_string(e.position()), std::to_string(e.version()), e.event_id(),
                   e.type(), e.reason(),
                   e.voided_by().empty()
                       ? "no (footprint admin void-event)"
                       : "on " + e.voided_on() + " by " + e.voided_by() + ": " + e.void_reason()});
    }
    foreign.Print("  ");
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// projections

std::string StateText(const v1::ProjectionState& s) {
  if (s.rebuilding()) return "rebuilding";
  if (s.healthy()) return "healthy";
  return "stopped at " + std::to_string(s.failed_position()) + ": " + s.error();
}

int RunProjectionsStatus(const Globals& g) {
  v1::ProjectionsStatusRequest request;
  v1::ProjectionsStatusResponse response;
  const grpc::Status status = CallServer<v1::Projections>(
      g,
      [&](v1::Projections::Stub& s, grpc::ClientContext* c, v1::ProjectionsStatusResponse* r) {
        return s.Status(c, request, r);
      },
      &response);
  if (!status.ok()) return Fail(status);
  if (g.json) return PrintJson(response);
  std::cout << "log end: " << response.log_end() << '\n';
  if (response.projections_size() == 0) {
    std::cout << "no projections\n";
    return 0;
  }
  Table table({"PROJECTION", "POSITION", "LAG", "STATE"});
  for (const auto& p : response.projections()) {
    table.Add({p.name(), std::to_string(p.position()), std::to_string(p.lag()), StateText(p)});
  }
  table.Print();
  for (const auto& p : response.projections()) {
    if (!p.warning().empty()) std::cout << "warning: " << p.name() << ": " << p.warning() << '\n';
  }
  return 0;
}

int RunProjectionsRebuild(const Globals& g, const QueryArgs& a) {
  v1::RebuildProjectionRequest request;
  request.set_name(a.projection);
  v1::RebuildProjectionResponse response;
  // A rebuild replays the whole log: allow ten times the usual timeout.
  const grpc::Status status = CallServer<v1::Projections>(
      g,
      [&](v1::Projections::Stub& s, grpc::ClientContext* c, v1::RebuildProjectionResponse* r) {
        return s.Rebuild(c, request, r);
      },
      &response, 10);
  if (!status.ok()) return Fail(status);
  if (g.json) return PrintJson(response);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", response.seconds());
  const auto& s = response.state();
  std::cout << "rebuilt " << s.name() << ": "
            << Plural(response.events_applied(), "event", "events") << " applied in " << seconds
            << " s; position " << s.position() << ", lag " << s.lag() << ", " << StateText(s)
            << '\n';
  return 0;
}

// ---------------------------------------------------------------------------------------------
// admin: backups

std::string TakenAt(const v1::StoreBackup& b) {
  const absl::Time t = absl::FromUnixSeconds(b.created_at().seconds());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

int RunAdminBackup(const Globals& g, const QueryArgs& a) {
  v1::BackupRequest request;
  request.set_dir(a.backup_dir);
  request.set_keep(a.keep);
  v1::BackupResponse response;
  // A first backup copies the whole store: allow ten times the usual timeout.
  const grpc::Status status = CallServer<v1::Admin>(
      g,
      [&](v1::Admin::Stub& s, grpc::ClientContext* c, v1::BackupResponse* r) {
        return s.Backup(c, request, r);
      },
      &response, 10);
  if (!status.ok()) return Fail(status);
  if (g.json) return PrintJson(response);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", response.seconds());
  const auto& log = response.backup().log();
  const auto& access = response.backup().access_log();
  std::cout << "backup " << log.backup_id() << " in " << a.backup_dir << " taken in " << seconds
            << " s\n"
            << "  log:        " << Plural(log.log_end(), "event", "events") << ", head "
            << (log.head_hash().empty() ? "(empty log)" : log.head_hash()) << ", "
            << log.size_bytes() << " bytes\n"
            << "  access log: " << Plural(access.log_end(), "read", "reads") << ", head "
            << (access.head_hash().empty() ? "(empty log)" : access.head_hash()) << ", "
            << access.size_bytes() << " bytes\n"
            << Plural(response.backups_kept(), "backup", "backups") << " kept in " << a.backup_dir
            << '\n';
  return 0;
}

int RunAdminBackups(const Globals& g, const QueryArgs& a) {
  v1::ListBackupsRequest request;
  request.set_dir(a.backup_dir);
  v1::ListBackupsResponse response;
  const grpc::Status status = CallServer<v1::Admin>(
      g,
      [&](v1::Admin::Stub& s, grpc::ClientContext* c, v1::ListBackupsResponse* r) {
        return s.ListBackups(c, request, r);
      },
      &response);
  if (!status.ok()) return Fail(status);
  if (g.json) return PrintJson(response);
  Table table({"BACKUP", "TAKEN", "EVENTS", "HEAD", "READS", "BYTES"});
  for (const auto& set : response.backups()) {
    const auto& log = set.log();
    table.Add({std::to_string(log.backup_id()), TakenAt(log), std::to_string(log.log_end()),
               log.head_hash().empty() ? "-" : log.head_hash().substr(0, 16),
               set.has_access_log() ? std::to_string(set.access_log().log_end()) : "missing",
               std::to_string(log.size_bytes() + set.access_log().size_bytes())});
  }
  table.Print();
  return 0;
}

int RunAdminVoidEvent(const Globals& g, const QueryArgs& a) {
  v1::VoidForeignEventRequest request;
  request.set_child_id(a.child);
  request.set_event_id(a.event_id);
  request.set_reason(a.reason);
  request.set_recorded_by(a.recorded_by);
  request.set_void_event_id(a.void_event_id);
  v1::VoidForeignEventResponse response;
  const grpc::Status status = CallServer<v1::Admin>(
      g,
      [&](v1::Admin::Stub& s, grpc::ClientContext* c, v1::VoidForeignEventResponse* r) {
        return s.VoidForeignEvent(c, request, r);
      },
      &response);
  if (!status.ok()) return Fail(status);
  if (g.json) return PrintJson(response);
  std::cout << (response.duplicate() ? "already voided" : "voided") << " event "
            << response.voided().event_id() << " (position " << response.voided().position() << ", "
            << response.voided().type() << ") of child " << a.child << " by event "
            << response.event_id() << " at position " << response.position() << '\n';
  return 0;
}

}  // namespace

std::function<int()> AddQueryCommands(CLI::App& app, const Globals& g) {
  auto a = std::make_shared<QueryArgs>();

  auto* reviews_cmd = app.add_subcommand("reviews", "statutory reviews: due, overdue, timeliness");
  reviews_cmd->require_subcommand(1);
  auto* due_cmd = reviews_cmd->add_subcommand(
      "due", "reviews due within --within days of the date (not yet overdue)");
  AddScopeOptions(due_cmd, *a);
  // The request reads 0 as "the default" (28), so 0 cannot be asked for.
  due_cmd->add_option("--within", a->within_days, "days ahead, at least 1 (default 28)")
      ->check(CLI::Range(1, 36600));
  auto* overdue_cmd =
      reviews_cmd->add_subcommand("overdue", "reviews whose due date has passed, as at the date");
  AddScopeOptions(overdue_cmd, *a);
  auto* timeliness_cmd = reviews_cmd->add_subcommand(
      "timeliness", "reviews held in a period, each against its due date; the annual figures");
  AddScopeOptions(timeliness_cmd, *a);
  timeliness_cmd->add_option(
      "--from", a->from, "first day, YYYY-MM-DD (default: 1 April of the collection year of --to)");
  timeliness_cmd->add_option("--to", a->to, "last day, YYYY-MM-DD (default: the --as-at date)");
  timeliness_cmd->add_flag("--counts-only", a->counts_only,
                           "the figures only, without the list of every review held");
  AddPageSize(timeliness_cmd, *a);

  auto* escalations_cmd = app.add_subcommand(
      "escalations", "open challenges by stage, theme, IRO and team; counts over a period");
  // The server filters challenges by the IRO who raised them (not the child's allocated IRO).
  AddScopeOptions(escalations_cmd, *a, "only challenges raised by this IRO");
  escalations_cmd->add_option(
      "--from", a->from,
      "first day the counts cover, YYYY-MM-DD (default: 1 April of the collection year of --to)");
  escalations_cmd->add_option("--to", a->to,
                              "last day the counts cover, YYYY-MM-DD (default: the --as-at date)");

  auto* s20_cmd = app.add_subcommand(
      "s20", "children in section 20 (V2), and short breaks (V3/V4) separately, with flags");
  AddScopeOptions(s20_cmd, *a);
  s20_cmd->add_option("--from", a->from,
                      "every child in section 20 at any time from this day to the --as-at date");

  auto* placements_cmd = app.add_subcommand(
      "placements", "placement stability over the 12 months to the date, per child");
  AddScopeOptions(placements_cmd, *a);
  placements_cmd->add_flag("--three-or-more", a->three_or_more,
                           "only children with 3 or more placements (the totals still count every "
                           "child)");
  AddPageSize(placements_cmd, *a);

  auto* child_cmd = app.add_subcommand(
      "child", "one child: legal status, placement, IRO, reviews, open challenges, flags");
  child_cmd->add_option("ID", a->child, "child id")->required();
  AddAsAt(child_cmd, *a);
  child_cmd->add_flag("--history", a->history,
                      "every event of the child, who recorded it and when, each checked in the "
                      "hash chain (exit 3 when the chain does not hold)");

  auto* projections_cmd = app.add_subcommand("projections", "the projection workers");
  projections_cmd->require_subcommand(1);
  auto* status_cmd =
      projections_cmd->add_subcommand("status", "each projection's position, lag and health");
  auto* rebuild_cmd = projections_cmd->add_subcommand(
      "rebuild", "rebuild a projection from position 0 while the server runs");
  rebuild_cmd->add_option("NAME", a->projection, "projection name (see status)")->required();

  auto* admin_cmd =
      app.add_subcommand("admin", "backups; voiding a child's foreign event (the admin role)");
  admin_cmd->require_subcommand(1);
  auto* backup_cmd = admin_cmd->add_subcommand(
      "backup", "take an online backup of the log and the access log into DIR on the server");
  backup_cmd->add_option("DIR", a->backup_dir, "absolute directory on the server's machine")
      ->required();
  backup_cmd
      ->add_option("--keep", a->keep,
                   "keep the newest N backups in DIR (default: the server's backup.keep)")
      ->check(CLI::Range(1, 100000));
  auto* backups_cmd = admin_cmd->add_subcommand("backups", "list the backups in DIR");
  backups_cmd->add_option("DIR", a->backup_dir, "absolute directory on the server's machine")
      ->required();
  auto* void_cmd = admin_cmd->add_subcommand(
      "void-event",
      "void an event of a child's stream that is not a domain event (footprint child ID lists "
      "them); nothing is deleted");
  void_cmd->add_option("CHILD", a->child, "child id")->required();
  void_cmd->add_option("EVENT_ID", a->event_id, "the event to void")->required();
  void_cmd->add_option("--reason", a->reason, "why it is voided")->required();
  void_cmd->add_option("--by", a->recorded_by, "who voids it (default: $USER)");
  void_cmd->add_option("--id", a->void_event_id,
                       "UUID for the voiding event, so that a retry is recognised");

  return [=, &g]() -> int {
    if (backup_cmd->parsed()) return RunAdminBackup(g, *a);
    if (backups_cmd->parsed()) return RunAdminBackups(g, *a);
    if (void_cmd->parsed()) {
      if (a->recorded_by.empty()) {
        const char* user = std::getenv("USER");
        a->recorded_by = user != nullptr ? user : "";
      }
      return RunAdminVoidEvent(g, *a);
    }
    if (due_cmd->parsed()) return RunReviewsDue(g, *a, false);
    if (overdue_cmd->parsed()) return RunReviewsDue(g, *a, true);
    if (timeliness_cmd->parsed()) return RunTimeliness(g, *a);
    if (escalations_cmd->parsed()) return RunEscalations(g, *a);
    if (s20_cmd->parsed()) return RunSection20(g, *a);
    if (placements_cmd->parsed()) return RunPlacements(g, *a);
    if (child_cmd->parsed()) return a->history ? RunChildHistory(g, *a) : RunChild(g, *a);
    if (status_cmd->parsed()) return RunProjectionsStatus(g);
    if (rebuild_cmd->parsed()) return RunProjectionsRebuild(g, *a);
    return -1;
  };
}

}  // namespace footprint::cli
