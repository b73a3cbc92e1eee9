// libFuzzer target: an Intake.Record request as it arrives over gRPC. The input is the
// request's protobuf bytes; when they decode, its domain events go through the same steps as
// IntakeService::Record with a new child: services::ChildRecorder::PlanAppend completes and
// validates each event in order against the child's record as it will be (fields, code lists,
// dates, working-day deadlines, the record holding together), and EventStore::Prepare checks
// the append it produces. Nothing is written. Any input must be accepted or refused with a
// status, never crash. Seeds: tests/fuzz/seeds/record_request/*.textproto, encoded by
// scripts/fuzz. Run: scripts/fuzz --target fuzz_record_request.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "domain/child_record.h"
#include "domain/codes.h"
#include "domain/escalation_policy.h"
#include "domain/working_calendar.h"
#include "eventstore/event_store.h"
#include "footprint/v1/intake.pb.h"
#include "fuzz_store.h"
#include "services/child_recorder.h"

namespace fs = footprint::services;
namespace v1 = footprint::v1;
namespace domain = footprint::domain;

namespace {

const domain::EscalationPolicy& Policy() {
  static const domain::EscalationPolicy* const policy =
      new domain::EscalationPolicy(domain::EscalationPolicy::Default());
  return *policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::RecordRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  // The service refuses these before validating (IntakeService::Record, ChildRecorder::Record).
  if (request.events().empty() || request.source_system().empty() ||
      request.recorded_by().empty() ||
      !domain::ValidateChildId(request.child_id(), "child_id").ok()) {
    return 0;
  }
  std::vector<fs::Submission> submissions;
  for (const v1::Submission& s : request.events()) {
    submissions.push_back(fs::Submission{s.event_id(), s.event()});
  }
  domain::ValidationContext ctx;
  ctx.today = absl::CivilDay(2026, 12, 6);
  ctx.policy = &Policy();
  ctx.calendar = &domain::WorkingCalendar::EnglandAndWales();
  const fs::Recorder recorder{request.source_system(), request.recorded_by(),
                              request.correlation_id(), "fuzz-poster"};
  domain::ChildRecord record(request.child_id());
  auto append =
      fs::ChildRecorder::PlanAppend(&record, request.child_id(), submissions, recorder, ctx);
  absl::Status outcome = append.status();
  if (append.ok()) outcome = footprint::fuzzing::FuzzStore()->Prepare(std::move(*append)).status();
  // FOOTPRINT_FUZZ_VERBOSE=1 build-fuzz/tests/fuzz/fuzz_record_request SEED...: what each input
  // came to (a seed should come to OK, so that the fuzzer starts from deep states).
  static const bool verbose = std::getenv("FOOTPRINT_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "outcome: %s\n", outcome.ToString().c_str());
  return 0;
}
