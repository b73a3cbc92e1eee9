// The domain commands of `footprint`: record, calendar, challenge.
#ifndef FOOTPRINT_TOOLS_CLI_DOMAIN_COMMANDS_H_
#define FOOTPRINT_TOOLS_CLI_DOMAIN_COMMANDS_H_

#include <functional>

#include "CLI/CLI.hpp"
#include "tools/cli/cli_common.h"

namespace footprint::cli {

// Adds the subcommands to `app`. Returns the function that runs whichever of them was parsed
// (it returns -1 when none was).
std::function<int()> AddDomainCommands(CLI::App& app, const Globals& globals);

}  // namespace footprint::cli

#endif  // FOOTPRINT_TOOLS_CLI_DOMAIN_COMMANDS_H_
