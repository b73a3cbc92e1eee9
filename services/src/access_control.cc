#include "services/access_control.h"

#include <grpcpp/security/auth_context.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The first control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) of valid
// UTF-8 `text`, as its byte offset and code point.
std::optional<std::pair<size_t, uint32_t>> FirstControlCharacter(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) return std::make_pair(i, uint32_t{byte});
    // U+0080-U+009F are 0xC2 0x80-0x9F in UTF-8.
    if (byte == 0xc2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return std::make_pair(i, uint32_t{next});
    }
  }
  return std::nullopt;
}

// The length of the longest prefix of `text` of at most `max` bytes that does not end inside a
// UTF-8 sequence.
size_t Utf8Boundary(absl::string_view text, size_t max) {
  if (text.size() <= max) return text.size();
  size_t end = max;
  // Back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  return end;
}

}  // namespace

namespace {

// A text a client sends as percent-encoded metadata `key` (the purpose, the person): decoded,
// at most `max` bytes of UTF-8 without control characters.
absl::StatusOr<std::string> DecodeMetadataText(absl::string_view wire, absl::string_view key,
                                               absl::string_view what, size_t max) {
  const std::string field = absl::StrCat("metadata ", key);
  // Checked before decoding, so a huge value is not copied: decoding only ever shrinks it.
  if (wire.size() > 3 * max) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", wire.size(), " bytes on the wire; the maximum is ", max, " bytes of UTF-8"));
  }
  std::string text;
  text.reserve(wire.size());
  for (size_t i = 0; i < wire.size(); ++i) {
    if (wire[i] != '%') {
      text.push_back(wire[i]);
      continue;
    }
    const int high = i + 1 < wire.size() ? HexDigit(wire[i + 1]) : -1;
    const int low = i + 2 < wire.size() ? HexDigit(wire[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": '%' at byte ", i, " is not followed by two hex digits; the ", what,
                       " is percent-encoded UTF-8 (a '%' itself is sent as %25)"));
    }
    text.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  if (text.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", text.size(), " bytes; the maximum is ", max));
  }
  if (!es::IsValidUtf8(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be valid UTF-8 once percent-decoded"));
  }
  if (auto control = FirstControlCharacter(text)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: must not contain control characters such as newlines or tabs (U+%04X at byte %d)",
        field, control->second, control->first));
  }
  return text;
}

}  // namespace

absl::StatusOr<std::string> DecodePurpose(absl::string_view wire) {
  return DecodeMetadataText(wire, kPurposeMetadata, "purpose", kMaxPurposeBytes);
}

absl::StatusOr<std::string> DecodePerson(absl::string_view wire) {
  return DecodeMetadataText(wire, kPersonMetadata, "person", kMaxPersonBytes);
}

std::string RecordedText(absl::string_view text) {
  if (text.size() <= kMaxRecordedTextBytes) return std::string(text);
  return absl::StrCat(text.substr(0, Utf8Boundary(text, kMaxRecordedTextBytes)), "... (",
                      text.size(), " bytes)");
}

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
    std::vector<std::string> shown;
    for (const std::string& name : names) shown.push_back(RecordedText(name));
    return absl::PermissionDeniedError(absl::StrCat(
        "client certificate '", names.empty() ? "(no name)" : absl::StrJoin(shown, "', '"),
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

absl::StatusOr<std::string> AccessControl::Purpose(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kPurposeMetadata);
  if (it == metadata.end()) return std::string();
  return DecodePurpose(absl::string_view(it->second.data(), it->second.size()));
}

absl::StatusOr<Caller> AccessControl::AuthorizeReader(const grpc::ServerContextBase& context,
                                                      Right right) const {
  auto caller = Authorize(context, right);
  if (!caller.ok()) return caller.status();
  auto purpose = Purpose(context);
  if (!purpose.ok()) return purpose.status();
  caller->purpose = *std::move(purpose);
  if (caller->purpose.empty() && tls_) return PurposeRequired();
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find(kPersonMetadata); it != metadata.end()) {
    auto person = DecodePerson(absl::string_view(it->second.data(), it->second.size()));
    if (!person.ok()) return person.status();
    caller->person = *std::move(person);
  }
  return caller;
}

absl::Status AccessControl::PurposeRequired() {
  return absl::InvalidArgumentError(
      absl::StrCat("metadata ", kPurposeMetadata,
                   ": required for every read of children's records (why you read them, e.g. "
                   "'review preparation for child 123'; footprint --purpose)"));
}

absl::StatusOr<Caller> AccessControl::AuthorizeRead(const grpc::ServerContextBase& context,
                                                    Right right, absl::string_view method,
                                                    absl::string_view subject,
                                                    absl::string_view scope) const {
  auto caller = AuthorizeReader(context, right);
  if (!caller.ok()) return caller.status();
  if (auto st = RecordRead(context, *caller, method, subject, scope); !st.ok()) return st;
  return caller;
}

absl::Status AccessControl::RecordRead(const grpc::ServerContextBase& context, const Caller& caller,
                                       absl::string_view method, absl::string_view subject,
                                       absl::string_view scope) const {
  if (caller.purpose.empty() && tls_) return PurposeRequired();
  if (access_log_ == nullptr) return absl::OkStatus();

  // Every text below is cut to kMaxRecordedTextBytes (the purpose is at most kMaxPurposeBytes):
  // whatever a caller sends, a record stays small.
  nlohmann::json record = {{"identity", RecordedText(caller.identity)},
                           {"roles", caller.RoleList()},
                           {"method", RecordedText(method)},
                           {"subject", RecordedText(subject)},
                           {"scope", RecordedText(scope)},
                           {"purpose", caller.purpose},
                           {"peer", RecordedText(caller.peer)}};
  if (!caller.person.empty()) record["person"] = caller.person;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find(kCorrelationIdMetadata); it != metadata.end()) {
    std::string id = RecordedText(absl::string_view(it->second.data(), it->second.size()));
    if (es::IsValidUtf8(id)) record["correlation_id"] = id;
  }
  es::AppendRequest append;
  std::string stream = absl::StrCat(kAccessStreamPrefix, subject);
  if (stream.size() > es::StreamId::kMaxBytes || !es::StreamId::Parse(stream, "stream").ok()) {
    stream = absl::StrCat(kAccessStreamPrefix, "other");
  }
  append.stream = std::move(stream);
  es::NewEvent& event = append.events.emplace_back();
  event.type = kReadRecordedType;
  event.metadata.set_source_system("footprintd");
  event.metadata.set_actor(caller.identity.substr(0, 256));
  event.metadata.set_principal(caller.identity);
  event.content_type = v1::CONTENT_TYPE_JSON;
  event.data = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto result = access_log_->Append(std::move(append));
  if (!result.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the read could not be recorded in the access log, so it is refused: ",
                     result.status().message()));
  }
  return absl::OkStatus();
}

}  // namespace footprint::services
