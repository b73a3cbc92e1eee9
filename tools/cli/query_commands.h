// The query commands of `footprint`: the IRO manager's questions (reviews due, overdue and
// timeliness, escalations, section 20, placements, one child) and the state of the projection
// workers. Thin clients of the `Queries` and `Projections` services (proto/footprint/v1/
// queries.proto): the server validates every date and filter; these commands only pass them on
// and print the answer, as aligned tables for people or, with --json, as the response message
// in one line of JSON (proto field names, zero values included, map keys sorted).
#ifndef FOOTPRINT_TOOLS_CLI_QUERY_COMMANDS_H_
#define FOOTPRINT_TOOLS_CLI_QUERY_COMMANDS_H_

#include <functional>

#include "CLI/CLI.hpp"
#include "tools/cli/cli_common.h"

namespace footprint::cli {

// Adds the subcommands `reviews`, `escalations`, `s20`, `placements`, `child`, `projections` and
// `admin` (backups) to `app`. Returns the function that runs whichever of them was parsed (it
// returns -1 when none was). `globals` must outlive the returned function.
std::function<int()> AddQueryCommands(CLI::App& app, const Globals& globals);

}  // namespace footprint::cli

#endif  // FOOTPRINT_TOOLS_CLI_QUERY_COMMANDS_H_
