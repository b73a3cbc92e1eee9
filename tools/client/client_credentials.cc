#include "tools/client/client_credentials.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace footprint::client {
namespace {

absl::Status ReadPem(const char* flag, const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read '", path, "'"));
  }
  // Empty roots would make gRPC trust its default public CAs instead.
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": '", path, "' is not a PEM file"));
  }
  *out = text.str();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const TlsFiles& tls, grpc::ChannelArguments* args) {
  if (tls.plaintext()) return grpc::InsecureChannelCredentials();
  if (tls.ca_file.empty() || tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--ca: TLS needs --ca, and --cert with --key for a client certificate");
  }
  grpc::SslCredentialsOptions options;
  if (auto st = ReadPem("--ca", tls.ca_file, &options.pem_root_certs); !st.ok()) return st;
  if (!tls.cert_file.empty()) {
    if (auto st = ReadPem("--cert", tls.cert_file, &options.pem_cert_chain); !st.ok()) return st;
    if (auto st = ReadPem("--key", tls.key_file, &options.pem_private_key); !st.ok()) return st;
  }
  if (!tls.server_name.empty()) args->SetSslTargetNameOverride(tls.server_name);
  return grpc::SslCredentials(options);
}

}  // namespace footprint::client
