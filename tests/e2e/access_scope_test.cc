// End to end over mTLS, with the real footprintd and the real CLI (and raw gRPC calls where the
// CLI does not show a field): who a caller is, and what each answer discloses of a child's
// record.
//   - a certificate with subject alternative names is known by those alone;
//   - a purpose in UTF-8 reaches the access log exactly; one with a control character is a
//     usage error of the CLI, and one the server cannot take is refused;
//   - a poster's ReadStream shows its own events only, and a stream without any of them looks
//     exactly like a missing one (no head, no count);
//   - challenge commands without a purpose return only what the call recorded; with one, the
//     whole challenge, and the read is in the access log.
// Certificates come from deploy/make-test-ca, plus two made here with OpenSSL (a SAN and a CN).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "footprint/v1/eventstore.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
namespace v1 = footprint::v1;
using nlohmann::json;

const std::string kMakeCa = std::string(FOOTPRINT_SOURCE_DIR) + "/deploy/make-test-ca";

struct Pki {
  ft::TempDir dir;
  std::string Path(const std::string& name) const { return dir.Sub(name); }
};

// deploy/make-test-ca DIR IDENTITY... (must succeed).
void MakeCa(const Pki& pki, const std::vector<std::string>& identities) {
  std::vector<std::string> argv = {kMakeCa, pki.dir.path()};
  argv.insert(argv.end(), identities.begin(), identities.end());
  const auto r = ft::RunCommand(argv);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// A client certificate NAME.pem (key NAME-key.pem) from the test CA, with subject CN=`cn` and
// the extension lines `ext` (e.g. a subjectAltName).
void IssueCertificate(const Pki& pki, const std::string& name, const std::string& cn,
                      const std::string& ext, int serial) {
  const std::string key = pki.Path(name + "-key.pem");
  const std::string csr = pki.Path(name + ".csr");
  const std::string ext_file = pki.Path(name + ".ext");
  std::ofstream(ext_file) << "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                             "extendedKeyUsage=clientAuth\n"
                          << ext;
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"/usr/bin/openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-out", key},
           {"/usr/bin/openssl", "req", "-new", "-key", key, "-subj", "/CN=" + cn, "-out", csr},
           {"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", pki.Path("ca.pem"), "-CAkey",
            pki.Path("ca-key.pem"), "-set_serial", std::to_string(serial), "-days", "30", "-sha256",
            "-extfile", ext_file, "-out", pki.Path(name + ".pem")}}) {
    const auto r = ft::RunCommand(argv);
    INFO(argv[1] << ": " << r.err);
    REQUIRE(r.exit_code == 0);
  }
}

ft::ConfigYaml TlsConfig(const Pki& pki) {
  return ft::ConfigYaml{
      std::string(ft::kWithoutReviewDeadlines) + "tls:\n  cert_file: " + pki.Path("server.pem") +
      "\n  key_file: " + pki.Path("server-key.pem") + "\n  client_ca_file: " + pki.Path("ca.pem") +
      "\nclients:\n"
      "  - identity: case-system\n    roles: [poster]\n"
      "    event_types: [Note, PeriodOfCareStarted]\n"
      "  - identity: other-system\n    roles: [poster]\n    event_types: [Note]\n"
      "  - identity: auditor-alice\n    roles: [auditor]\n"
      "  - identity: manager-bob\n    roles: [manager]\n"
      "  - identity: manager-eve\n    roles: [manager]\n"};
}

// The CLI over TLS as `who` (certificate WHO.pem, key WHO-key.pem).
ft::CommandResult As(const ft::RunningServer& server, const Pki& pki, const std::string& who,
                     std::vector<std::string> args) {
  std::vector<std::string> full = {"--ca",   pki.Path("ca.pem"),
                                   "--cert", pki.Path(who + ".pem"),
                                   "--key",  pki.Path(who + "-key.pem")};
  full.insert(full.end(), args.begin(), args.end());
  return ft::Cli(server, full);
}

