#include "tools/cli/report_command.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "footprint/v1/queries.grpc.pb.h"
#include "tools/cli/report_render.h"

namespace footprint::cli {
namespace {

namespace v1 = footprint::v1;

struct AnnualArgs {
  int year = 0;
  std::string format = "md";
  bool format_given = false;
  std::string out;
  std::string iro;
  std::string team;
};

// Writes `text` to `path` through a temporary file renamed over it, so that a reader never sees
// half a report. False (errno set) on failure.
bool WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << text;
    out.flush();
    if (!out) {
      const int saved = errno;
      std::remove(temporary.c_str());
      errno = saved;
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    std::remove(temporary.c_str());
    errno = saved;
    return false;
  }
  return true;
}

int RunAnnual(const Globals& g, const AnnualArgs& a) {
  if (g.json && a.format_given && a.format != "json") {
    return UsageError("--json asks for JSON, --format for " + a.format + ": give one");
  }
  auto stub = v1::Queries::NewStub(MakeChannel(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  v1::AnnualReportRequest request;
  request.set_year(a.year);
  request.set_iro(a.iro);
  request.set_team(a.team);
  v1::AnnualReport report;
  const grpc::Status status = stub->AnnualReport(&context, request, &report);
  if (!status.ok()) return Fail(status);

  const std::string format = g.json ? "json" : a.format;
  std::string text;
  if (format == "json") {
    auto json = AnnualReportJson(report);
    if (!json.ok()) return Fail("INTERNAL", std::string(json.status().message()));
    text = *json + "\n";
  } else if (format == "csv") {
    text = AnnualReportCsv(report);
  } else if (format == "html") {
    text = AnnualReportHtml(report);
  } else {
    text = AnnualReportMarkdown(report);
  }
  if (a.out.empty()) {
    std::cout << text;
    return 0;
  }
  if (!WriteFileAtomically(a.out, text)) {
    return Fail("UNAVAILABLE", "cannot write " + a.out + ": " + std::strerror(errno));
  }
  std::cout << "annual report " << report.from() << " to " << report.to() << " (" << format
            << ") written to " << a.out << '\n';
  return 0;
}

}  // namespace

std::function<int()> AddReportCommand(CLI::App& app, const Globals& g) {
  auto* report = app.add_subcommand("report", "reports for the council (annual)");
  report->require_subcommand(1);
  auto a = std::make_shared<AnnualArgs>();
  auto* annual = report->add_subcommand(
      "annual", "the IRO service's annual report for a collection year (1 April - 31 March)");
  annual
      ->add_option("--year", a->year,
                   "the collection year from 1 April YEAR to 31 March YEAR+1 (as in the 903 "
                   "files' names)")
      ->required()
      ->check(CLI::Range(1990, 2100));
  auto* format = annual->add_option("--format", a->format, "md (default), csv, json or html")
                     ->check(CLI::IsMember({"md", "csv", "json", "html"}));
  annual->add_option("--out", a->out, "write the report to FILE (default: standard output)");
  annual->add_option("--iro", a->iro, "only the children of this IRO (at the end of the year)");
  annual->add_option("--team", a->team, "only the children of this team (at the end of the year)");
  return [annual, format, a, &g]() {
    if (!annual->parsed()) return -1;
    a->format_given = format->count() > 0;
    return RunAnnual(g, *a);
  };
}

}  // namespace footprint::cli
