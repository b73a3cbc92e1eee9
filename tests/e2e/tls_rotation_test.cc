// End to end: certificates change while footprintd runs (tls.reload_seconds), and revoked
// client certificates (tls.crl_dir). The test CAs come from deploy/make-test-ca and the CRL from
// deploy/revoke-test-cert; the real CLI connects.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

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

// Writes `from` over `to` atomically (a new file renamed into place), as the runbook says.
void Replace(const std::string& from, const std::string& to) {
  fs::copy_file(from, to + ".new", fs::copy_options::overwrite_existing);
  fs::rename(to + ".new", to);
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
  for (const char* file : {"server.pem", "server-key.pem", "ca.pem"}) {
    fs::copy_file(old_pki.Sub(file), live.Sub(file));
  }
  ft::RunningServer server(ft::ConfigYaml{TlsYaml(live.path(), "  reload_seconds: 1\n")});
  const std::string old_ca = old_pki.Sub("ca.pem");
  const std::string new_ca = new_pki.Sub("ca.pem");
  REQUIRE(AppendAs(server, old_pki.path(), "case-system", old_ca).exit_code == 0);
  // A client of the new CA is not trusted yet: its handshake fails.
  auto r = AppendAs(server, new_pki.path(), "other-system", old_ca);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("UNAVAILABLE") != std::string::npos);

  // The council adds the new CA to the client CA bundle: both CAs' clients connect.
  fs::copy_file(old_pki.Sub("ca.pem"), live.Sub("bundle.pem"));
  {
    std::ofstream bundle(live.Sub("bundle.pem"), std::ios::app);
    bundle << ft::ReadFileText(new_ca);
  }
  fs::rename(live.Sub("bundle.pem"), live.Sub("ca.pem"));
  CHECK(Eventually(
      [&] { return AppendAs(server, new_pki.path(), "other-system", old_ca).exit_code == 0; }));
  CHECK(AppendAs(server, old_pki.path(), "case-system", old_ca).exit_code == 0);

  // Then the server's own certificate is renewed by the new CA: clients that trust only the
  // old CA are refused, clients that trust the new one connect.
  fs::create_directory(live.Sub("next"));
  Replace(new_pki.Sub("server-key.pem"), live.Sub("next/server-key.pem"));
  Replace(new_pki.Sub("server.pem"), live.Sub("next/server.pem"));
  fs::rename(live.Sub("next/server-key.pem"), live.Sub("server-key.pem"));
  fs::rename(live.Sub("next/server.pem"), live.Sub("server.pem"));
  CHECK(Eventually(
      [&] { return AppendAs(server, new_pki.path(), "case-system", new_ca).exit_code == 0; }));
  CHECK(AppendAs(server, old_pki.path(), "case-system", old_ca).exit_code == 1);

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
  REQUIRE(ft::RunCommand({kRevoke, pki.path(), "other-system"}).exit_code == 0);
  ft::RunningServer server(
      ft::ConfigYaml{TlsYaml(pki.path(), "  crl_dir: " + pki.Sub("crl") + "\n")});
  CHECK(AppendAs(server, pki.path(), "case-system", pki.Sub("ca.pem")).exit_code == 0);
  auto r = AppendAs(server, pki.path(), "other-system", pki.Sub("ca.pem"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("UNAVAILABLE") != std::string::npos);
  // A CRL directory that is not there is refused at start-up, by name.
  std::ofstream(pki.Sub("bad.yaml"))
      << TlsYaml(pki.path(), "  crl_dir: " + pki.Sub("no-such-dir") + "\n");
  r = ft::RunCommand({ft::FootprintdPath(), "--config", pki.Sub("bad.yaml"), "--data-dir",
                      pki.Sub("data2"), "--listen", "127.0.0.1:0"});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("tls.crl_dir: '" + pki.Sub("no-such-dir") + "' is not a directory") !=
        std::string::npos);
}