// As `who`, which must succeed; stdout.
std::string AsOk(const ft::RunningServer& server, const Pki& pki, const std::string& who,
                 const std::vector<std::string>& args) {
  const auto r = As(server, pki, who, args);
  INFO("footprint " << args.at(0) << " as " << who << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
  return r.out;
}

// The data of every ReadRecorded event in the access log, read by the auditor (whose read is
// recorded after these).
std::vector<json> AccessRecords(const ft::RunningServer& server, const Pki& pki) {
  std::vector<json> records;
  for (const json& event :
       ft::JsonLines(AsOk(server, pki, "auditor-alice",
                          {"--purpose", "access review", "--access-log", "--json", "read-all"}))) {
    records.push_back(event.at("data"));
  }
  return records;
}

// A gRPC channel over mTLS as `who`.
std::shared_ptr<grpc::Channel> ChannelAs(const ft::RunningServer& server, const Pki& pki,
                                         const std::string& who) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ft::ReadFileText(pki.Path("ca.pem"));
  options.pem_cert_chain = ft::ReadFileText(pki.Path(who + ".pem"));
  options.pem_private_key = ft::ReadFileText(pki.Path(who + "-key.pem"));
  return grpc::CreateChannel(server.address(), grpc::SslCredentials(options));
}

struct StreamRead {
  grpc::Status status;
  v1::ReadStreamResponse response;
  std::vector<uint64_t> Versions() const {
    std::vector<uint64_t> versions;
    for (const auto& e : response.events()) versions.push_back(e.version());
    return versions;
  }
};

// EventStore.ReadStream, with the purpose sent as it is on the wire (percent-encoded).
StreamRead ReadStream(const std::shared_ptr<grpc::Channel>& channel, const std::string& stream,
                      uint64_t from, bool backwards = false, bool from_end = false,
                      uint32_t limit = 0, const std::string& wire_purpose = "resend check") {
  v1::ReadStreamRequest request;
  request.set_stream(stream);
  request.set_from_version(from);
  request.set_direction(backwards ? v1::DIRECTION_BACKWARDS : v1::DIRECTION_FORWARDS);
  request.set_from_end(from_end);
  request.set_limit(limit);
  grpc::ClientContext context;
  context.AddMetadata("footprint-purpose", wire_purpose);
  StreamRead read;
  read.status = v1::EventStore::NewStub(channel)->ReadStream(&context, request, &read.response);
  return read;
}

// `count` Note events appended to `stream` by the channel's identity, in batches.
void AppendNotes(const std::shared_ptr<grpc::Channel>& channel, const std::string& stream,
                 int count) {
  auto stub = v1::EventStore::NewStub(channel);
  while (count > 0) {
    v1::AppendRequest request;
    request.set_stream(stream);
    for (int i = 0; i < std::min(count, 1000); ++i) {
      auto* e = request.add_events();
      e->set_type("Note");
      e->set_data("{}");
    }
    count -= request.events_size();
    grpc::ClientContext context;
    v1::AppendResponse response;
    const grpc::Status st = stub->Append(&context, request, &response);
    INFO(st.error_message());
    REQUIRE(st.ok());
  }
}

// As `who` with --json, which must print one object.
json AsJson(const ft::RunningServer& server, const Pki& pki, const std::string& who,
            std::vector<std::string> args) {
  args.insert(args.begin(), "--json");
  const auto lines = ft::JsonLines(AsOk(server, pki, who, args));
  REQUIRE(lines.size() == 1);
  return lines[0];
}

}  // namespace

