// The whole import decided before anything is sent: each child of the pooled returns either
// accepted with its events (repairs applied and listed) or rejected with every reason, and the
// rejects and repairs files the importer writes (docs/import-903.md, "Output and exit").
//
// Thread-safety: pure functions.
#ifndef FOOTPRINT_IMPORT903_IMPORT_PLAN_H_
#define FOOTPRINT_IMPORT903_IMPORT_PLAN_H_

#include <map>
#include <string>
#include <vector>

#include "import903/plan.h"
#include "import903/returns.h"
#include "import903/validate.h"

namespace footprint::import903 {

struct ChildPlan {
  std::string child_id;
  std::vector<PlannedEvent> events;  // accepted: what to record
  std::vector<Reason> reasons;       // rejected: every reason (then no events)
  std::vector<Reason> repairs;       // applied to an accepted child
  // Of an accepted child: review rows left out, and values recorded as "not recorded".
  std::vector<Reason> left_out;
  std::vector<Reason> not_recorded;
  bool start_not_known = false;  // its first period began before the files
  size_t episodes = 0, reviews = 0;
};

struct ImportPlan {
  std::vector<ChildPlan> children;       // in child id order
  std::vector<std::string> orphan_rows;  // rows without a child id
  size_t accepted() const;
  size_t rejected() const;
  // Rejected children by rule (a child counts once per rule it broke).
  std::map<std::string, size_t> RejectedByRule() const;
  // Repairs applied to the children not rejected (a child the intake refused later has its
  // repairs dropped: nothing of it was written), by rule.
  std::map<std::string, size_t> RepairsByRule() const;
  // Rows left out of the children not rejected, by rule (a row counts once per rule it broke),
  // and the rows left out (each once).
  std::map<std::string, size_t> LeftOutByRule() const;
  size_t rows_left_out() const;
  // Children not rejected whose first period of care began before the files.
  size_t start_not_known() const;
};

// Validates every child of `returns` (which it consumes: repairs change the episodes) and plans
// the events of those that pass.
ImportPlan MakePlan(Returns returns, const ValidationOptions& options);

// The rejects: a CSV with the header `child_id,rule,detail,left_out` and one row for each reason
// of each rejected child (left_out `child`), each row left out of a child not rejected (`row`),
// and each value recorded as not recorded (`value`: the row is imported without it), quoted
// where a field needs it (RFC 4180); and each row without a CHILD id
// (`,row.no_child,file:line: no CHILD,row`). The repairs: `child_id,rule,detail`, one row for
// each repair of each child not rejected.
std::string RejectsCsv(const ImportPlan& plan);
std::string RepairsCsv(const ImportPlan& plan);

}  // namespace footprint::import903

#endif  // FOOTPRINT_IMPORT903_IMPORT_PLAN_H_
