// `footprint import-903`: SSDA903 return files recorded through the Intake API
// (docs/import-903.md).
#ifndef FOOTPRINT_TOOLS_CLI_IMPORT_COMMAND_H_
#define FOOTPRINT_TOOLS_CLI_IMPORT_COMMAND_H_

#include <functional>

#include "CLI/CLI.hpp"
#include "tools/cli/cli_common.h"

namespace footprint::cli {

// Adds the subcommand to `app`. Returns the function that runs it when it was parsed (it
// returns -1 otherwise).
std::function<int()> AddImportCommand(CLI::App& app, const Globals& globals);

}  // namespace footprint::cli

#endif  // FOOTPRINT_TOOLS_CLI_IMPORT_COMMAND_H_
