// AccessControl's policy on its own, without a TLS handshake: the whole matrix of roles and
// rights as docs/operations.md states it (each refusal with its words), which rule a
// certificate's names select (its SANs, else its CN), a poster's event types, the purpose's wire
// format and the bound on recorded text. The handshake and the access log are tested end to end
// in tests/e2e/access_control_test.cc and access_scope_test.cc, and the access log's size in
// tests/integration/access_log_test.cc.
#include "services/access_control.h"

#include <map>
#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace footprint::services {
namespace {

// The runbook's table: which roles hold each right.
const std::map<Right, std::vector<Role>> kRunbook = {
    {Right::kAppend, {Role::kPoster}},
    {Right::kReadOwn, {Role::kPoster, Role::kAuditor}},
    {Right::kReadLog, {Role::kAuditor}},
    {Right::kReadAccessLog, {Role::kAuditor}},
    {Right::kQuery, {Role::kManager, Role::kAuditor}},
    {Right::kChallenge, {Role::kManager}},
    {Right::kStatus, {Role::kPoster, Role::kAuditor, Role::kManager, Role::kAdmin}},
    {Right::kAdmin, {Role::kAdmin}},
};

// What a refusal says the right needs.
const std::map<Right, std::string> kNeeds = {
    {Right::kAppend, "poster"},
    {Right::kReadOwn, "poster or auditor"},
    {Right::kReadLog, "auditor"},
    {Right::kReadAccessLog, "auditor"},
    {Right::kQuery, "auditor or manager"},
    {Right::kChallenge, "manager"},
    {Right::kStatus, "poster or auditor or manager or admin"},
    {Right::kAdmin, "admin"},
};

AccessControl Policy() {
  return AccessControl(
      /*tls=*/true,
      {ClientRule{"case-system", {Role::kPoster}, {"PlacementChanged", "ReviewHeld"}},
       ClientRule{"auditor-alice", {Role::kAuditor}, {}},
       ClientRule{"manager-bob", {Role::kManager}, {}},
       ClientRule{"admin-carol", {Role::kAdmin}, {}},
       ClientRule{"ops-dave", {Role::kManager, Role::kAdmin}, {}},
       ClientRule{"listed-only", {}, {}}, ClientRule{"bulk-import", {Role::kPoster}, {"*"}}},
      /*access_log=*/nullptr);
}

TEST_CASE("access control: each role holds exactly the rights of the runbook", "[access]") {
  const AccessControl policy = Policy();
  const std::map<Role, std::string> person = {{Role::kPoster, "case-system"},
                                              {Role::kAuditor, "auditor-alice"},
                                              {Role::kManager, "manager-bob"},
                                              {Role::kAdmin, "admin-carol"}};
  int allowed = 0;
  int refused = 0;
  for (const auto& [right, holders] : kRunbook) {
    for (const auto& [role, identity] : person) {
      INFO(identity << " / " << RightName(right));
      auto caller = policy.Identify({}, identity, right);
      const bool holds = std::find(holders.begin(), holders.end(), role) != holders.end();
      if (holds) {
        REQUIRE(caller.ok());
        CHECK(caller->identity == identity);
        CHECK(caller->Has(role));
        ++allowed;
      } else {
        CHECK(caller.status().code() == absl::StatusCode::kPermissionDenied);
        CHECK(std::string(caller.status().message()) ==
              "'" + identity + "' (" + RoleName(role) + ") may not " + RightName(right) +
                  ": that needs the " + kNeeds.at(right) + " role");
        ++refused;
      }
    }
  }
  // 8 rights x 4 roles: 13 allowed (1 + 2 + 1 + 1 + 2 + 1 + 4 + 1), the other 19 refused.
  CHECK(allowed == 13);
  CHECK(refused == 19);
}

TEST_CASE("access control: several roles add up, no role holds nothing", "[access]") {
  const AccessControl policy = Policy();
  CHECK(policy.Identify({}, "ops-dave", Right::kChallenge).ok());
  CHECK(policy.Identify({}, "ops-dave", Right::kAdmin).ok());
  auto refused = policy.Identify({}, "ops-dave", Right::kReadLog);
  CHECK(std::string(refused.status().message()) ==
        "'ops-dave' (manager,admin) may not read and verify the event log: that needs the "
        "auditor role");
  // Listed without roles: not even service status.
  refused = policy.Identify({}, "listed-only", Right::kStatus);
  CHECK(refused.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(std::string(refused.status().message()) ==
        "'listed-only' (no role) may not read service status: that needs the poster or auditor "
        "or manager or admin role");
}

TEST_CASE("access control: a certificate with SANs is known by them, one without by its CN",
          "[access]") {
  const AccessControl policy = Policy();
  // A SAN that is not listed and a common name that is: the common name does not count.
  auto caller = policy.Identify({"host.council.example"}, "auditor-alice", Right::kReadLog);
  CHECK(caller.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(std::string(caller.status().message()) ==
        "client certificate 'host.council.example' is not in the clients list of footprintd's "
        "config, so it has no role");
  // A listed SAN, whatever the common name.
  caller = policy.Identify({"auditor-alice"}, "someone-else", Right::kReadLog);
  REQUIRE(caller.ok());
  CHECK(caller->identity == "auditor-alice");
  caller = policy.Identify({"host.council.example", "auditor-alice"}, "", Right::kReadLog);
  REQUIRE(caller.ok());
  CHECK(caller->identity == "auditor-alice");
  // No SAN: the common name.
  caller = policy.Identify({}, "auditor-alice", Right::kReadLog);
  REQUIRE(caller.ok());
  CHECK(caller->identity == "auditor-alice");
  // Two listed names: the first rule in the config wins, whatever the certificate's order.
  caller = policy.Identify({"manager-bob", "case-system"}, "", Right::kAppend);
  REQUIRE(caller.ok());
  CHECK(caller->identity == "case-system");
  // Not listed: refused, naming every name that was looked up.
  caller = policy.Identify({"stranger", "stranger.example"}, "manager-bob", Right::kStatus);
  CHECK(caller.status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(std::string(caller.status().message()) ==
        "client certificate 'stranger', 'stranger.example' is not in the clients list of "
        "footprintd's config, so it has no role");
  caller = policy.Identify({}, "", Right::kStatus);
  CHECK(std::string(caller.status().message()) ==
        "client certificate '(no name)' is not in the clients list of footprintd's config, so "
        "it has no role");
  // Names are compared exactly.
  CHECK_FALSE(policy.Identify({}, "Auditor-Alice", Right::kReadLog).ok());
  CHECK_FALSE(policy.Identify({"auditor-alice "}, "", Right::kReadLog).ok());
}

TEST_CASE("access control: a poster appends only its configured event types", "[access]") {
  const AccessControl policy = Policy();
  auto poster = policy.Identify({}, "case-system", Right::kAppend);
  REQUIRE(poster.ok());
  CHECK(policy.CheckEventType(*poster, "PlacementChanged", "events[0].type").ok());
  CHECK(policy.CheckEventType(*poster, "ReviewHeld", "events[1].type").ok());
  const absl::Status refused = policy.CheckEventType(*poster, "ChallengeRaised", "events[2].type");
  CHECK(refused.code() == absl::StatusCode::kPermissionDenied);
  CHECK(std::string(refused.message()) ==
        "events[2].type: 'case-system' may not append events of type ChallengeRaised (its "
        "event_types in footprintd's config: PlacementChanged, ReviewHeld)");
  auto bulk = policy.Identify({}, "bulk-import", Right::kAppend);
  REQUIRE(bulk.ok());
  CHECK(policy.CheckEventType(*bulk, "AnythingAtAll", "events[0].type").ok());
  // A role without append has no types at all.
  auto auditor = policy.Identify({}, "auditor-alice", Right::kReadLog);
  REQUIRE(auditor.ok());
  CHECK(std::string(policy.CheckEventType(*auditor, "Note", "events[0].type").message()) ==
        "events[0].type: 'auditor-alice' may not append events of type Note (its event_types in "
        "footprintd's config: none)");
}

TEST_CASE("access control: CheckRight alone", "[access]") {
  Caller local;
  local.identity = "local";
  for (Role r : {Role::kPoster, Role::kAuditor, Role::kManager, Role::kAdmin}) {
    local.roles |= static_cast<uint32_t>(r);
  }
  for (const auto& [right, holders] : kRunbook) CHECK(CheckRight(local, right).ok());
  Caller manager;
  manager.identity = "m";
  manager.roles = static_cast<uint32_t>(Role::kManager);
  CHECK(CheckRight(manager, Right::kQuery).ok());
  CHECK(CheckRight(manager, Right::kReadOwn).code() == absl::StatusCode::kPermissionDenied);
}

TEST_CASE("access control: the purpose is percent-decoded and must be one line of UTF-8",
          "[access]") {
  // Printable ASCII without '%' is itself.
  CHECK(*DecodePurpose("review preparation for child 123") == "review preparation for child 123");
  CHECK(*DecodePurpose("") == "");
  // Bytes as %XX, in either case; '%' itself as %25.
  CHECK(*DecodePurpose("r%C3%A9union %e2%80%93 child C1") ==
        "r\xc3\xa9union \xe2\x80\x93 child C1");
  CHECK(*DecodePurpose("100%25 sure") == "100% sure");
  CHECK(*DecodePurpose("%41%42") == "AB");
  // Raw UTF-8 bytes (from a client that sends them unencoded) are taken as they are.
  CHECK(*DecodePurpose("r\xc3\xa9union") == "r\xc3\xa9union");

  const auto refusal = [](absl::string_view wire) {
    auto decoded = DecodePurpose(wire);
    CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(decoded.status().message());
  };
  CHECK(refusal("50% off") ==
        "metadata footprint-purpose: '%' at byte 2 is not followed by two hex digits; the "
        "purpose is percent-encoded UTF-8 (a '%' itself is sent as %25)");
  CHECK(refusal("end%").rfind("metadata footprint-purpose: '%' at byte 3 is not followed", 0) == 0);
  CHECK(refusal("%4").rfind("metadata footprint-purpose: '%' at byte 0 is not followed", 0) == 0);
  CHECK(refusal("%FF") == "metadata footprint-purpose: must be valid UTF-8 once percent-decoded");
  CHECK(refusal("%C3") == "metadata footprint-purpose: must be valid UTF-8 once percent-decoded");
  CHECK(refusal("two%0Alines") ==
        "metadata footprint-purpose: must not contain control characters such as newlines or "
        "tabs (U+000A at byte 3)");
  CHECK(refusal("tab%09") ==
        "metadata footprint-purpose: must not contain control characters such as newlines or "
        "tabs (U+0009 at byte 3)");
  CHECK(refusal("del%7F").find("(U+007F at byte 3)") != std::string::npos);
  CHECK(refusal("nel%C2%85").find("(U+0085 at byte 3)") != std::string::npos);
  CHECK(refusal(std::string("nul\0", 4)).find("(U+0000 at byte 3)") != std::string::npos);
  // U+00A0 (no-break space) is not a control character.
  CHECK(*DecodePurpose("a%C2%A0b") ==
        "a\xc2\xa0"
        "b");

  // At most kMaxPurposeBytes once decoded; the wire form may take three times as many.
  std::string longest;
  for (size_t i = 0; i < kMaxPurposeBytes / 2; ++i) longest += "%C3%A9";
  REQUIRE(DecodePurpose(longest).ok());
  CHECK(DecodePurpose(longest)->size() == kMaxPurposeBytes);
  CHECK(refusal(std::string(kMaxPurposeBytes - 1, 'a') + "%C3%A9") ==
        "metadata footprint-purpose: " + std::to_string(kMaxPurposeBytes + 1) +
            " bytes; the maximum is " + std::to_string(kMaxPurposeBytes));
  CHECK(refusal(std::string(100000, 'a'))
            .rfind("metadata footprint-purpose: 100000 bytes on the wire; the maximum is", 0) == 0);
}

TEST_CASE("access control: recorded text is cut to a bounded size at a character boundary",
          "[access]") {
  CHECK(RecordedText("child-123") == "child-123");
  const std::string exact(kMaxRecordedTextBytes, 'a');
  CHECK(RecordedText(exact) == exact);
  CHECK(RecordedText(exact + "b") ==
        exact + "... (" + std::to_string(exact.size() + 1) + " bytes)");
  // A two-byte character across the cut is left out whole, never split.
  const std::string text = std::string(kMaxRecordedTextBytes - 1, 'a') + "\xc3\xa9" + "tail";
  CHECK(RecordedText(text) == std::string(kMaxRecordedTextBytes - 1, 'a') + "... (" +
                                  std::to_string(text.size()) + " bytes)");
  const std::string huge(120 * 1024, 'x');
  CHECK(RecordedText(huge).size() <= kMaxRecordedTextBytes + 24);
}

}  // namespace
}  // namespace footprint::services
