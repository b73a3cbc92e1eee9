// Client-side channel credentials for footprintd, shared by the `footprint` CLI and the bench
// tools: plaintext when no file is named, else TLS trusting --ca, with a client certificate
// (--cert with --key) for mutual TLS. The messages name the command-line flag.
#ifndef FOOTPRINT_TOOLS_CLIENT_CLIENT_CREDENTIALS_H_
#define FOOTPRINT_TOOLS_CLIENT_CLIENT_CREDENTIALS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace footprint::client {

struct TlsFiles {
  std::string ca_file;    // --ca: the CA that signed footprintd's certificate (PEM)
  std::string cert_file;  // --cert: this client's certificate (PEM)
  std::string key_file;   // --key: its private key (PEM)
  // --tls-server-name: the name to check footprintd's certificate against instead of the
  // address's host.
  std::string server_name;

  bool plaintext() const { return ca_file.empty() && cert_file.empty() && key_file.empty(); }
};

// The credentials for `tls`, reading the files now; sets the server name override in `args`.
// INVALID_ARGUMENT naming the flag when a file cannot be read or --cert comes without --key
// (or any of them without --ca).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const TlsFiles& tls, grpc::ChannelArguments* args);

}  // namespace footprint::client

#endif  // FOOTPRINT_TOOLS_CLIENT_CLIENT_CREDENTIALS_H_
