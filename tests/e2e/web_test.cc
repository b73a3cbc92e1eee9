// End to end: footprint-web (its own process, a gRPC client) over a real footprintd, both on
// 127.0.0.1:0 in a temporary directory, asked over HTTP by a client in this test. Each page
// answers, its figures are footprintd's (asked the same question through the CLI), a child's
// page asks for the purpose first and then records the person and the purpose in the access
// log, the person is the single sign-on's only from a trusted proxy, and nothing on a page comes
// from elsewhere.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "chromium.h"
#include "cli_session.h"
#include "nlohmann/json.hpp"
#include "process.h"

namespace {

namespace ft = footprint::testing;
namespace http = boost::beast::http;
using nlohmann::json;

struct Answer {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
};

// One GET of `target` from the server at HOST:PORT `address`, with `headers`.
Answer Get(const std::string& address, const std::string& target,
           const std::map<std::string, std::string>& headers = {},
           http::verb verb = http::verb::get) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::beast::tcp_stream stream(io);
  const size_t colon = address.rfind(':');
  stream.connect(resolver.resolve(address.substr(0, colon), address.substr(colon + 1)));
  http::request<http::string_body> request(verb, target, 11);
  request.set(http::field::host, address);
  for (const auto& [name, value] : headers) request.set(name, value);
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  boost::beast::error_code ec;
  stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  Answer answer{static_cast<int>(response.result_int()), response.body(), {}};
  for (const auto& field : response) {
    answer.headers[std::string(field.name_string())] = std::string(field.value());
  }
  return answer;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// footprint-web over `server`, with `args`.
std::unique_ptr<ft::ServerProcess> StartWeb(const ft::RunningServer& server,
                                            std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"--server", server.address(), "--local-user", "Zo\u00eb Adeyemi"});
  auto web = std::make_unique<ft::ServerProcess>(FOOTPRINT_WEB_PATH, std::move(args),
                                                 server.dir.Sub("web.stderr.log"));
  web->Start("127.0.0.1:0");
  return web;
}

// The access log's records, oldest first (the CLI reads it as the local auditor).
std::vector<json> AccessLog(const ft::RunningServer& server) {
  const ft::CommandResult result = ft::Cli(server, {"--json", "--access-log", "read-all"});
  REQUIRE(result.exit_code == 0);
  std::vector<json> records;
  for (const std::string& line : ft::Lines(result.out)) {
    records.push_back(json::parse(line).at("data"));
  }
  return records;
}

void Record(const ft::RunningServer& server, const std::string& child, const json& events) {
  const ft::CommandResult result =
      ft::Cli(server, {"--json", "record", child, "--file", "-"}, events.dump());
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
}

json Care(const std::string& on, const std::string& status) {
  return {{"occurred_on", on},
          {"period_of_care_started",
           {{"legal_status", status},
            {"placement", {{"type", "U1"}, {"provider", "PR1"}}},
            {"category_of_need", "N1"},
            {"date_of_birth", "2023-03-01"}}}};
}

}  // namespace

