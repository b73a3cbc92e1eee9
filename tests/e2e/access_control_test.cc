// End to end: footprintd with TLS and client certificates (services/access_control.h). A test
// CA and certificates are made by deploy/make-test-ca; the real CLI connects as each role. Each
// role's refusals are checked with their code and message, and every read of a child's record
// is found in the access log with its purpose, which verifies like the main log.
#include <fstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;

const std::string kScript = std::string(FOOTPRINT_SOURCE_DIR) + "/deploy/make-test-ca";

struct Pki {
  ft::TempDir dir;
  std::string Path(const std::string& name) const { return dir.Sub(name); }
};

ft::ConfigYaml TlsConfig(const Pki& pki) {
  return ft::ConfigYaml{
      std::string(ft::kWithoutReviewDeadlines) + "tls:\n  cert_file: " + pki.Path("server.pem") +
      "\n  key_file: " + pki.Path("server-key.pem") + "\n  client_ca_file: " + pki.Path("ca.pem") +
      "\nclients:\n"
      "  - identity: case-system\n    roles: [poster]\n    event_types: [Note]\n"
      "  - identity: other-system\n    roles: [poster]\n    event_types: [Note]\n"
      "  - identity: auditor-alice\n    roles: [auditor]\n"
      "  - identity: manager-bob\n    roles: [manager]\n"
      "  - identity: admin-carol\n    roles: [admin]\n"};
}

// The CLI over TLS as `who` ("" : no client certificate), trusting `ca`.
ft::CommandResult As(const ft::RunningServer& server, const Pki& pki, const std::string& who,
                     std::vector<std::string> args, const std::string& ca = "") {
  std::vector<std::string> full = {"--ca", ca.empty() ? pki.Path("ca.pem") : ca};
  if (!who.empty()) {
    full.insert(full.end(),
                {"--cert", pki.Path(who + ".pem"), "--key", pki.Path(who + "-key.pem")});
  }
  full.insert(full.end(), args.begin(), args.end());
  return ft::Cli(server, full);
}

}  // namespace

