// libFuzzer target: the SSDA903 reader. The input is one CSV file; it is parsed (csv.h), then
// read as each kind of return file for one year (returns.h) and every child it yields is
// validated (validate.h). Any input must give a table or an INVALID_ARGUMENT, never a crash,
// a hang or undefined behaviour. Seeds: tests/data/903-synthetic. Run: scripts/fuzz.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "import903/csv.h"
#include "import903/returns.h"
#include "import903/validate.h"

namespace im = footprint::import903;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto table = im::ParseCsv(text, "fuzz.csv");
  if (!table.ok()) return 0;
  for (int kind = 0; kind < 3; ++kind) {
    im::Returns returns;
    const im::CsvTable* header = kind == 0 ? &*table : nullptr;
    const im::CsvTable* episodes = kind == 1 ? &*table : nullptr;
    const im::CsvTable* reviews = kind == 2 ? &*table : nullptr;
    if (!im::AddYear(2019, header, episodes, reviews, &returns).ok()) continue;
    im::ValidationOptions options;
    options.today = absl::CivilDay(2020, 6, 1);
    options.repairs = {"episode.open_not_last", "episode.open_with_rec"};
    for (auto& [id, child] : returns.children) {
      const im::Checked checked = im::Validate(&child, options);
      if (checked.reasons.empty()) (void)im::PeriodsOf(child);
    }
  }
  return 0;
}