TEST_CASE("web: today, a child behind its purpose, projections, and the person in the access log",
          "[e2e][web]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  // W1 in care since Mon 5 Jan 2026, no review: overdue since its 1st was due (20 working days).
  // W2 in section 20 since Mon 12 Jan 2026, aged 2, no consent: flagged.
  Record(server, "W1", json::array({Care("2026-01-05", "C2")}));
  Record(server, "W2", json::array({Care("2026-01-12", "V2")}));
  auto web = StartWeb(server);

  const Answer today = Get(web->address(), "/?as_at=2026-06-30");
  REQUIRE(today.status == 200);
  CHECK(Contains(today.body, "<h1>Today</h1>"));
  CHECK(Contains(today.body, "Signed in as Zo\u00eb Adeyemi"));
  // The figures are footprintd's: the same questions through the CLI.
  const json overdue =
      json::parse(ft::Cli(server, {"--json", "reviews", "overdue", "--as-at", "2026-06-30"}).out);
  REQUIRE(overdue.at("items").size() == 2);
  CHECK(Contains(today.body, "<h2 id=\"overdue\">Reviews overdue (" +
                                 std::to_string(overdue.at("items").size()) + ")</h2>"));
  for (const json& item : overdue.at("items")) {
    CHECK(
        Contains(today.body, "<a href=\"/child/" + item.at("child_id").get<std::string>() + "\">"));
    CHECK(Contains(today.body, "<td>" + item.at("due_on").get<std::string>() + "</td>"));
  }
  const json s20 = json::parse(ft::Cli(server, {"--json", "s20", "--as-at", "2026-06-30"}).out);
  REQUIRE(s20.at("flagged") == 1);
  CHECK(Contains(today.body, "Section 20 children with flags (1)"));
  CHECK(Contains(today.body, "under 5 and in section 20 for more than 8 weeks"));
  // Every link of the page leads to a page that answers.
  std::set<std::string> links;
  for (size_t at = today.body.find("href=\""); at != std::string::npos;
       at = today.body.find("href=\"", at + 1)) {
    const size_t start = at + 6;
    links.insert(today.body.substr(start, today.body.find('"', start) - start));
  }
  CHECK(links.size() >= 7);  // the skip link, the menu, the children
  for (const std::string& link : links) {
    if (link[0] == '#') continue;  // the skip link, within the page
    INFO(link);
    CHECK(Get(web->address(), link).status == 200);
  }
  // Nothing is loaded from elsewhere, and there is no script.
  for (const char* outside : {"http://", "https://", "src=", "<script", "<link"}) {
    INFO(outside);
    CHECK_FALSE(Contains(today.body, outside));
  }

  // A child's page asks for the purpose first; nothing of the child is read.
  const size_t records_before = AccessLog(server).size();
  const Answer ask = Get(web->address(), "/child/W2");
  CHECK(ask.status == 200);
  CHECK(Contains(ask.body, "<label for=\"purpose\">Why are you opening child W2's record?"));
  CHECK_FALSE(Contains(ask.body, "Next review"));
  // One record for the CLI's read of the log just above, none for the page.
  CHECK(AccessLog(server).size() == records_before + 1);

  // With a purpose: the record, and the access log holds the person and the purpose.
  const Answer child =
      Get(web->address(), "/child/W2?purpose=review+preparation+%3Cb%3E&as_at=2026-06-30");
  REQUIRE(child.status == 200);
  CHECK(Contains(child.body, "<h1>Child W2</h1>"));
  CHECK(Contains(child.body, "Opened for: review preparation &lt;b&gt;"));
  CHECK(Contains(child.body, "under 5 and in section 20 for more than 8 weeks"));
  // The two newest records (a read of the access log records itself after what it reads): the
  // summary and the timeline, each with the person and the purpose.
  const std::vector<json> records = AccessLog(server);
  REQUIRE(records.size() >= 2);
  CHECK(records.end()[-2].at("method") == "Queries.Child");
  CHECK(records.back().at("method") == "Queries.ChildHistory");
  for (const json& record : {records.end()[-2], records.back()}) {
    CHECK(record.at("subject") == "child-W2");
    CHECK(record.at("person") == "Zo\u00eb Adeyemi");
    CHECK(record.at("purpose") == "review preparation <b>");
  }
  // The timeline: the one event, who recorded it, and the chain verified.
  CHECK(Contains(child.body, "Timeline (1 events)"));
  CHECK(Contains(child.body, "<td>PeriodOfCareStarted</td>"));
  CHECK(Contains(child.body, "All 1 events verified where they stand in the hash chain"));

  // Asked once: the browser keeps the purpose for this child (and this person) while it stays
  // open, and sends it with the next visit, which is recorded with it like the first.
  REQUIRE(child.headers.contains("Set-Cookie"));
  const std::string cookie = child.headers.at("Set-Cookie");
  CHECK(cookie.find("; Path=/child/W2; HttpOnly; SameSite=Strict") != std::string::npos);
  const std::string sent = cookie.substr(0, cookie.find(';'));
  const Answer again = Get(web->address(), "/child/W2?as_at=2026-06-30", {{"Cookie", sent}});
  REQUIRE(again.status == 200);
  CHECK(Contains(again.body, "Opened for: review preparation &lt;b&gt;"));
  CHECK(AccessLog(server).back().at("purpose") == "review preparation <b>");
  // Another purpose can be given; another child is asked for its own.
  CHECK(Contains(Get(web->address(), "/child/W2?change=1", {{"Cookie", sent}}).body,
                 "Why are you opening child W2's record?"));
  CHECK(Contains(Get(web->address(), "/child/W1", {{"Cookie", sent}}).body,
                 "Why are you opening child W1's record?"));

  const Answer unknown = Get(web->address(), "/child/NOPE?purpose=checking");
  CHECK(unknown.status == 404);
  CHECK(Contains(unknown.body,
                 "footprintd answered NOT_FOUND: child_id: no child &#39;NOPE&#39; is recorded"));

  const Answer projections = Get(web->address(), "/projections");
  CHECK(projections.status == 200);
  CHECK(Contains(projections.body, "<td>children</td>"));
  CHECK(Contains(projections.body, "<td>healthy</td>"));

  // Read-only, and nothing else is served.
  CHECK(Get(web->address(), "/", {}, http::verb::post).status == 405);
  CHECK(Get(web->address(), "/admin").status == 404);
  // A person header from a peer that is not a trusted proxy is ignored.
  const Answer spoofed = Get(web->address(), "/", {{"X-Forwarded-User", "Mallory"}});
  CHECK(Contains(spoofed.body, "Signed in as Zo\u00eb Adeyemi"));
  CHECK_FALSE(Contains(spoofed.body, "Mallory"));
}

