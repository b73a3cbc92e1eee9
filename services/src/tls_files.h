// Start-up checks of footprintd's TLS files (internal to services/; server.cc uses them), so
// that a configuration gRPC would take without complaint but serve wrongly is refused by name:
// a key that is not the certificate's, and a CRL directory that would check nothing.
#ifndef FOOTPRINT_SERVICES_SRC_TLS_FILES_H_
#define FOOTPRINT_SERVICES_SRC_TLS_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace footprint::services {

// FAILED_PRECONDITION naming both files when `key_pem` is not the private key of the first
// certificate in `cert_pem`, or either does not parse.
absl::Status CheckKeyMatchesCertificate(const std::string& cert_pem, const std::string& key_pem,
                                        const std::string& cert_file, const std::string& key_file);

// gRPC accepts a client certificate whose CA has no CRL in the directory, so a directory that
// was not rehashed, cannot be read, or lacks a new CA's CRL would silently revoke nothing.
// Requires, for every CA certificate in `ca_pem`, a CRL in `crl_dir` under OpenSSL's hashed name
// (HASH.rN) issued and signed by it and not past its nextUpdate at `now` (an expired CRL fails
// every handshake of that CA's clients). FAILED_PRECONDITION naming the setting and the CA
// otherwise. Returns warnings: CRLs whose nextUpdate is within 7 days.
absl::StatusOr<std::vector<std::string>> CheckCrlDirectory(const std::string& crl_dir,
                                                           const std::string& ca_pem,
                                                           absl::Time now);

}  // namespace footprint::services

#endif  // FOOTPRINT_SERVICES_SRC_TLS_FILES_H_
