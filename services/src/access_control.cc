#include "services/access_control.h"

#include <grpcpp/security/auth_context.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "services/logging.h"

namespace footprint::services {
namespace {

namespace es = footprint::eventstore;

constexpr uint32_t kAllRoles =
    static_cast<uint32_t>(Role::kPoster) | static_cast<uint32_t>(Role::kAuditor) |
    static_cast<uint32_t>(Role::kManager) | static_cast<uint32_t>(Role::kAdmin);

constexpr Role kRoles[] = {Role::kPoster, Role::kAuditor, Role::kManager, Role::kAdmin};

// The roles that hold each right.
uint32_t RolesWith(Right right) {
  const auto bits = [](std::initializer_list<Role> roles) {
    uint32_t b = 0;
    for (Role r : roles) b |= static_cast<uint32_t>(r);
    return b;
  };
  switch (right) {
    case Right::kAppend:
      return bits({Role::kPoster});
    case Right::kReadOwn:
      return bits({Role::kPoster, Role::kAuditor});
    case Right::kReadLog:
    case Right::kReadAccessLog:
      return bits({Role::kAuditor});
    case Right::kQuery:
      return bits({Role::kManager, Role::kAuditor});
    case Right::kChallenge:
      return bits({Role::kManager});
    case Right::kStatus:
      return kAllRoles;
    case Right::kAdmin:
      return bits({Role::kAdmin});
  }
  return 0;
}

std::string RolesHolding(Right right) {
  std::vector<std::string> names;
  for (Role r : kRoles) {
    if ((RolesWith(right) & static_cast<uint32_t>(r)) != 0) names.push_back(RoleName(r));
  }
  return absl::StrJoin(names, " or ");
}

// The values of one property of the peer's certificate.
std::vector<std::string> PeerProperty(const grpc::AuthContext& auth, const char* property) {
  std::vector<std::string> values;
  for (const grpc::string_ref& value : auth.FindPropertyValues(property)) {
    values.emplace_back(value.data(), value.size());
  }
  return values;
}

}  // namespace

absl::StatusOr<Role> ParseRole(absl::string_view name, absl::string_view field) {
  for (Role r : kRoles) {
    if (name == RoleName(r)) return r;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": '", name, "' is not a role (poster, auditor, manager or admin)"));
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kPoster:
      return "poster";
    case Role::kAuditor:
      return "auditor";
    case Role::kManager:
      return "manager";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

const char* RightName(Right right) {
  switch (right) {
    case Right::kAppend:
      return "append events";
    case Right::kReadOwn:
      return "read back its own events";
    case Right::kReadLog:
      return "read and verify the event log";
    case Right::kReadAccessLog:
      return "read and verify the access log";
    case Right::kQuery:
      return "run queries";
    case Right::kChallenge:
      return "give challenge commands";
    case Right::kStatus:
      return "read service status";
    case Right::kAdmin:
      return "administer the service";
  }
  return "?";
}

std::string Caller::RoleList() const {
  std::vector<std::string> names;
  for (Role r : kRoles) {
    if (Has(r)) names.push_back(RoleName(r));
  }
  return absl::StrJoin(names, ",");
}

AccessControl::AccessControl(bool tls, std::vector<ClientRule> clients,
                             eventstore::EventStore* access_log)
    : tls_(tls), clients_(std::move(clients)), access_log_(access_log) {}

absl::StatusOr<Caller> AccessControl::Authorize(const grpc::ServerContextBase& context,
                                                Right right) const {
  Caller caller;
  caller.peer = context.peer();
  if (!tls_) {
    caller.identity = "local";
    caller.roles = kAllRoles;
    caller.any_event_type = true;
    return caller;
  }
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return absl::UnauthenticatedError(
        "no client certificate: footprintd accepts only clients with a certificate from the "
        "council's CA (footprint --ca --cert --key)");
  }
  const std::vector<std::string> common_names = PeerProperty(*auth, "x509_common_name");
  auto identified = Identify(PeerProperty(*auth, "x509_subject_alternative_name"),
                             common_names.empty() ? "" : common_names.front(), right);
  if (!identified.ok()) return identified.status();
  identified->peer = std::move(caller.peer);
  return identified;
}

absl::Status CheckRight(const Caller& caller, Right right) {
  if ((caller.roles & RolesWith(right)) != 0) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "'", caller.identity, "' (", caller.roles == 0 ? "no role" : caller.RoleList(), ") may not ",
      RightName(right), ": that needs the ", RolesHolding(right), " role"));
}