TEST_CASE("web: behind the single sign-on, the proxy's header names the person", "[e2e][web]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  Record(server, "W1", json::array({Care("2026-01-05", "C2")}));
  auto web = StartWeb(server, {"--trusted-proxy", "127.0.0.1"});

  const Answer nobody = Get(web->address(), "/");
  CHECK(nobody.status == 401);
  CHECK(Contains(nobody.body, "the single sign-on did not name the person"));
  const Answer sam =
      Get(web->address(), "/child/W1?purpose=audit", {{"X-Forwarded-User", "Sam Okafor"}});
  REQUIRE(sam.status == 200);
  CHECK(Contains(sam.body, "Signed in as Sam Okafor"));
  const json last = AccessLog(server).back();
  CHECK(last.at("person") == "Sam Okafor");
  CHECK(last.at("purpose") == "audit");
  // The purpose Sam gave is Sam's: another person on the same browser is asked again.
  const std::string cookie = sam.headers.at("Set-Cookie");
  const std::string sent = cookie.substr(0, cookie.find(';'));
  CHECK(Contains(
      Get(web->address(), "/child/W1", {{"X-Forwarded-User", "Sam Okafor"}, {"Cookie", sent}}).body,
      "Opened for: audit"));
  CHECK(Contains(
      Get(web->address(), "/child/W1", {{"X-Forwarded-User", "Pat Jones"}, {"Cookie", sent}}).body,
      "Why are you opening child W1's record?"));
  // A name longer than the access log keeps (256 bytes) is refused, not cut.
  const Answer long_name = Get(web->address(), "/", {{"X-Forwarded-User", std::string(300, 's')}});
  CHECK(long_name.status == 401);
  CHECK(Contains(long_name.body, "not a person&#39;s name of at most 256 bytes"));
}