TEST_CASE("with TLS, each role may do exactly its part, and every read is on the record",
          "[e2e][tls]") {
  Pki pki;
  REQUIRE(ft::RunCommand({kScript, pki.dir.path(), "case-system", "auditor-alice", "manager-bob",
                          "admin-carol", "stranger", "other-system"})
              .exit_code == 0);
  Pki other;  // a second CA: its certificates must not connect
  REQUIRE(ft::RunCommand({kScript, other.dir.path(), "case-system"}).exit_code == 0);
  ft::RunningServer server(TlsConfig(pki));

  // poster: appends the types it is configured for, and only those.
  auto r = As(server, pki, "case-system", {"append", "note-1", "Note", "--data", "{\"n\":1}"});
  REQUIRE(r.exit_code == 0);
  r = As(server, pki, "case-system", {"append", "note-1", "Other", "--data", "{}"});
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "footprint: PERMISSION_DENIED: events[0].type: 'case-system' may not append events of "
        "type Other (its event_types in footprintd's config: Note)\n");

  // Roles without the append right.
  for (const char* who : {"auditor-alice", "manager-bob", "admin-carol"}) {
    r = As(server, pki, who, {"append", "note-1", "Note", "--data", "{}"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("PERMISSION_DENIED: '" + std::string(who)) != std::string::npos);
    CHECK(r.err.find("may not append events: that needs the poster role") != std::string::npos);
  }

  // No certificate: UNAUTHENTICATED. Unknown to the config: PERMISSION_DENIED. Another CA: the
  // handshake fails (nothing is answered).
  r = As(server, pki, "", {"--purpose", "p", "read", "note-1"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("footprint: UNAUTHENTICATED: no client certificate", 0) == 0);
  // The health service answers without a certificate or a role (for orchestrators' probes),
  // and says nothing about children.
  r = As(server, pki, "", {"health"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "footprintd: SERVING\n");
  r = As(server, pki, "", {"health", "footprint.v1.EventStore"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "footprint.v1.EventStore: SERVING\n");
  r = As(server, pki, "", {"health", "footprint.v1.NoSuchService"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("footprint: NOT_FOUND", 0) == 0);
  r = As(server, pki, "stranger", {"--purpose", "p", "read", "note-1"});
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "footprint: PERMISSION_DENIED: client certificate 'stranger' is not in the clients list "
        "of footprintd's config, so it has no role\n");
  r = As(server, other, "case-system", {"append", "note-1", "Note", "--data", "{}"},
         pki.Path("ca.pem"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("UNAVAILABLE") != std::string::npos);

  // Reads need a purpose.
  r = As(server, pki, "auditor-alice", {"read", "note-1"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("footprint: INVALID_ARGUMENT: metadata footprint-purpose: required", 0) == 0);

  // auditor: reads and verifies the log; manager: no raw events; admin: rebuilds, no queries.
  r = As(server, pki, "auditor-alice", {"--purpose", "annual audit", "--json", "read", "note-1"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("\"principal\":\"case-system\"") != std::string::npos);
  CHECK(As(server, pki, "auditor-alice", {"verify"}).exit_code == 0);
  r = As(server, pki, "manager-bob", {"--purpose", "p", "read-all"});
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "footprint: PERMISSION_DENIED: 'manager-bob' (manager) may not read and verify the event "
        "log: that needs the auditor role\n");
  r = As(server, pki, "manager-bob", {"projections", "rebuild", "children"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("PERMISSION_DENIED: 'manager-bob' (manager) may not administer the service") !=
        std::string::npos);
  CHECK(As(server, pki, "admin-carol", {"projections", "rebuild", "children"}).exit_code == 0);
  // Backups: the admin's, with a purpose (a backup copies every record and is on the record).
  const std::string backups = pki.Path("backups");
  r = As(server, pki, "manager-bob", {"--purpose", "p", "admin", "backup", backups});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("PERMISSION_DENIED: 'manager-bob' (manager) may not administer the service") !=
        std::string::npos);
  r = As(server, pki, "admin-carol", {"admin", "backup", backups});
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("footprint: INVALID_ARGUMENT: metadata footprint-purpose: required", 0) == 0);
  r = As(server, pki, "admin-carol", {"--purpose", "nightly backup", "admin", "backup", backups});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("backup 1 in " + backups, 0) == 0);
  r = As(server, pki, "auditor-alice", {"admin", "backups", backups});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("PERMISSION_DENIED: 'auditor-alice' (auditor) may not administer") !=
        std::string::npos);
  r = As(server, pki, "admin-carol", {"--purpose", "p", "child", "123"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("PERMISSION_DENIED: 'admin-carol' (admin) may not run queries") !=
        std::string::npos);
  // A poster reads back its own events, but not the access log.
  r = As(server, pki, "case-system", {"--purpose", "resend check", "read", "note-1"});
  CHECK(r.exit_code == 0);
  CHECK(ft::Lines(r.out).size() == 1);
  r = As(server, pki, "case-system", {"--purpose", "p", "--access-log", "read-all"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("may not read and verify the access log") != std::string::npos);

  // The access log: the auditor's read and the poster's read, each with who and why, in order;
  // then it verifies (this read-all itself is recorded too, after these).
  r = As(server, pki, "auditor-alice",
         {"--purpose", "who read note-1", "--access-log", "--json", "read-all"});
  REQUIRE(r.exit_code == 0);
  const auto lines = ft::Lines(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("\"identity\":\"auditor-alice\"") != std::string::npos);
  CHECK(lines[0].find("\"purpose\":\"annual audit\"") != std::string::npos);
  CHECK(lines[0].find("\"method\":\"EventStore.ReadStream\"") != std::string::npos);
  CHECK(lines[0].find("\"stream\":\"read-note-1\"") != std::string::npos);
  CHECK(lines[1].find("\"identity\":\"admin-carol\"") != std::string::npos);
  CHECK(lines[1].find("\"method\":\"Admin.Backup\"") != std::string::npos);
  CHECK(lines[1].find("\"purpose\":\"nightly backup\"") != std::string::npos);
  CHECK(lines[2].find("\"identity\":\"case-system\"") != std::string::npos);
  CHECK(lines[2].find("\"purpose\":\"resend check\"") != std::string::npos);
  r = As(server, pki, "auditor-alice", {"--access-log", "verify"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("verified 4 events (positions 0..3)", 0) == 0);

  // A poster reads back its own events of a stream others write to as well: the server skips
  // theirs (versions 1-3 here) and says where to go on, so a page that holds none of its own
  // does not end the read early.
  for (const char* who :
       {"case-system", "other-system", "other-system", "other-system", "case-system"}) {
    REQUIRE(As(server, pki, who, {"append", "shared-1", "Note", "--data", "{}"}).exit_code == 0);
  }
  struct OwnRead {
    std::vector<std::string> args;
    std::vector<std::string> versions;  // as printed: "shared-1@V "
  };
  const std::vector<OwnRead> reads = {
      {{"read", "shared-1"}, {"@0 ", "@4 "}},
      {{"read", "shared-1", "--limit", "2"}, {"@0 ", "@4 "}},  // the 2nd page skips 1-3
      {{"read", "shared-1", "--limit", "1", "--from", "1"}, {"@4 "}},
      {{"read", "shared-1", "--backwards", "--limit", "2"}, {"@4 ", "@0 "}},
  };
  for (const OwnRead& read : reads) {
    std::vector<std::string> args = {"--purpose", "resend check"};
    args.insert(args.end(), read.args.begin(), read.args.end());
    r = As(server, pki, "case-system", args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto own = ft::Lines(r.out);
    REQUIRE(own.size() == read.versions.size());
    for (size_t i = 0; i < own.size(); ++i) {
      CHECK(own[i].find("shared-1" + read.versions[i]) != std::string::npos);
    }
  }
  r = As(server, pki, "other-system", {"--purpose", "resend check", "read", "shared-1"});
  CHECK(ft::Lines(r.out).size() == 3);
}

TEST_CASE("footprintd refuses TLS settings that cannot work, naming the setting", "[e2e][tls]") {
  ft::TempDir dir;
  const std::string config = dir.Sub("c.yaml");
  std::ofstream(config) << "tls:\n  cert_file: " << dir.Sub("missing.pem")
                        << "\n  key_file: k\n  client_ca_file: c\n";
  auto r = ft::RunCommand({ft::FootprintdPath(), "--config", config, "--data-dir", dir.Sub("d"),
                           "--listen", "127.0.0.1:0"});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("tls.cert_file: cannot read") != std::string::npos);
  std::ofstream(config, std::ios::trunc) << "tls:\n  cert_file: a\n";
  r = ft::RunCommand({ft::FootprintdPath(), "--config", config, "--data-dir", dir.Sub("d"),
                      "--listen", "127.0.0.1:0"});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("'tls.key_file' is required") != std::string::npos);
}
