// End to end: certificates change while footprintd runs (tls.reload_seconds), and revoked
// client certificates (tls.crl_dir). The test CAs come from deploy/make-test-ca and the CRL from
// deploy/revoke-test-cert; the real CLI connects.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "catch2/catch.hpp"
#include "cli_session.h"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
namespace fs = std::filesystem;

const std::string kMakeCa = std::string(FOOTPRINT_SOURCE_DIR) + "/deploy/make-test-ca";
const std::string kRevoke = std::string(FOOTPRINT_SOURCE_DIR) + "/deploy/revoke-test-cert";

std::string TlsYaml(const std::string& dir, const std::string& extra) {
  return std::string(ft::kWithoutReviewDeadlines) + "tls:\n  cert_file: " + dir +
         "/server.pem\n  key_file: " + dir + "/server-key.pem\n  client_ca_file: " + dir +
         "/ca.pem\n" + extra +
         "clients:\n"
         "  - identity: case-system\n    roles: [poster]\n    event_types: ['*']\n"
         "  - identity: other-system\n    roles: [poster]\n    event_types: ['*']\n";
}

// An append as `who` (certificate and key in `pki`), trusting `ca`.
ft::CommandResult AppendAs(const ft::RunningServer& server, const std::string& pki,
                           const std::string& who, const std::string& ca) {
  return ft::Cli(server, {"--ca", ca, "--cert", pki + "/" + who + ".pem", "--key",
                          pki + "/" + who + "-key.pem", "--tls-server-name", "localhost", "append",
                          "note-1", "Note", "--data", "{}"});
}

// Retries `attempt` until it succeeds or 20 s pass (footprintd reads the files every second).
template <typename F>
bool Eventually(F attempt) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (attempt()) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("footprintd serves renewed certificates and client CAs without a restart", "[e2e][tls]") {
  ft::TempDir old_pki, new_pki, live;
  REQUIRE(ft::RunCommand({kMakeCa, old_pki.path(), "case-system"}).exit_code == 0);
  REQUIRE(ft::RunCommand({kMakeCa, new_pki.path(), "case-system", "other-system"}).exit_code == 0);
  // As the runbook says: the files live in a directory reached through a symlink, and a
  // renewal is a new directory swapped in with one rename, so that key and certificate change
  // together.
  const auto stage = [&](const std::string& name, const ft::TempDir& pair,
                         const std::string& ca_bundle) {
    fs::create_directory(live.Sub(name));
    fs::copy_file(pair.Sub("server.pem"), live.Sub(name + "/server.pem"));
    fs::copy_file(pair.Sub("server-key.pem"), live.Sub(name + "/server-key.pem"));
    std::ofstream(live.Sub(name + "/ca.pem")) << ca_bundle;
    fs::create_directory_symlink(name, live.Sub("current.new"));
    fs::rename(live.Sub("current.new"), live.Sub("current"));
  };
  const std::string old_ca = old_pki.Sub("ca.pem");
  const std::string new_ca = new_pki.Sub("ca.pem");
  stage("v1", old_pki, ft::ReadFileText(old_ca));
  ft::RunningServer server(ft::ConfigYaml{TlsYaml(live.Sub("current"), "  reload_seconds: 1\n")});
  REQUIRE(AppendAs(server, old_pki.path(), "case-system", old_ca).exit_code == 0);
  // A client of the new CA is not trusted yet: its handshake fails.
  auto r = AppendAs(server, new_pki.path(), "other-system", old_ca);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("UNAVAILABLE") != std::string::npos);

  // The council adds the new CA to the client CA bundle: both CAs' clients connect.
  stage("v2", old_pki, ft::ReadFileText(old_ca) + ft::ReadFileText(new_ca));
  CHECK(Eventually(
      [&] { return AppendAs(server, new_pki.path(), "other-system", old_ca).exit_code == 0; }));
  CHECK(AppendAs(server, old_pki.path(), "case-system", old_ca).exit_code == 0);

  // Then the server's own certificate is renewed by the new CA: clients that trust only the
  // old CA are refused, clients that trust the new one connect.
  stage("v3", new_pki, ft::ReadFileText(old_ca) + ft::ReadFileText(new_ca));
  CHECK(Eventually(
      [&] { return AppendAs(server, new_pki.path(), "case-system", new_ca).exit_code == 0; }));
  r = AppendAs(server, old_pki.path(), "case-system", old_ca);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("UNAVAILABLE") != std::string::npos);

  // Nothing was lost on the way: case-system's three acknowledged appends (under the old
  // server certificate twice, the new one once) are all there; a retry that failed wrote
  // nothing.
  r = ft::Cli(server, {"--ca", new_ca, "--cert", new_pki.Sub("case-system.pem"), "--key",
                       new_pki.Sub("case-system-key.pem"), "--tls-server-name", "localhost",
                       "--purpose", "test", "read", "note-1"});
  // case-system is a poster: it reads back what it wrote (other-system's append is not shown).
  REQUIRE(r.exit_code == 0);
  CHECK(ft::Lines(r.out).size() == 3);
}