TEST_CASE("web: challenges by filter, and each report as a page with its downloads", "[e2e][web]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  Record(server, "W1",
         json::array({Care("2026-01-05", "C2"),
                      {{"occurred_on", "2026-02-02"},
                       {"placement_changed",
                        {{"placement", {{"type", "P1"}, {"provider", "PR0"}}},
                         {"reason_for_change", "CARPL"},
                         {"carer_changed", true}}}}}));
  Record(server, "W2", json::array({Care("2026-01-12", "V2")}));
  const ft::CommandResult raised =
      ft::Cli(server, {"challenge", "raise", "--child", "W2", "--stage", "informal", "--iro",
                       "iro-3", "--theme", "Drift and Delay", "--issue", "no plan"});
  INFO(raised.err);
  REQUIRE(raised.exit_code == 0);
  auto web = StartWeb(server);

  const Answer all = Get(web->address(), "/challenges");
  REQUIRE(all.status == 200);
  CHECK(Contains(all.body, "1 open challenge(s)"));
  CHECK(Contains(all.body, "<td>Drift and Delay</td>"));
  const Answer other = Get(web->address(), "/challenges?theme=Quality+of+Plan");
  CHECK(Contains(other.body, "No open challenge matches."));
  CHECK(Contains(Get(web->address(), "/challenges?iro=iro-3").body, "1 open challenge(s)"));
  CHECK(Contains(Get(web->address(), "/challenges?iro=iro-9").body, "No open challenge matches."));

  const Answer index = Get(web->address(), "/reports");
  REQUIRE(index.status == 200);
  for (const char* path : {"/reports/annual", "/reports/s20", "/reports/pwp", "/reports/plo"}) {
    CHECK(Contains(index.body, std::string("action=\"") + path + "\""));
  }

  // Placements with parents: the page, and its CSV equal to the CLI's.
  const Answer pwp = Get(web->address(), "/reports/pwp?as_at=2026-06-30");
  REQUIRE(pwp.status == 200);
  CHECK(Contains(pwp.body, "1 placed with parents, 1 flagged"));
  CHECK(Contains(pwp.body, "href=\"/reports/pwp?as_at=2026-06-30&amp;format=csv\""));
  const Answer csv = Get(web->address(), "/reports/pwp?as_at=2026-06-30&format=csv");
  REQUIRE(csv.status == 200);
  CHECK(csv.headers.at("Content-Type") == "text/csv; charset=utf-8");
  CHECK(csv.headers.at("Content-Disposition") == "attachment; filename=\"pwp-2026-06-30.csv\"");
  CHECK(csv.body ==
        ft::Cli(server, {"report", "pwp", "--as-at", "2026-06-30", "--format", "csv"}).out);

  // The annual report's page is the CLI's HTML; its JSON the CLI's JSON.
  const Answer annual = Get(web->address(), "/reports/annual?year=2025");
  REQUIRE(annual.status == 200);
  CHECK(Contains(annual.body, "<title>IRO service annual report 2025-26</title>"));
  const Answer annual_json = Get(web->address(), "/reports/annual?year=2025&format=json");
  REQUIRE(annual_json.status == 200);
  const json from_web = json::parse(annual_json.body);
  const json from_cli =
      json::parse(ft::Cli(server, {"report", "annual", "--year", "2025", "--format", "json"}).out);
  CHECK(from_web.at("care") == from_cli.at("care"));
  CHECK(from_web.at("position") == from_cli.at("position"));

  const Answer s20 = Get(web->address(), "/reports/s20?as_at=2026-06-30");
  CHECK(Contains(s20.body, "1 children in section 20 (V2), 1 flagged"));
  const Answer plo = Get(web->address(), "/reports/plo?from=2026-01-01&to=2026-06-30");
  CHECK(plo.status == 200);
  CHECK(Contains(plo.body, "No PLO ran in the period."));
  CHECK(Get(web->address(), "/reports/plo?from=2026-07-01&to=2026-06-30").status == 400);
  CHECK(Get(web->address(), "/reports/pwp?format=xml").status == 400);
  CHECK(Get(web->address(), "/reports/nope").status == 404);
}

