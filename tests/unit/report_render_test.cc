// The annual report's renderings (tools/cli/report_render.h). Filled in by the tests below.
#include "tools/cli/report_render.h"

#include "catch2/catch.hpp"
