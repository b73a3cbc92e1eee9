// AccessControl: who is calling (the client certificate), what each role may do, and the
// record of every read of a child's events or read model (the access log).
//
// With TLS on, every caller must present a client certificate signed by the configured CA (the
// handshake refuses any other); the certificate's identity is looked up in the `clients:` list
// of the config file, which gives its roles. The identity is one of the certificate's subject
// alternative names (DNS, URI, email) when it has any (its common name then does not count),
// else its subject common name. Every RPC names the right it needs (Right below); Authorize
// answers UNAUTHENTICATED without a certificate and PERMISSION_DENIED naming the missing right
// otherwise. Without TLS (plaintext, on loopback only unless insecure_plaintext), every caller
// is the local identity "local" with every right: a development and single-machine mode.
//
// Reads of children's data (AuthorizeRead) also need a purpose, sent in the `footprint-purpose`
// metadata (required with TLS; percent-encoded, see DecodePurpose), and are recorded in the
// access log before anything is served: one synced event per read in a separate event store,
// with its own hash chain, which auditors read and verify through the EventStore RPCs with
// `log: LOG_ACCESS`. If the record cannot be written, the read is refused (UNAVAILABLE): no read
// goes unrecorded. A record keeps at most kMaxRecordedTextBytes of each text a caller can
// choose (subject, scope, correlation id), so no request can make a record large.
//
// Thread-safety: immutable after construction except for the access log store, which is
// thread-safe; shared by every gRPC and executor thread.
#ifndef FOOTPRINT_SERVICES_ACCESS_CONTROL_H_
#define FOOTPRINT_SERVICES_ACCESS_CONTROL_H_

#include <grpcpp/server_context.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "eventstore/event_store.h"

namespace footprint::services {

enum class Role : uint8_t { kPoster = 1, kAuditor = 2, kManager = 4, kAdmin = 8 };

// "poster", "auditor", "manager", "admin"; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<Role> ParseRole(absl::string_view name, absl::string_view field);
const char* RoleName(Role role);

// One known client (config `clients:`).
struct ClientRule {
  // Matched against the certificate's subject alternative names (DNS, URI, email), or against
  // its subject common name when it has none.
  std::string identity;
  std::vector<Role> roles;
  // poster: the event types it may append ("*": any). Intake.Record checks the types of the
  // domain events it records.
  std::vector<std::string> event_types;
};

// What a right lets a caller do; each RPC needs exactly one (see docs/operations.md).
enum class Right {
  kAppend,         // EventStore.Append, Intake.Record: poster (its event types)
  kReadOwn,        // EventStore.ReadStream of what it wrote: poster
  kReadLog,        // EventStore.ReadStream/ReadAll/Subscribe/VerifyChain: auditor
  kReadAccessLog,  // the same with log: LOG_ACCESS: auditor
  kQuery,          // Queries.*, Challenges.Get: manager, auditor
  kChallenge,      // Challenges commands: manager
  kStatus,         // Projections.Status, Calendar.*: any known client
  kAdmin,          // Projections.Rebuild, backups: admin
};
const char* RightName(Right right);

// The caller of one RPC, after Authorize.
struct Caller {
  std::string identity;  // the matched rule's identity, or "local" without TLS
  uint32_t roles = 0;    // bit set of Role
  bool any_event_type = false;
  std::vector<std::string> event_types;
  std::string peer;  // gRPC's peer address, for the access log
  // Why it reads: the decoded footprint-purpose metadata ("" when none was sent). Set by
  // AuthorizeRead and AuthorizeReader.
  std::string purpose;
  // For whom it reads: the decoded footprint-person metadata, sent by a client that reads for
  // the people it serves (footprint-web: the person signed in), "" when none was sent.
  std::string person;
  bool Has(Role role) const { return (roles & static_cast<uint32_t>(role)) != 0; }
  // The roles, comma-separated, for logs and records.
  std::string RoleList() const;
};

// OK if one of the caller's roles holds `right`; PERMISSION_DENIED naming the identity, its
// roles, the right and the roles that hold it otherwise.
absl::Status CheckRight(const Caller& caller, Right right);

// The purpose metadata key, and its longest accepted value (decoded, in bytes of UTF-8).
inline constexpr char kPurposeMetadata[] = "footprint-purpose";
inline constexpr size_t kMaxPurposeBytes = 512;

// The purpose a client wrote, from the `footprint-purpose` metadata value on the wire.
//
// Wire format: plain gRPC metadata values may hold only printable ASCII (0x20-0x7E), so clients
// percent-encode the purpose's UTF-8 bytes: every byte outside 0x20-0x7E, and '%' itself, is
// sent as '%' and two hex digits (either case); every other byte as itself, so an ASCII purpose
// without '%' is sent unchanged. "réunion – child C1" is sent as
// "r%C3%A9union %E2%80%93 child C1".
//
// The decoded purpose must be at most kMaxPurposeBytes, valid UTF-8, and free of control
// characters (U+0000-U+001F, U+007F-U+009F: no newlines or tabs). INVALID_ARGUMENT naming
// `metadata footprint-purpose` and the rule broken otherwise (also for a '%' not followed by two
// hex digits).
absl::StatusOr<std::string> DecodePurpose(absl::string_view wire);

// The person a client reads for (footprint-web: the person its single sign-on vouched for),
// recorded in the access log beside the client's identity, which answers for it. Sent like the
// purpose (percent-encoded UTF-8, no control characters) in at most kMaxPersonBytes; optional.
inline constexpr char kPersonMetadata[] = "footprint-person";
inline constexpr size_t kMaxPersonBytes = 256;
absl::StatusOr<std::string> DecodePerson(absl::string_view wire);

// Longest text an access-log record keeps of each value a caller chooses (the subject, the
// scope, the correlation id; also the identity, method and peer). Longer text is cut at a UTF-8
// character boundary within this many bytes and marked "... (N bytes)" with its full length, so
// a record is at most about 2 KiB whatever the request (the purpose is refused beyond
// kMaxPurposeBytes).
inline constexpr size_t kMaxRecordedTextBytes = 256;

// `text` as an access-log record keeps it (see kMaxRecordedTextBytes).
std::string RecordedText(absl::string_view text);

// The event type and stream prefix of access log records.
inline constexpr char kReadRecordedType[] = "ReadRecorded";
inline constexpr char kAccessStreamPrefix[] = "read-";

class AccessControl {
 public:
  // `tls`: whether callers come over TLS with client certificates. `access_log` (not owned, may
  // be null: reads are then not recorded; only tests do that) receives read records.
  AccessControl(bool tls, std::vector<ClientRule> clients, eventstore::EventStore* access_log);