TEST_CASE(
    "web: every page renders in Chromium, keyboard-reachable, and loads nothing from elsewhere",
    "[e2e][web][chromium]") {
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  Record(server, "W1", json::array({Care("2026-01-05", "C2")}));
  Record(server, "W2", json::array({Care("2026-01-12", "V2")}));
  auto web = StartWeb(server);
  const std::string base = "http://" + web->address();
  struct Page {
    std::string path;
    std::string heading;
  };
  const std::vector<Page> pages = {
      {"/?as_at=2026-06-30", "<h1>Today</h1>"},
      {"/child/W2", "<h1>Child W2</h1>"},
      {"/child/W2?purpose=review+preparation&as_at=2026-06-30", "<h2 id=\"next\">Next review</h2>"},
      {"/challenges", "<h1>Challenges</h1>"},
      {"/reports", "<h1>Reports</h1>"},
      {"/reports/s20?as_at=2026-06-30", "<h1>Section 20</h1>"},
      {"/reports/pwp?as_at=2026-06-30", "<h1>Placements with parents</h1>"},
      {"/reports/plo?from=2026-01-01&to=2026-06-30", "<h1>PLO and court</h1>"},
      {"/reports/annual?year=2025", "<h1>IRO service annual report 2025-26</h1>"},
      {"/projections", "<h1>Projections</h1>"},
  };
  for (const Page& page : pages) {
    INFO(page.path);
    ft::RecordingProxy proxy;
    const ft::CommandResult rendered = ft::RenderInChromium(base + page.path, proxy, server.dir);
    INFO(rendered.err);
    REQUIRE(rendered.exit_code == 0);
    CHECK(Contains(rendered.out, page.heading));
    for (const std::string& request : proxy.PageRequests()) {
      UNSCOPED_INFO("request off the machine: " << request);
    }
    CHECK(proxy.PageRequests().empty());
    // The pages of the service (not the annual report's own document) start with a skip link
    // to the main content, and every form field has its label.
    if (page.path.rfind("/reports/annual", 0) != 0) {
      CHECK(Contains(rendered.out, "<a class=\"skip\" href=\"#main\">Skip to main content</a>"));
      CHECK(Contains(rendered.out, "<main id=\"main\">"));
    }
    size_t inputs = 0, labels = 0;
    for (size_t at = rendered.out.find("<input"); at != std::string::npos;
         at = rendered.out.find("<input", at + 1)) {
      ++inputs;
      const size_t id = rendered.out.find("id=\"", at);
      const std::string name = rendered.out.substr(id + 4, rendered.out.find('"', id + 4) - id - 4);
      if (Contains(rendered.out, "<label for=\"" + name + "\"")) ++labels;
    }
    CHECK(labels == inputs);
  }
}

namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// axe-core's WCAG 2.x A and AA rules run over `html` in headless Chromium: the page with axe
// inlined before </body>, and a script that writes the violations into the page, which
// --dump-dom then prints. The rule ids and how many elements break each, as JSON ("[]": none).
std::string AxeViolations(const std::string& html, const std::string& axe, const ft::TempDir& dir,
                          const std::string& name) {
  const std::string runner =
      "<script>" + axe +
      "</script><script>axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', "
      "'wcag21a', 'wcag21aa', 'wcag22aa']}}).then(function (r) {"
      "var out = document.createElement('pre'); out.id = 'axe-result';"
      "out.textContent = JSON.stringify(r.violations.map(function (v) {"
      "return {id: v.id, nodes: v.nodes.length}; }));"
      "document.body.appendChild(out); });</script>";
  std::string page = html;
  const size_t body_end = page.rfind("</body>");
  REQUIRE(body_end != std::string::npos);
  page.insert(body_end, runner);
  const std::string file = dir.Sub(name + ".axe.html");
  std::ofstream(file) << page;
  ft::RecordingProxy proxy;
  const ft::CommandResult rendered =
      ft::RenderInChromium("file://" + file, proxy, dir, {"--virtual-time-budget=20000"});
  REQUIRE(rendered.exit_code == 0);
  const std::string open = "<pre id=\"axe-result\">";
  const size_t at = rendered.out.find(open);
  if (at == std::string::npos) return "axe did not run";
  const size_t end = rendered.out.find("</pre>", at);
  return rendered.out.substr(at + open.size(), end - at - open.size());
}

}  // namespace

