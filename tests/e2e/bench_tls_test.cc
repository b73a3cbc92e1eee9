// End to end: footprint-bench against a real footprintd with TLS and client certificates
// (deploy/make-test-ca). The bench's --ca/--cert/--key reach the server as the certificate's
// identity: its appends are stored under that principal, its replay reads them back with its
// purpose on the record, and without a certificate it is refused.
#include <fstream>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "cli_session.h"
#include "nlohmann/json.hpp"
#include "process.h"
#include "temp_dir.h"

namespace {

namespace ft = footprint::testing;
using nlohmann::json;

const std::string kScript = std::string(FOOTPRINT_SOURCE_DIR) + "/deploy/make-test-ca";

}  // namespace

TEST_CASE("footprint-bench appends, replays and holds streams over mutual TLS",
          "[e2e][tls][bench]") {
  ft::TempDir pki;
  REQUIRE(ft::RunCommand({kScript, pki.path(), "bench", "auditor-alice"}).exit_code == 0);
  ft::RunningServer server(ft::ConfigYaml{
      std::string(ft::kWithoutReviewDeadlines) + "tls:\n  cert_file: " + pki.Sub("server.pem") +
      "\n  key_file: " + pki.Sub("server-key.pem") + "\n  client_ca_file: " + pki.Sub("ca.pem") +
      "\nclients:\n  - identity: bench\n    roles: [poster, auditor]\n    event_types: ['*']\n"
      "  - identity: auditor-alice\n    roles: [auditor]\n"
      "limits:\n  max_streams_per_identity: 5\n"});
  const std::vector<std::string> tls = {"--ca",
                                        pki.Sub("ca.pem"),
                                        "--cert",
                                        pki.Sub("bench.pem"),
                                        "--key",
                                        pki.Sub("bench-key.pem"),
                                        "--tls-server-name",
                                        "localhost"};
  const auto bench = [&](std::vector<std::string> args, bool with_tls = true) {
    std::vector<std::string> argv = {FOOTPRINT_BENCH_PATH, "--server", server.address()};
    if (with_tls) argv.insert(argv.end(), tls.begin(), tls.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return ft::RunCommand(argv);
  };

  auto r = bench(
      {"--mode", "batch", "--clients", "2", "--batch-size", "10", "--events", "200", "--json"});
  REQUIRE(r.exit_code == 0);
  json out = json::parse(r.out);
  CHECK(out["events"] == 200);
  CHECK(out["errors"] == 0);

  r = bench({"--mode", "replay", "--events", "200", "--purpose", "bench test", "--json"});
  REQUIRE(r.exit_code == 0);
  out = json::parse(r.out);
  CHECK(out["events"] == 200);
  CHECK(out["filled_events"] == 0);  // the 200 appended above, read back

  // Subscribers beyond the identity's limit of 5 are refused; the bench reports it and fails.
  r = bench({"--mode", "idle-streams", "--streams", "6", "--events", "20", "--server-pid",
             std::to_string(server.process.pid()), "--json"});
  CHECK(r.exit_code == 1);
  out = json::parse(r.out);
  CHECK(out["streams"] == 5);
  CHECK(out["error_codes"].dump().find("'bench' has 5 streams open") != std::string::npos);
  CHECK(out["rss_kib_idle"].get<int64_t>() > 0);

  // The appends carry the certificate's identity, and the replay's purpose is on the record.
  auto as_auditor = [&](std::vector<std::string> args) {
    std::vector<std::string> full = {"--ca",      pki.Sub("ca.pem"),
                                     "--cert",    pki.Sub("auditor-alice.pem"),
                                     "--key",     pki.Sub("auditor-alice-key.pem"),
                                     "--purpose", "audit",
                                     "--json"};
    full.insert(full.end(), args.begin(), args.end());
    return ft::Cli(server, full);
  };
  r = as_auditor({"read-all", "--limit", "1"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("\"principal\":\"bench\"") != std::string::npos);
  r = as_auditor({"--access-log", "read-all"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("bench test") != std::string::npos);

  // Without a client certificate the server refuses every call.
  r = bench({"--ca", pki.Sub("ca.pem"), "--tls-server-name", "localhost", "--mode", "append",
             "--events", "5", "--json"},
            /*with_tls=*/false);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("UNAUTHENTICATED") != std::string::npos);
  // A certificate file that cannot be read is a bad command line, named by its flag.
  r = bench({"--ca", pki.Sub("missing.pem"), "--mode", "append", "--events", "5"},
            /*with_tls=*/false);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "footprint-bench: --ca: cannot read '" + pki.Sub("missing.pem") + "'\n");
  // An empty one too: it would otherwise make gRPC trust the public CAs it knows.
  std::ofstream(pki.Sub("empty.pem")).flush();
  r = bench({"--ca", pki.Sub("empty.pem"), "--mode", "append", "--events", "5"},
            /*with_tls=*/false);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "footprint-bench: --ca: '" + pki.Sub("empty.pem") + "' is not a PEM file\n");
}
