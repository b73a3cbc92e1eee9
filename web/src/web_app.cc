#include "web/web_app.h"

#include <algorithm>
#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "domain/england_time.h"
#include "domain/working_calendar.h"
#include "footprint/v1/queries.grpc.pb.h"
#include "tools/cli/report_render.h"
#include "tools/client/metadata.h"
#include "web/pages.h"

namespace footprint::web {
namespace {

bool Loopback(const std::string& peer) {
  return peer == "127.0.0.1" || peer == "::1" || peer == "::ffff:127.0.0.1";
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 &&
               HexDigit(text[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

HttpResponse Page(int status, const std::string& title, const std::string& person,
                  const std::string& body) {
  HttpResponse response;
  response.status = status;
  response.body = Layout(title, person, body);
  return response;
}

// footprintd's refusal as a page: its code as the HTTP status, its message in words.
HttpResponse Failed(const grpc::Status& status, const std::string& person) {
  int http = 502;
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      http = 400;
      break;
    case grpc::StatusCode::NOT_FOUND:
      http = 404;
      break;
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      http = 403;
      break;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      http = 503;
      break;
    default:
      break;
  }
  return Page(http, "Not available", person,
              ErrorBody(http, absl::StrCat("footprintd answered ",
                                           absl::StatusCodeToString(
                                               static_cast<absl::StatusCode>(status.error_code())),
                                           ": ", status.error_message())));
}

// `text` percent-encoded: letters, digits, '-', '_' and '.' as they are.
std::string Encode(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

// The query string of `q` without `format` (for a page's download links), percent-encoded.
std::string QueryWithout(const std::map<std::string, std::string>& q, const std::string& skip) {
  std::string out;
  for (const auto& [key, value] : q) {
    if (key == skip || value.empty()) continue;
    absl::StrAppend(&out, out.empty() ? "" : "&", key, "=", Encode(value));
  }
  return out;
}

// The cookie that remembers, for this browser's session, why `person` opened child `child_id`:
// asked once, sent with every read of the child's record until the browser closes. Its value
// names the person too, so another person signed in on the same browser is asked again.
std::string PurposeCookieName(absl::string_view child_id) {
  return absl::StrCat("purpose-", Encode(child_id));
}
std::string PurposeCookieValue(absl::string_view person, absl::string_view purpose) {
  return absl::StrCat(Encode(person), "|", Encode(purpose));
}

std::string Param(const std::map<std::string, std::string>& q, const std::string& key) {
  auto it = q.find(key);
  return it == q.end() ? "" : it->second;
}

// A report file to download: `text` as `content_type`, named `file`.
HttpResponse Download(std::string text, const std::string& content_type, const std::string& file) {
  HttpResponse response;
  response.content_type = content_type;
  response.body = std::move(text);
  response.headers.emplace_back("Content-Disposition",
                                absl::StrCat("attachment; filename=\"", file, "\""));
  return response;
}

constexpr char kTodayPurpose[] = "the IRO manager's today page (footprint-web)";
constexpr char kProjectionsPurpose[] = "the projections page (footprint-web)";

}  // namespace

absl::StatusOr<std::string> PersonOf(const HttpRequest& request, const WebSettings& settings) {
  const bool trusted = std::find(settings.trusted_proxies.begin(), settings.trusted_proxies.end(),
                                 request.peer) != settings.trusted_proxies.end();
  if (trusted) {
    auto it = request.headers.find(settings.person_header);
    const std::string person =
        it == request.headers.end() ? "" : std::string(absl::StripAsciiWhitespace(it->second));
    if (person.empty()) {
      return absl::UnauthenticatedError(absl::StrCat(
          "the single sign-on did not name the person (header ", settings.person_header, ")"));
    }
    if (auto problem = client::PurposeProblem(person); !problem.empty() || person.size() > 256) {
      return absl::UnauthenticatedError(absl::StrCat("header ", settings.person_header,
                                                     ": not a person's name of at most 256 bytes"));
    }
    return person;
  }
  // Never the header of an untrusted peer: anyone could send it.
  if (Loopback(request.peer)) return settings.local_user;
  return absl::PermissionDeniedError(
      absl::StrCat("requests from ", request.peer,
                   " are not served: open the pages through the council's single sign-on, or "
                   "on this machine"));
}

std::map<std::string, std::string> Cookies(absl::string_view header) {
  std::map<std::string, std::string> out;
  for (absl::string_view pair : absl::StrSplit(header, ';', absl::SkipEmpty())) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos) continue;
    out[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
  }
  return out;
}

std::map<std::string, std::string> QueryParameters(absl::string_view query) {
  std::map<std::string, std::string> out;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    out[Decode(pair.substr(0, eq))] =
        eq == absl::string_view::npos ? "" : Decode(pair.substr(eq + 1));
  }
  return out;
}

WebApp::WebApp(std::shared_ptr<grpc::Channel> channel, WebSettings settings)
    : channel_(std::move(channel)), settings_(std::move(settings)) {}

void WebApp::Prepare(grpc::ClientContext* context, const std::string& person,
                     const std::string& purpose) const {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(settings_.call_timeout_seconds));
  context->AddMetadata("footprint-purpose", client::EncodePurpose(purpose));
  context->AddMetadata("footprint-person", client::EncodePurpose(person));
}

template <typename Request, typename Response>
grpc::Status WebApp::Ask(grpc::Status (v1::Queries::Stub::*method)(grpc::ClientContext*,
                                                                   const Request&, Response*),
                         const Request& request, Response* response, const std::string& person,
                         const std::string& purpose) const {
  auto stub = v1::Queries::NewStub(channel_);
  grpc::ClientContext context;
  Prepare(&context, person, purpose);
  return ((*stub).*method)(&context, request, response);
}

HttpResponse WebApp::Handle(const HttpRequest& request) const {
  auto person = PersonOf(request, settings_);
  if (!person.ok()) {
    const int status = absl::IsUnauthenticated(person.status()) ? 401 : 403;
    return Page(status, "Not allowed", "nobody",
                ErrorBody(status, std::string(person.status().message())));
  }
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse response =
        Page(405, "Not allowed", *person, ErrorBody(405, "these pages are read-only: GET only"));
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  const size_t question = request.target.find('?');
  const std::string path = request.target.substr(0, question);
  const auto q = QueryParameters(question == std::string::npos
                                     ? absl::string_view()
                                     : absl::string_view(request.target).substr(question + 1));
  if (path == "/") return TodayPage(*person, q);
  if (path == "/projections") return ProjectionsPage(*person);
  if (path == "/challenges") return ChallengesPage(*person, q);
  if (path == "/reports") {
    return Page(200, "Reports", *person,
                ReportsBody(domain::FormatIsoDate(domain::EnglandDay(absl::Now()))));
  }
  if (path.rfind("/reports/", 0) == 0) return ReportPage(*person, path.substr(9), q);
  if (path.rfind("/child/", 0) == 0 && path.size() > 7) {
    const auto cookie = request.headers.find("cookie");
    return ChildPage(*person, Decode(path.substr(7)), q,
                     Cookies(cookie == request.headers.end() ? "" : cookie->second));
  }
  return Page(404, "Not found", *person, ErrorBody(404, absl::StrCat("no page at ", path)));
}

HttpResponse WebApp::TodayPage(const std::string& person,
                               const std::map<std::string, std::string>& q) const {
  using Stub = v1::Queries::Stub;
  Today today;
  v1::ReviewsDueRequest overdue;
  overdue.mutable_scope()->set_as_at(Param(q, "as_at"));
  overdue.set_overdue_only(true);
  if (auto st = Ask(&Stub::ReviewsDue, overdue, &today.overdue, person, kTodayPurpose); !st.ok()) {
    return Failed(st, person);
  }
  // Every part as at the same day: the one the first answer was as at.
  today.as_at = today.overdue.as_at();
  v1::ReportScope scope;
  scope.set_as_at(today.as_at);
  v1::ReviewsDueRequest due;
  *due.mutable_scope() = scope;
  due.set_within_days(28);
  v1::EscalationsRequest escalations;
  *escalations.mutable_scope() = scope;
  v1::Section20Request section20;
  *section20.mutable_scope() = scope;
  v1::PlacementsRequest placements;
  *placements.mutable_scope() = scope;
  if (auto st = Ask(&Stub::ReviewsDue, due, &today.due, person, kTodayPurpose); !st.ok()) {
    return Failed(st, person);
  }
  if (auto st = Ask(&Stub::Escalations, escalations, &today.escalations, person, kTodayPurpose);
      !st.ok()) {
    return Failed(st, person);
  }
  if (auto st = Ask(&Stub::Section20, section20, &today.section20, person, kTodayPurpose);
      !st.ok()) {
    return Failed(st, person);
  }
  if (auto st = Ask(&Stub::Placements, placements, &today.placements, person, kTodayPurpose);
      !st.ok()) {
    return Failed(st, person);
  }
  return Page(200, "Today", person, TodayBody(today));
}

HttpResponse WebApp::ChildPage(const std::string& person, const std::string& child_id,
                               const std::map<std::string, std::string>& q,
                               const std::map<std::string, std::string>& cookies) const {
  const auto given = q.find("purpose");
  std::string purpose =
      given == q.end() ? "" : std::string(absl::StripAsciiWhitespace(given->second));
  const std::string title = absl::StrCat("Child ", child_id);
  // Asked once: a purpose this person gave for this child earlier in the browser's session.
  if (given == q.end() && !q.contains("change")) {
    const auto remembered = cookies.find(PurposeCookieName(child_id));
    const std::string mine = absl::StrCat(Encode(person), "|");
    if (remembered != cookies.end() && absl::StartsWith(remembered->second, mine)) {
      purpose = Decode(absl::string_view(remembered->second).substr(mine.size()));
    }
  }
  if (purpose.empty()) {
    return Page(200, title, person,
                PurposeBody(child_id, given == q.end() ? "" : "Say why you open the record."));
  }
  if (auto problem = client::PurposeProblem(purpose); !problem.empty()) {
    return Page(400, title, person, PurposeBody(child_id, problem));
  }
  using Stub = v1::Queries::Stub;
  v1::ChildSummaryRequest request;
  request.set_child_id(child_id);
  request.set_as_at(Param(q, "as_at"));
  v1::ChildSummary summary;
  if (auto st = Ask(&Stub::Child, request, &summary, person, purpose); !st.ok()) {
    return Failed(st, person);
  }
  v1::ChildHistoryRequest history_request;
  history_request.set_child_id(child_id);
  v1::ChildHistory history;
  if (auto st = Ask(&Stub::ChildHistory, history_request, &history, person, purpose); !st.ok()) {
    return Failed(st, person);
  }
  HttpResponse page = Page(200, title, person, ChildBody(summary, history, purpose));
  if (given != q.end()) {
    page.headers.emplace_back(
        "Set-Cookie",
        absl::StrCat(PurposeCookieName(child_id), "=", PurposeCookieValue(person, purpose),
                     "; Path=/child/", Encode(child_id), "; HttpOnly; SameSite=Strict"));
  }
  return page;
}

HttpResponse WebApp::ChallengesPage(const std::string& person,
                                    const std::map<std::string, std::string>& q) const {
  ChallengeFilter filter{Param(q, "iro"), Param(q, "team"), Param(q, "theme"), Param(q, "stage")};
  v1::EscalationsRequest request;
  request.mutable_scope()->set_as_at(Param(q, "as_at"));
  request.mutable_scope()->set_iro(filter.iro);
  request.mutable_scope()->set_team(filter.team);
  v1::EscalationReport report;
  if (auto st = Ask(&v1::Queries::Stub::Escalations, request, &report, person,
                    "the challenges page (footprint-web)");
      !st.ok()) {
    return Failed(st, person);
  }
  return Page(200, "Challenges", person, ChallengesBody(report, filter));
}

HttpResponse WebApp::ReportPage(const std::string& person, const std::string& report,
                                const std::map<std::string, std::string>& q) const {
  const std::string format = Param(q, "format").empty() ? "html" : Param(q, "format");
  const std::string query = QueryWithout(q, "format");
  using Stub = v1::Queries::Stub;
  const std::string purpose = absl::StrCat("the ", report, " report (footprint-web)");
  const auto bad_format = [&]() {
    return Page(400, "Reports", person,
                ErrorBody(400, absl::StrCat("format: '", format, "' is not one of this report's")));
  };
  const auto json = [&](const google::protobuf::Message& message, const std::string& file) {
    auto text = cli::MessageToJson(message);
    if (!text.ok()) return Page(500, "Reports", person, ErrorBody(500, text.status().ToString()));
    return Download(*text + "\n", "application/json", file);
  };
  if (report == "annual") {
    v1::AnnualReportRequest request;
    int year = 0;
    if (!absl::SimpleAtoi(Param(q, "year"), &year)) {
      return Page(400, "Reports", person, ErrorBody(400, "year: a collection year is required"));
    }
    request.set_year(year);
    request.set_iro(Param(q, "iro"));
    request.set_team(Param(q, "team"));
    v1::AnnualReport answer;
    if (auto st = Ask(&Stub::AnnualReport, request, &answer, person, purpose); !st.ok()) {
      return Failed(st, person);
    }
    const std::string file = absl::StrCat("annual-", year);
    if (format == "html") {
      HttpResponse page;
      page.body = cli::AnnualReportHtml(answer);  // a whole page of its own
      return page;
    }
    if (format == "md") {
      return Download(cli::AnnualReportMarkdown(answer), "text/markdown; charset=utf-8",
                      file + ".md");
    }
    if (format == "csv") {
      return Download(cli::AnnualReportCsv(answer), "text/csv; charset=utf-8", file + ".csv");
    }
    if (format == "json") {
      auto text = cli::AnnualReportJson(answer);
      if (!text.ok()) return Page(500, "Reports", person, ErrorBody(500, text.status().ToString()));
      return Download(*text + "\n", "application/json", file + ".json");
    }
    return bad_format();
  }
  if (report == "s20") {
    v1::Section20Request request;
    request.mutable_scope()->set_as_at(Param(q, "as_at"));
    request.set_from(Param(q, "from"));
    v1::Section20Report answer;
    if (auto st = Ask(&Stub::Section20, request, &answer, person, purpose); !st.ok())
      return Failed(st, person);
    const std::string file = absl::StrCat("s20-", answer.as_at());
    if (format == "html") {
      return Page(200, "Section 20", person, Section20Body(answer, query));
    }
    if (format == "csv")
      return Download(Section20Csv(answer), "text/csv; charset=utf-8", file + ".csv");
    if (format == "json") return json(answer, file + ".json");
    return bad_format();
  }
  if (report == "pwp") {
    v1::PlacementsWithParentsRequest request;
    request.mutable_scope()->set_as_at(Param(q, "as_at"));
    v1::PlacementsWithParentsReport answer;
    if (auto st = Ask(&Stub::PlacementsWithParents, request, &answer, person, purpose); !st.ok()) {
      return Failed(st, person);
    }
    const std::string file = absl::StrCat("pwp-", answer.as_at());
    if (format == "html") {
      return Page(200, "Placements with parents", person, PlacementsWithParentsBody(answer, query));
    }
    if (format == "md") {
      return Download(cli::PlacementsWithParentsMarkdown(answer), "text/markdown; charset=utf-8",
                      file + ".md");
    }
    if (format == "csv") {
      return Download(cli::PlacementsWithParentsCsv(answer), "text/csv; charset=utf-8",
                      file + ".csv");
    }
    if (format == "json") return json(answer, file + ".json");
    return bad_format();
  }
  if (report == "plo") {
    v1::PloCourtRequest request;
    request.set_from(Param(q, "from"));
    request.set_to(Param(q, "to"));
    v1::PloCourtReport answer;
    if (auto st = Ask(&Stub::PloCourt, request, &answer, person, purpose); !st.ok())
      return Failed(st, person);
    const std::string file = absl::StrCat("plo-", answer.from(), "-", answer.to());
    if (format == "html") return Page(200, "PLO and court", person, PloCourtBody(answer, query));
    if (format == "md") {
      return Download(cli::PloCourtMarkdown(answer), "text/markdown; charset=utf-8", file + ".md");
    }
    if (format == "csv") {
      return Download(cli::PloCourtCsv(answer), "text/csv; charset=utf-8", file + ".csv");
    }
    if (format == "json") return json(answer, file + ".json");
    return bad_format();
  }
  return Page(404, "Not found", person, ErrorBody(404, absl::StrCat("no report '", report, "'")));
}

HttpResponse WebApp::ProjectionsPage(const std::string& person) const {
  auto stub = v1::Projections::NewStub(channel_);
  grpc::ClientContext context;
  Prepare(&context, person, kProjectionsPurpose);
  v1::ProjectionsStatusResponse status;
  if (auto st = stub->Status(&context, v1::ProjectionsStatusRequest(), &status); !st.ok()) {
    return Failed(st, person);
  }
  return Page(200, "Projections", person, ProjectionsBody(status));
}

}  // namespace footprint::web
