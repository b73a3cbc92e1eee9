// `footprint report annual`: the IRO service's annual report for a collection year
// (Queries.AnnualReport), written as Markdown, CSV, JSON or a self-contained HTML page
// (docs/annual-report.md).
#ifndef FOOTPRINT_TOOLS_CLI_REPORT_COMMAND_H_
#define FOOTPRINT_TOOLS_CLI_REPORT_COMMAND_H_

#include <functional>

#include "CLI/CLI.hpp"
#include "tools/cli/cli_common.h"

namespace footprint::cli {

// Adds the subcommand `report` (with `annual`) to `app`. Returns the function that runs it if it
// was parsed (it returns -1 when it was not). `globals` must outlive the returned function.
std::function<int()> AddReportCommand(CLI::App& app, const Globals& globals);

}  // namespace footprint::cli

#endif  // FOOTPRINT_TOOLS_CLI_REPORT_COMMAND_H_