TEST_CASE("a revoked client certificate fails the handshake", "[e2e][tls]") {
  ft::TempDir pki;
  REQUIRE(ft::RunCommand({kMakeCa, pki.path(), "case-system", "other-system"}).exit_code == 0);
  {
    // Before it is revoked, other-system connects.
    ft::RunningServer before(ft::ConfigYaml{TlsYaml(pki.path(), "")});
    CHECK(AppendAs(before, pki.path(), "other-system", pki.Sub("ca.pem")).exit_code == 0);
  }
  REQUIRE(ft::RunCommand({kRevoke, pki.path(), "other-system"}).exit_code == 0);
  ft::RunningServer server(
      ft::ConfigYaml{TlsYaml(pki.path(), "  crl_dir: " + pki.Sub("crl") + "\n")});
  CHECK(AppendAs(server, pki.path(), "case-system", pki.Sub("ca.pem")).exit_code == 0);
  auto r = AppendAs(server, pki.path(), "other-system", pki.Sub("ca.pem"));
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("UNAVAILABLE") != std::string::npos);
}

TEST_CASE("an expired CRL is refused at start-up and one about to expire is warned of",
          "[e2e][tls]") {
  ft::TempDir pki;
  REQUIRE(ft::RunCommand({kMakeCa, pki.path(), "case-system", "other-system"}).exit_code == 0);
  // Expired: every client of the CA would fail the handshake, so footprintd does not start.
  REQUIRE(ft::RunCommand({kRevoke, "--next-update", "20200102000000Z", pki.path(), "other-system"})
              .exit_code == 0);
  std::ofstream(pki.Sub("c.yaml")) << TlsYaml(pki.path(), "  crl_dir: " + pki.Sub("crl") + "\n");
  auto r = ft::RunCommand({ft::FootprintdPath(), "--config", pki.Sub("c.yaml"), "--data-dir",
                           pki.Sub("data"), "--listen", "127.0.0.1:0"});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("tls.crl_dir: the CRL of the client CA '/CN=Footprint test CA' expired "
                   "(next update Jan  2 00:00:00 2020 GMT): every client of that CA would fail "
                   "the handshake") != std::string::npos);
  // Due again in two days: footprintd starts, warns, and enforces it.
  const std::string soon =
      absl::FormatTime("%Y%m%d%H%M%SZ", absl::Now() + absl::Hours(48), absl::UTCTimeZone());
  REQUIRE(ft::RunCommand({kRevoke, "--next-update", soon, pki.path(), "other-system"}).exit_code ==
          0);
  ft::RunningServer server(ft::ConfigYaml{ft::ReadFileText(pki.Sub("c.yaml"))});
  CHECK(server.process.StderrLog().find(
            "tls.crl_dir: the CRL of the client CA '/CN=Footprint test CA' expires at ") !=
        std::string::npos);
  CHECK(AppendAs(server, pki.path(), "case-system", pki.Sub("ca.pem")).exit_code == 0);
  CHECK(AppendAs(server, pki.path(), "other-system", pki.Sub("ca.pem")).exit_code == 1);
}

TEST_CASE("footprintd refuses TLS files that would start but serve wrongly", "[e2e][tls]") {
  ft::TempDir pki, other;
  REQUIRE(ft::RunCommand({kMakeCa, pki.path(), "case-system"}).exit_code == 0);
  REQUIRE(ft::RunCommand({kMakeCa, other.path()}).exit_code == 0);
  fs::create_directory(pki.Sub("empty-crl"));
  struct Case {
    std::string extra;     // more tls: keys
    std::string key_file;  // "" : the matching key
    std::string message;
  };
  const std::vector<Case> cases = {
      {"  crl_dir: " + pki.Sub("no-such-dir") + "\n", "",
       "tls.crl_dir: '" + pki.Sub("no-such-dir") + "' is not a directory"},
      // A CRL directory that would check nothing: gRPC accepts clients of a CA without a CRL.
      {"  crl_dir: " + pki.Sub("empty-crl") + "\n", "",
       "tls.crl_dir: '" + pki.Sub("empty-crl") +
           "' holds no CRL signed by the client CA '/CN=Footprint test CA' under a hashed name "
           "(openssl rehash): its revoked certificates would be accepted"},
      {"", other.Sub("server-key.pem"),
       "tls.key_file: '" + other.Sub("server-key.pem") +
           "' is not the private key of "
           "tls.cert_file '" +
           pki.Sub("server.pem") + "'"},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    std::string yaml = TlsYaml(pki.path(), c.extra);
    if (!c.key_file.empty()) {
      const std::string from = "key_file: " + pki.Sub("server-key.pem");
      yaml.replace(yaml.find(from), from.size(), "key_file: " + c.key_file);
    }
    std::ofstream(pki.Sub("bad.yaml"), std::ios::trunc) << yaml;
    auto r = ft::RunCommand({ft::FootprintdPath(), "--config", pki.Sub("bad.yaml"), "--data-dir",
                             pki.Sub("data"), "--listen", "127.0.0.1:0"});
    CHECK(r.exit_code != 0);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
}