TEST_CASE("web: every page passes axe-core's WCAG 2.2 A and AA rules in Chromium",
          "[e2e][web][chromium][a11y]") {
  const std::string axe = ReadText(FOOTPRINT_AXE_PATH);
  INFO("axe-core is installed by scripts/install-deps --test into .cache/axe");
  REQUIRE(axe.size() > 100000);
  ft::RunningServer server(ft::ConfigYaml{ft::kWithoutReviewDeadlines});
  Record(server, "W1", json::array({Care("2026-01-05", "C2")}));
  Record(server, "W2", json::array({Care("2026-01-12", "V2")}));
  auto web = StartWeb(server);

  // The check can fail: a page with an unlabelled field, low contrast and no language.
  CHECK(AxeViolations("<!DOCTYPE html><html><head><title>x</title></head><body><p "
                      "style=\"color:#aaa\">faint</p><input type=\"text\"></body></html>",
                      axe, server.dir, "control") ==
        "[{\"id\":\"color-contrast\",\"nodes\":1},{\"id\":\"html-has-lang\",\"nodes\":1},"
        "{\"id\":\"label\",\"nodes\":1}]");

  const std::vector<std::string> pages = {"/?as_at=2026-06-30",
                                          "/child/W2",
                                          "/child/W2?purpose=review+preparation&as_at=2026-06-30",
                                          "/challenges",
                                          "/reports",
                                          "/reports/s20?as_at=2026-06-30",
                                          "/reports/pwp?as_at=2026-06-30",
                                          "/reports/plo?to=2026-06-30",
                                          "/reports/annual?year=2025",
                                          "/projections",
                                          "/nope"};
  for (size_t i = 0; i < pages.size(); ++i) {
    INFO(pages[i]);
    const Answer answer = Get(web->address(), pages[i]);
    CHECK(AxeViolations(answer.body, axe, server.dir, "page-" + std::to_string(i)) == "[]");
  }
}

TEST_CASE("web over TLS: its own certificate with the manager role, and footprintd's rules apply",
          "[e2e][web][tls]") {
  ft::TempDir pki;
  const std::string script = std::string(FOOTPRINT_SOURCE_DIR) + "/deploy/make-test-ca";
  REQUIRE(
      ft::RunCommand({script, pki.path(), "web-pages", "case-system", "auditor-alice"}).exit_code ==
      0);
  ft::RunningServer server(ft::ConfigYaml{
      std::string(ft::kWithoutReviewDeadlines) + "tls:\n  cert_file: " + pki.Sub("server.pem") +
      "\n  key_file: " + pki.Sub("server-key.pem") + "\n  client_ca_file: " + pki.Sub("ca.pem") +
      "\nclients:\n"
      "  - identity: web-pages\n    roles: [manager]\n"
      "  - identity: case-system\n    roles: [poster]\n    event_types: [Note]\n"
      "  - identity: auditor-alice\n    roles: [auditor]\n"});
  const auto tls_as = [&](const std::string& who) {
    return std::vector<std::string>{"--ca",
                                    pki.Sub("ca.pem"),
                                    "--cert",
                                    pki.Sub(who + ".pem"),
                                    "--key",
                                    pki.Sub(who + "-key.pem"),
                                    "--tls-server-name",
                                    "localhost"};
  };
  auto web = StartWeb(server, tls_as("web-pages"));
  const Answer today = Get(web->address(), "/?as_at=2026-06-30");
  REQUIRE(today.status == 200);
  CHECK(Contains(today.body, "Reviews overdue (0)"));
  // Read by the auditor: the record names the service's identity and role, and the person.
  std::vector<std::string> read = tls_as("auditor-alice");
  read.insert(read.end(), {"--purpose", "audit", "--json", "--access-log", "read-all"});
  const ft::CommandResult log = ft::Cli(server, read);
  INFO(log.err);
  REQUIRE(log.exit_code == 0);
  const json first = json::parse(ft::Lines(log.out).front()).at("data");
  CHECK(first.at("identity") == "web-pages");
  CHECK(first.at("roles") == "manager");
  CHECK(first.at("person") == "Zo\u00eb Adeyemi");

  // With a certificate whose identity holds no role that may query, the pages say so.
  auto poster_web = StartWeb(server, tls_as("case-system"));
  const Answer refused = Get(poster_web->address(), "/");
  CHECK(refused.status == 403);
  CHECK(Contains(refused.body, "may not"));
}