TEST_CASE("a certificate with subject alternative names is known by them, never by its CN",
          "[e2e][tls][access]") {
  Pki pki;
  MakeCa(pki, {"case-system", "auditor-alice"});
  // A certificate whose CN is a listed identity but whose SAN is not; and one the other way
  // round.
  IssueCertificate(pki, "san-host", "auditor-alice", "subjectAltName=DNS:host.council.example\n",
                   1001);
  IssueCertificate(pki, "san-alice", "somebody-else", "subjectAltName=DNS:auditor-alice\n", 1002);
  ft::RunningServer server(TlsConfig(pki));
  AsOk(server, pki, "case-system", {"append", "notes-C1", "Note", "--data", "{}"});

  auto r = As(server, pki, "san-host", {"--purpose", "audit", "read", "notes-C1"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "footprint: PERMISSION_DENIED: client certificate 'host.council.example' is not in the "
        "clients list of footprintd's config, so it has no role\n");

  r = As(server, pki, "san-alice", {"--purpose", "audit", "read", "notes-C1"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(ft::Lines(r.out).size() == 1);
  // A certificate without SANs (make-test-ca's) is still known by its CN.
  CHECK(As(server, pki, "auditor-alice", {"--purpose", "audit", "read", "notes-C1"}).exit_code ==
        0);
  // Both reads are auditor-alice's; the refused certificate read nothing.
  const std::vector<json> records = AccessRecords(server, pki);
  REQUIRE(records.size() == 2);
  for (const json& record : records) {
    CHECK(record.at("identity") == "auditor-alice");
    CHECK(record.at("purpose") == "audit");
  }
}

TEST_CASE("a UTF-8 purpose reaches the access log exactly, and a control character is refused",
          "[e2e][tls][access]") {
  Pki pki;
  MakeCa(pki, {"case-system", "auditor-alice"});
  ft::RunningServer server(TlsConfig(pki));
  AsOk(server, pki, "case-system", {"append", "notes-C1", "Note", "--data", "{}"});

  // Usage errors first, before any call: exit status 2, one line on stderr.
  const std::string cli = ft::FootprintCliPath();
  const std::vector<std::string> tls = {"--server", server.address(),
                                        "--ca",     pki.Path("ca.pem"),
                                        "--cert",   pki.Path("auditor-alice.pem"),
                                        "--key",    pki.Path("auditor-alice-key.pem")};
  struct Bad {
    std::string env;      // FOOTPRINT_PURPOSE, or
    std::string purpose;  // --purpose
    std::string says;
  };
  for (const Bad& bad :
       {Bad{"", "line one\nline two", "--purpose: must not contain control characters"},
        Bad{"", "tab\there", "--purpose: must not contain control characters"},
        Bad{"", "bad \xff byte", "--purpose: must be valid UTF-8"},
        Bad{"end\r", "", "$FOOTPRINT_PURPOSE: must not contain control characters"},
        Bad{"nul\x01", "", "$FOOTPRINT_PURPOSE: must not contain control characters"}}) {
    std::vector<std::string> argv = {"/usr/bin/env"};
    if (!bad.env.empty()) argv.push_back("FOOTPRINT_PURPOSE=" + bad.env);
    argv.push_back(cli);
    argv.insert(argv.end(), tls.begin(), tls.end());
    if (!bad.purpose.empty()) argv.insert(argv.end(), {"--purpose", bad.purpose});
    argv.insert(argv.end(), {"read", "notes-C1"});
    const auto r = ft::RunCommand(argv);
    INFO(bad.says << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("footprint: INVALID_ARGUMENT: " + bad.says, 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }

  // The correlation id is sent as it is, so it must be printable ASCII.
  {
    std::vector<std::string> argv = {cli};
    argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), {"--correlation-id", "réunion", "--purpose", "p", "read", "notes-C1"});
    const auto r = ft::RunCommand(argv);
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "footprint: INVALID_ARGUMENT: --correlation-id: must be printable ASCII (byte 1 is "
          "not)\n");
  }

  // The server refuses what a client without the CLI's checks might send.
  const auto auditor = ChannelAs(server, pki, "auditor-alice");
  struct Wire {
    std::string value;
    std::string says;
  };
  for (const Wire& wire :
       {Wire{"two%0Alines", "metadata footprint-purpose: must not contain control characters"},
        Wire{"50% off", "metadata footprint-purpose: '%' at byte 2 is not followed by two hex"},
        Wire{"%FF%FE", "metadata footprint-purpose: must be valid UTF-8"},
        Wire{"%C2%85next line",
             "metadata footprint-purpose: must not contain control characters"}}) {
    const StreamRead r = ReadStream(auditor, "notes-C1", 0, false, false, 0, wire.value);
    INFO(wire.value << ": " << r.status.error_message());
    CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(r.status.error_message().rfind(wire.says, 0) == 0);
  }
  CHECK(AccessRecords(server, pki).empty());  // none of that was recorded

  // UTF-8 purposes, from --purpose and from $FOOTPRINT_PURPOSE; a literal '%' too.
  const std::vector<std::string> purposes = {"réunion – child C1", "100% sure: 50%25 off",
                                             "Überprüfung für C1 ✓", "plain ASCII purpose"};
  for (size_t i = 0; i < purposes.size(); ++i) {
    std::vector<std::string> argv = {"/usr/bin/env"};
    if (i == 2) argv.push_back("FOOTPRINT_PURPOSE=" + purposes[i]);
    argv.push_back(cli);
    argv.insert(argv.end(), tls.begin(), tls.end());
    if (i != 2) argv.insert(argv.end(), {"--purpose", purposes[i]});
    argv.insert(argv.end(), {"read", "notes-C1"});
    const auto r = ft::RunCommand(argv);
    INFO(purposes[i] << ": exit " << r.exit_code << ", " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(ft::Lines(r.out).size() == 1);
  }
  const std::vector<json> records = AccessRecords(server, pki);
  REQUIRE(records.size() == 5);  // the auditor's read of the access log above, then the four
  CHECK(records[0].at("purpose") == "access review");
  for (size_t i = 0; i < purposes.size(); ++i) {
    CHECK(records[i + 1].at("purpose") == purposes[i]);
    CHECK(records[i + 1].at("subject") == "notes-C1");
  }
}

TEST_CASE("a poster cannot tell a stream of others' events from a missing one, nor see its head",
          "[e2e][tls][access]") {
  Pki pki;
  MakeCa(pki, {"case-system", "other-system", "auditor-alice"});
  ft::RunningServer server(TlsConfig(pki));
  const auto poster = ChannelAs(server, pki, "case-system");
  const auto other = ChannelAs(server, pki, "other-system");

  // others-1 holds only other-system's events; missing-1 does not exist. Every way of reading
  // them answers the same: NOT_FOUND, with the same words.
  AppendNotes(other, "others-1", 3);
  struct Way {
    const char* what;
    uint64_t from;
    bool backwards;
    bool from_end;
    uint32_t limit;
  };
  for (const Way& way :
       {Way{"forwards", 0, false, false, 0}, Way{"from 2", 2, false, false, 1},
        Way{"from the end", 0, true, true, 0}, Way{"back from 1", 1, true, false, 5},
        Way{"beyond the head", 50, false, false, 0}}) {
    INFO(way.what);
    for (const std::string stream : {"others-1", "missing-1"}) {
      INFO(stream);
      const StreamRead r =
          ReadStream(poster, stream, way.from, way.backwards, way.from_end, way.limit);
      CHECK(r.status.error_code() == grpc::StatusCode::NOT_FOUND);
      CHECK(r.status.error_message() ==
            "stream '" + stream + "' has no events appended by 'case-system'");
      CHECK(r.response.events_size() == 0);
    }
  }
  for (const std::string stream : {"others-1", "missing-1"}) {
    const auto r = As(server, pki, "case-system", {"--purpose", "resend check", "read", stream});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "footprint: NOT_FOUND: stream '" + stream +
                       "' has no events appended by 'case-system'\n");
  }

  // shared-1: case-system wrote versions 0 and 4, other-system 1-3 and 5-9. The poster's pages
  // hold its own events and point from one to the next; last_version is never the head (9).
  AppendNotes(poster, "shared-1", 1);
  AppendNotes(other, "shared-1", 3);
  AppendNotes(poster, "shared-1", 1);
  AppendNotes(other, "shared-1", 5);
  StreamRead r = ReadStream(poster, "shared-1", 0);
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{0, 4});
  CHECK(r.response.end_of_stream());
  CHECK(r.response.last_version() == 0);
  CHECK(r.response.next_version() == 0);
  r = ReadStream(poster, "shared-1", 0, false, false, 1);
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{0});
  CHECK_FALSE(r.response.end_of_stream());
  CHECK(r.response.next_version() == 4);
  CHECK(r.response.last_version() == 0);
  r = ReadStream(poster, "shared-1", 4, false, false, 1);
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{4});
  CHECK(r.response.end_of_stream());  // others' events 5-9 follow, but none of its own
  CHECK(r.response.next_version() == 0);
  r = ReadStream(poster, "shared-1", 0, true, true, 1);
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{4});
  CHECK_FALSE(r.response.end_of_stream());
  CHECK(r.response.next_version() == 0);
  r = ReadStream(poster, "shared-1", 0, true, false, 1);
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{0});
  CHECK(r.response.end_of_stream());
  // Past its last event: an empty page that ends the stream, as if 4 were the last version.
  for (uint64_t from : {5, 9, 10, 100}) {
    r = ReadStream(poster, "shared-1", from);
    REQUIRE(r.status.ok());
    CHECK(r.response.events_size() == 0);
    CHECK(r.response.end_of_stream());
    CHECK(r.response.last_version() == 0);
  }
  // The auditor sees the whole stream and its head.
  r = ReadStream(ChannelAs(server, pki, "auditor-alice"), "shared-1", 0);
  REQUIRE(r.status.ok());
  CHECK(r.response.events_size() == 10);
  CHECK(r.response.last_version() == 9);

  // A long stream: 11,000 events of other-system between the poster's two. Paging stays right,
  // however far apart its events are.
  AppendNotes(poster, "long-1", 1);
  AppendNotes(other, "long-1", 11000);
  AppendNotes(poster, "long-1", 1);
  r = ReadStream(poster, "long-1", 0, false, false, 1);
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{0});
  CHECK_FALSE(r.response.end_of_stream());
  CHECK(r.response.next_version() == 11001);
  r = ReadStream(poster, "long-1", r.response.next_version(), false, false, 1);
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{11001});
  CHECK(r.response.end_of_stream());
  r = ReadStream(poster, "long-1", 1);  // between the two
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{11001});
  // The poster's event last in one of the server's reads of 1,000 events (version 999), with
  // others' after it: found once, and the read goes on from there.
  AppendNotes(other, "edge-1", 999);
  AppendNotes(poster, "edge-1", 1);
  AppendNotes(other, "edge-1", 5);
  AppendNotes(poster, "edge-1", 1);
  r = ReadStream(poster, "edge-1", 0);
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{999, 1005});
  CHECK(r.response.end_of_stream());
  r = ReadStream(poster, "edge-1", 0, false, false, 1);
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{999});
  CHECK(r.response.next_version() == 1005);
  r = ReadStream(poster, "edge-1", 0, true, true);
  REQUIRE(r.status.ok());
  CHECK(r.Versions() == std::vector<uint64_t>{1005, 999});

  // The CLI pages the same way.
  struct CliRead {
    std::vector<std::string> args;
    std::vector<uint64_t> versions;
  };
  for (const CliRead& read :
       {CliRead{{"read", "long-1"}, {0, 11001}},
        CliRead{{"read", "long-1", "--limit", "1", "--from", "1"}, {11001}},
        CliRead{{"read", "long-1", "--backwards"}, {11001, 0}},
        CliRead{{"read", "long-1", "--backwards", "--limit", "1", "--from", "11000"}, {0}}}) {
    std::vector<std::string> args = {"--purpose", "resend check", "--json"};
    args.insert(args.end(), read.args.begin(), read.args.end());
    std::vector<uint64_t> versions;
    for (const json& e : ft::JsonLines(AsOk(server, pki, "case-system", args))) {
      versions.push_back(std::stoull(e.at("version").get<std::string>()));
      CHECK(e.at("metadata").at("principal") == "case-system");
    }
    CHECK(versions == read.versions);
  }
}

