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

// The options of every report subcommand (each reads those it has).
struct ReportArgs {
  int year = 0;       // annual
  std::string as_at;  // pwp
  std::string from;   // plo
  std::string to;     // plo
  std::string format = "md";
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

// Prints `text` or writes it to --out, saying what was written.
int Emit(const ReportArgs& a, const std::string& text, const std::string& what,
         const std::string& format) {
  if (a.out.empty()) {
    std::cout << text;
    return 0;
  }
  if (!WriteFileAtomically(a.out, text)) {
    return Fail("UNAVAILABLE", "cannot write " + a.out + ": " + std::strerror(errno));
  }
  std::cout << what << " (" << format << ") written to " << a.out << '\n';
  return 0;
}

// A periodic report's answer in --format (or --json): JSON, or `csv` / `md` of it, emitted.
template <typename Report>
int EmitReport(const Globals& g, const ReportArgs& a, const Report& report,
               std::string (*csv)(const Report&), std::string (*md)(const Report&),
               const std::string& what) {
  const std::string format = g.json ? "json" : a.format;
  std::string text;
  if (format == "json") {
    auto json = MessageToJson(report);
    if (!json.ok()) return Fail("INTERNAL", std::string(json.status().message()));
    text = *json + "\n";
  } else {
    text = format == "csv" ? csv(report) : md(report);
  }
  return Emit(a, text, what, format);
}

int RunPlacementsWithParents(const Globals& g, const ReportArgs& a) {
  auto stub = v1::Queries::NewStub(MakeChannel(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  v1::PlacementsWithParentsRequest request;
  request.mutable_scope()->set_as_at(a.as_at);
  request.mutable_scope()->set_iro(a.iro);
  request.mutable_scope()->set_team(a.team);
  v1::PlacementsWithParentsReport report;
  const grpc::Status status = stub->PlacementsWithParents(&context, request, &report);
  if (!status.ok()) return Fail(status);
  return EmitReport(g, a, report, &PlacementsWithParentsCsv, &PlacementsWithParentsMarkdown,
                    "placements with parents as at " + report.as_at());
}

int RunPloCourt(const Globals& g, const ReportArgs& a) {
  auto stub = v1::Queries::NewStub(MakeChannel(g));
  grpc::ClientContext context;
  SetDeadline(&context, g);
  v1::PloCourtRequest request;
  request.set_from(a.from);
  request.set_to(a.to);
  request.set_iro(a.iro);
  request.set_team(a.team);
  v1::PloCourtReport report;
  const grpc::Status status = stub->PloCourt(&context, request, &report);
  if (!status.ok()) return Fail(status);
  return EmitReport(g, a, report, &PloCourtCsv, &PloCourtMarkdown,
                    "PLO and court report " + report.from() + " to " + report.to());
}

int RunAnnual(const Globals& g, const ReportArgs& a) {
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
  return Emit(a, text, "annual report " + report.from() + " to " + report.to(), format);
}

}  // namespace

std::function<int()> AddReportCommand(CLI::App& app, const Globals& g) {
  auto* report = app.add_subcommand(
      "report",
      "reports for the council (annual; pwp: placements with parents; plo: PLO and court)");
  report->require_subcommand(1);
  auto a = std::make_shared<ReportArgs>();
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
  auto* pwp = report->add_subcommand(
      "pwp", "children placed with parents (P1) as at a date, with flags and the quarter's change");
  pwp->add_option("--as-at", a->as_at, "the report's date, YYYY-MM-DD (default: today)");
  auto* pwp_format = pwp->add_option("--format", a->format, "md (default), csv or json")
                         ->check(CLI::IsMember({"md", "csv", "json"}));
  pwp->add_option("--out", a->out, "write the report to FILE (default: standard output)");
  pwp->add_option("--iro", a->iro, "only the children of this IRO (as at the date)");
  pwp->add_option("--team", a->team, "only the children of this team (as at the date)");
  auto* plo = report->add_subcommand(
      "plo", "the Public Law Outline and care proceedings over a period (6-monthly)");
  plo->add_option("--from", a->from,
                  "first day, YYYY-MM-DD (default: the day after the date 6 months before --to)");
  plo->add_option("--to", a->to, "last day, YYYY-MM-DD (default: today)");
  auto* plo_format = plo->add_option("--format", a->format, "md (default), csv or json")
                         ->check(CLI::IsMember({"md", "csv", "json"}));
  plo->add_option("--out", a->out, "write the report to FILE (default: standard output)");
  plo->add_option("--iro", a->iro, "only the children of this IRO (at the end of the period)");
  plo->add_option("--team", a->team, "only the children of this team (at the end of the period)");
  return [annual, format, pwp, pwp_format, plo, plo_format, a, &g]() {
    const bool format_given =
        format->count() > 0 || pwp_format->count() > 0 || plo_format->count() > 0;
    if (g.json && format_given && a->format != "json") {
      return UsageError("--json asks for JSON, --format for " + a->format + ": give one");
    }
    if (pwp->parsed()) return RunPlacementsWithParents(g, *a);
    if (plo->parsed()) return RunPloCourt(g, *a);
    if (!annual->parsed()) return -1;
    return RunAnnual(g, *a);
  };
}

}  // namespace footprint::cli
