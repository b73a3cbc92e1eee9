// The domain's gRPC services: Intake (council systems record facts about a child), Challenges
// (the IRO's dispute resolution commands) and Calendar (working days as the server counts
// them). Handlers validate the request's shape, then run the work on the store-wait
// executor (it reads the child's stream and waits for the synced append), so gRPC threads
// never block.
//
// A challenge command's answer shows the whole challenge only when the request carries a
// purpose, and that read is then recorded in the access log like Challenges.Get; without a
// purpose it shows only what the command itself recorded (docs/operations.md).
//
// Thread-safety: shared by all gRPC threads; no mutable state. Everything passed in must
// outlive the gRPC server.
#ifndef FOOTPRINT_SERVICES_DOMAIN_SERVICES_H_
#define FOOTPRINT_SERVICES_DOMAIN_SERVICES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "footprint/v1/calendar.grpc.pb.h"
#include "footprint/v1/challenges.grpc.pb.h"
#include "footprint/v1/intake.grpc.pb.h"
#include "services/access_control.h"
#include "services/child_recorder.h"
#include "services/executors.h"

namespace footprint::services {

class IntakeService final : public v1::Intake::CallbackService {
 public:
  IntakeService(const ChildRecorder* recorder, Executors* executors, const AccessControl* access)
      : recorder_(recorder), executors_(executors), access_(access) {}

  grpc::ServerUnaryReactor* Record(grpc::CallbackServerContext* context,
                                   const v1::RecordRequest* request,
                                   v1::RecordResponse* response) override;
  grpc::ServerUnaryReactor* RecordImportRun(grpc::CallbackServerContext* context,
                                            const v1::RecordImportRunRequest* request,
                                            v1::RecordImportRunResponse* response) override;

 private:
  const ChildRecorder* const recorder_;
  Executors* const executors_;
  const AccessControl* const access_;
};

class ChallengesService final : public v1::Challenges::CallbackService {
 public:
  ChallengesService(const ChildRecorder* recorder, Executors* executors,
                    const AccessControl* access)
      : recorder_(recorder), executors_(executors), access_(access) {}

  grpc::ServerUnaryReactor* Raise(grpc::CallbackServerContext* context,
                                  const v1::RaiseChallengeRequest* request,
                                  v1::ChallengeView* response) override;
  grpc::ServerUnaryReactor* Respond(grpc::CallbackServerContext* context,
                                    const v1::RespondToChallengeRequest* request,
                                    v1::ChallengeView* response) override;
  grpc::ServerUnaryReactor* Escalate(grpc::CallbackServerContext* context,
                                     const v1::EscalateChallengeRequest* request,
                                     v1::ChallengeView* response) override;
  grpc::ServerUnaryReactor* Resolve(grpc::CallbackServerContext* context,
                                    const v1::ResolveChallengeRequest* request,
                                    v1::ChallengeView* response) override;
  grpc::ServerUnaryReactor* Withdraw(grpc::CallbackServerContext* context,
                                     const v1::WithdrawChallengeRequest* request,
                                     v1::ChallengeView* response) override;
  grpc::ServerUnaryReactor* ReferToCafcass(grpc::CallbackServerContext* context,
                                           const v1::ReferToCafcassRequest* request,
                                           v1::ChallengeView* response) override;
  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context,
                                const v1::GetChallengeRequest* request,
                                v1::ChallengeView* response) override;

 private:
  // Checks that the caller may give challenge commands, records `event` (a step of
  // `challenge_id`) and returns what the caller may see (RecordIfPurpose): with a purpose, the
  // challenge afterwards; without, only the step(s) this request recorded. `method` names the
  // command in the access log, e.g. "Challenges.Respond".
  absl::StatusOr<v1::ChallengeView> Step(const grpc::ServerContextBase& server,
                                         absl::string_view method,
                                         const v1::CommandContext& context,
                                         const std::string& challenge_id,
                                         v1::ChildEvent event) const;

  // A command's answer shows the child's record only as a read: on the record, with a purpose.
  // When the request carries a purpose (footprint-purpose metadata), sets caller->purpose,
  // records the read of `child_id`'s stream by `method` in the access log and returns true: the
  // command then answers with the whole challenge. Without one, records nothing and returns
  // false: the command answers with only what it recorded (ChallengeView.partial). Errors: an
  // invalid purpose (INVALID_ARGUMENT), UNAVAILABLE when the record cannot be written.
  absl::StatusOr<bool> RecordIfPurpose(const grpc::ServerContextBase& server, Caller* caller,
                                       absl::string_view method, const std::string& child_id,
                                       absl::string_view scope) const;

  const ChildRecorder* const recorder_;
  Executors* const executors_;
  const AccessControl* const access_;
};

class CalendarService final : public v1::Calendar::CallbackService {
 public:
  CalendarService(const domain::WorkingCalendar* calendar, std::string source,
                  const AccessControl* access)
      : calendar_(calendar), source_(std::move(source)), access_(access) {}

  grpc::ServerUnaryReactor* AddWorkingDays(grpc::CallbackServerContext* context,
                                           const v1::AddWorkingDaysRequest* request,
                                           v1::AddWorkingDaysResponse* response) override;
  grpc::ServerUnaryReactor* WorkingDaysBetween(grpc::CallbackServerContext* context,
                                               const v1::WorkingDaysBetweenRequest* request,
                                               v1::WorkingDaysBetweenResponse* response) override;
  grpc::ServerUnaryReactor* Info(grpc::CallbackServerContext* context,
                                 const v1::CalendarInfoRequest* request,
                                 v1::CalendarInfoResponse* response) override;

 private:
  const domain::WorkingCalendar* const calendar_;
  const std::string source_;
  const AccessControl* const access_;
};

// The API view of a whole challenge (partial = false).
v1::ChallengeView ToView(const domain::ChallengeState& challenge);

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_DOMAIN_SERVICES_H_