TEST_CASE("challenge commands without a purpose return only what the call recorded",
          "[e2e][tls][access]") {
  Pki pki;
  MakeCa(pki, {"case-system", "auditor-alice", "manager-bob", "manager-eve"});
  ft::RunningServer server(TlsConfig(pki));
  const std::string care = server.dir.Sub("care.json");
  std::ofstream(care) << ft::PeriodOfCareStarted("2025-06-02");
  AsOk(server, pki, "case-system", {"record", "C1", "--file", care});

  // Bob raises a challenge: the answer names it and holds the step he recorded, nothing else.
  const std::string raise_id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
  const std::vector<std::string> raise = {
      "challenge",  "raise",           "--child", "C1",    "--stage", "informal",
      "--theme",    "Quality of Plan", "--iro",   "iro-7", "--issue", "No pre-meeting report",
      "--event-id", raise_id};
  const json raised = AsJson(server, pki, "manager-bob", raise);
  INFO(raised.dump());
  CHECK(raised.at("id") == "C1:1");
  CHECK(raised.at("child_id") == "C1");
  CHECK(raised.at("partial") == true);
  for (const char* absent : {"iro_id", "theme", "issue", "stage", "status", "raised_on", "deadline",
                             "overdue", "closed_on", "cafcass_referred_on"}) {
    CHECK_FALSE(raised.contains(absent));
  }
  REQUIRE(raised.at("steps").size() == 1);
  const json& step = raised.at("steps")[0];
  CHECK(step.at("kind") == "raised");
  CHECK(step.at("stage") == "Informal");
  CHECK(step.at("event_id") == raise_id);
  CHECK(step.at("position") == "1");
  CHECK_FALSE(step.at("deadline").get<std::string>().empty());
  CHECK_FALSE(step.contains("detail"));
  CHECK(AsOk(server, pki, "manager-bob", raise) == "C1:1\n");  // words: the id

  // Eve responds: she gets her step, not Bob's.
  const json responded = AsJson(
      server, pki, "manager-eve",
      {"challenge", "respond", "C1:1", "--by", "Team Manager", "--response", "Private reply"});
  CHECK(responded.at("partial") == true);
  CHECK(responded.at("steps").size() == 1);
  CHECK(responded.at("steps").back().at("kind") == "responded");
  CHECK(responded.at("steps").back().at("position") == "2");
  CHECK(responded.dump().find("Private reply") == std::string::npos);
  CHECK(responded.dump().find("No pre-meeting report") == std::string::npos);

  // Bob retries his raise: still only his step, not Eve's later response nor the new status.
  const json retried = AsJson(server, pki, "manager-bob", raise);
  CHECK(retried == raised);
  CHECK(retried.dump().find("responded") == std::string::npos);

  // None of that was a read: nothing in the access log.
  for (const json& record : AccessRecords(server, pki)) {
    CHECK(record.at("method").get<std::string>().rfind("Challenges.", 0) != 0);
  }

  // With a purpose, the whole challenge, and the read is on the record.
  const json escalated = AsJson(server, pki, "manager-bob",
                                {"--purpose", "weekly review", "challenge", "escalate", "C1:1"});
  CHECK(escalated.at("partial") == false);
  CHECK(escalated.at("status") == "awaiting_response");
  CHECK(escalated.at("stage") == "Stage 1");
  CHECK(escalated.at("issue") == "No pre-meeting report");
  REQUIRE(escalated.at("steps").size() == 3);
  CHECK(escalated.at("steps")[1].at("detail") == "Private reply");
  std::vector<std::string> steps;
  for (const json& s : escalated.at("steps")) {
    steps.push_back(s.at("kind").get<std::string>() + "@" + s.at("stage").get<std::string>());
  }
  CHECK(steps ==
        std::vector<std::string>{"raised@Informal", "responded@Informal", "escalated@Stage 1"});
  const json full_retry = AsJson(server, pki, "manager-bob", [&] {
    std::vector<std::string> args = {"--purpose", "weekly review"};
    args.insert(args.end(), raise.begin(), raise.end());
    return args;
  }());
  CHECK(full_retry.at("steps").size() == 3);

  std::vector<json> challenge_reads;
  for (const json& record : AccessRecords(server, pki)) {
    if (record.at("method").get<std::string>().rfind("Challenges.", 0) == 0) {
      challenge_reads.push_back(record);
    }
  }
  REQUIRE(challenge_reads.size() == 2);
  CHECK(challenge_reads[0].at("method") == "Challenges.Escalate");
  CHECK(challenge_reads[1].at("method") == "Challenges.Raise");
  for (const json& record : challenge_reads) {
    CHECK(record.at("identity") == "manager-bob");
    CHECK(record.at("subject") == "child-C1");
    CHECK(record.at("purpose") == "weekly review");
  }
}