absl::StatusOr<Caller> AccessControl::Identify(const std::vector<std::string>& sans,
                                               absl::string_view common_name, Right right) const {
  // A certificate's subject alternative names are its identities when it has any (RFC 6125):
  // its common name is then free text that the CA may not have checked, and must not select a
  // rule. Only a certificate without SANs is known by its common name.
  std::vector<std::string> names = sans;
  if (names.empty() && !common_name.empty()) names.emplace_back(common_name);
  const ClientRule* rule = nullptr;
  for (const ClientRule& candidate : clients_) {
    if (std::find(names.begin(), names.end(), candidate.identity) != names.end()) {
      rule = &candidate;
      break;
    }
  }
  if (rule == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(
        "client certificate '", names.empty() ? "(no name)" : absl::StrJoin(names, "', '"),
        "' is not in the clients list of footprintd's config, so it has no role"));
  }
  Caller caller;
  caller.identity = rule->identity;
  for (Role r : rule->roles) caller.roles |= static_cast<uint32_t>(r);
  caller.event_types = rule->event_types;
  caller.any_event_type =
      std::find(rule->event_types.begin(), rule->event_types.end(), "*") != rule->event_types.end();
  if (auto st = CheckRight(caller, right); !st.ok()) return st;
  return caller;
}

absl::Status AccessControl::CheckEventType(const Caller& caller, absl::string_view type,
                                           absl::string_view field) const {
  if (caller.any_event_type) return absl::OkStatus();
  if (std::find(caller.event_types.begin(), caller.event_types.end(), type) !=
      caller.event_types.end()) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      field, ": '", caller.identity, "' may not append events of type ", type,
      " (its event_types in footprintd's config: ",
      caller.event_types.empty() ? "none" : absl::StrJoin(caller.event_types, ", "), ")"));
}

absl::StatusOr<Caller> AccessControl::AuthorizeRead(const grpc::ServerContextBase& context,
                                                    Right right, absl::string_view method,
                                                    absl::string_view subject,
                                                    absl::string_view scope) const {
  auto caller = Authorize(context, right);
  if (!caller.ok()) return caller.status();
  std::string purpose;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find(kPurposeMetadata); it != metadata.end()) {
    purpose.assign(it->second.data(), it->second.size());
  }
  if (purpose.size() > kMaxPurposeBytes) {
    return absl::InvalidArgumentError(absl::StrCat("metadata ", kPurposeMetadata, ": ",
                                                   purpose.size(), " bytes; the maximum is ",
                                                   kMaxPurposeBytes));
  }
  if (purpose.empty() && tls_) {
    return absl::InvalidArgumentError(
        absl::StrCat("metadata ", kPurposeMetadata,
                     ": required for every read of children's records (why you read them, e.g. "
                     "'review preparation for child 123'; footprint --purpose)"));
  }
  if (!es::IsValidUtf8(purpose)) {
    return absl::InvalidArgumentError(
        absl::StrCat("metadata ", kPurposeMetadata, ": must be valid UTF-8"));
  }
  if (access_log_ == nullptr) return caller;

  nlohmann::json record = {{"identity", caller->identity},  {"roles", caller->RoleList()},
                           {"method", std::string(method)}, {"subject", std::string(subject)},
                           {"scope", std::string(scope)},   {"purpose", purpose},
                           {"peer", caller->peer}};
  if (auto it = metadata.find(kCorrelationIdMetadata); it != metadata.end()) {
    std::string id(it->second.data(), std::min<size_t>(it->second.size(), 128));
    if (es::IsValidUtf8(id)) record["correlation_id"] = id;
  }
  es::AppendRequest append;
  std::string stream = absl::StrCat(kAccessStreamPrefix, subject);
  if (!es::StreamId::Parse(stream, "stream").ok())
    stream = absl::StrCat(kAccessStreamPrefix, "other");
  append.stream = std::move(stream);
  es::NewEvent& event = append.events.emplace_back();
  event.type = kReadRecordedType;
  event.metadata.set_source_system("footprintd");
  event.metadata.set_actor(caller->identity.substr(0, 256));
  event.metadata.set_principal(caller->identity);
  event.content_type = v1::CONTENT_TYPE_JSON;
  event.data = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto result = access_log_->Append(std::move(append));
  if (!result.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the read could not be recorded in the access log, so it is refused: ",
                     result.status().message()));
  }
  return caller;
}

}  // namespace footprint::services