  // The caller, if it has `right`. UNAUTHENTICATED without a client certificate;
  // PERMISSION_DENIED naming the identity and the missing right.
  absl::StatusOr<Caller> Authorize(const grpc::ServerContextBase& context, Right right) const;

  // The part of Authorize after the handshake: the first `clients:` rule whose identity is one
  // of the certificate's subject alternative names `sans` or, only when it has none, its
  // subject common name `common_name` ("": none), if the rule's roles hold `right`.
  // PERMISSION_DENIED for an unlisted identity (naming the names that were looked up) or a
  // missing right.
  absl::StatusOr<Caller> Identify(const std::vector<std::string>& sans,
                                  absl::string_view common_name, Right right) const;

  // PERMISSION_DENIED unless the caller may append events of `type` (field names the event).
  absl::Status CheckEventType(const Caller& caller, absl::string_view type,
                              absl::string_view field) const;

  // Authorize, then the purpose (INVALID_ARGUMENT when TLS is on and it is missing, or when it
  // breaks a rule of DecodePurpose), then records the read: `method` (e.g. "Queries.Child"),
  // `subject` (a child id, a stream, or "council" for reports over many children) and `scope`
  // (the request's filter, in words). Blocks for one synced write; call from a store-wait thread.
  // UNAVAILABLE if the record cannot be written. Same as AuthorizeReader then RecordRead.
  absl::StatusOr<Caller> AuthorizeRead(const grpc::ServerContextBase& context, Right right,
                                       absl::string_view method, absl::string_view subject,
                                       absl::string_view scope) const;

  // The first half of AuthorizeRead: Authorize, then the purpose (in Caller::purpose), without
  // recording anything. For handlers that validate the request before recording the read, so a
  // refused request writes nothing to the access log.
  absl::StatusOr<Caller> AuthorizeReader(const grpc::ServerContextBase& context, Right right) const;

  // The second half: records the read by `caller` (from AuthorizeReader, or from Authorize with
  // Caller::purpose set by the handler) in the access log. INVALID_ARGUMENT when TLS is on and
  // the caller has no purpose; UNAVAILABLE if the record cannot be written. Blocks for one
  // synced write.
  absl::Status RecordRead(const grpc::ServerContextBase& context, const Caller& caller,
                          absl::string_view method, absl::string_view subject,
                          absl::string_view scope) const;

  // The request's purpose, decoded (DecodePurpose); "" when none was sent.
  static absl::StatusOr<std::string> Purpose(const grpc::ServerContextBase& context);

  bool tls() const { return tls_; }
  eventstore::EventStore* access_log() const { return access_log_; }

 private:
  // INVALID_ARGUMENT: a read without a purpose while TLS is on.
  static absl::Status PurposeRequired();

  const bool tls_;
  const std::vector<ClientRule> clients_;
  eventstore::EventStore* const access_log_;
};

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_ACCESS_CONTROL_H_
