// End to end over mTLS, with the real footprintd and the real CLI (and raw gRPC calls where the
// CLI does not show a field): who a caller is, and what each answer discloses of a child's
// record.
//   - a certificate with subject alternative names is known by those alone.
// Certificates come from deploy/make-test-ca, plus two made here with OpenSSL (a SAN and a CN).
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
  AsOk(server, pki, "case-system", {"append", "child-C1", "Note", "--data", "{}"});

  auto r = As(server, pki, "san-host", {"--purpose", "audit", "read", "child-C1"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "footprint: PERMISSION_DENIED: client certificate 'host.council.example' is not in the "
        "clients list of footprintd's config, so it has no role\n");

  r = As(server, pki, "san-alice", {"--purpose", "audit", "read", "child-C1"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(ft::Lines(r.out).size() == 1);
  // A certificate without SANs (make-test-ca's) is still known by its CN.
  CHECK(As(server, pki, "auditor-alice", {"--purpose", "audit", "read", "child-C1"}).exit_code ==
        0);
  // Both reads are auditor-alice's; the refused certificate read nothing.
  const std::vector<json> records = AccessRecords(server, pki);
  REQUIRE(records.size() == 2);
  for (const json& record : records) {
    CHECK(record.at("identity") == "auditor-alice");
    CHECK(record.at("purpose") == "audit");
  }
}
