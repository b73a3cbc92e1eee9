#include "tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <regex>

#include "absl/strings/str_cat.h"

namespace footprint::services {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct CrlFree {
  void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Crl = std::unique_ptr<X509_CRL, CrlFree>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

Bio MemoryBio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string NameOf(const X509_NAME* name) {
  char buffer[512];
  X509_NAME_oneline(name, buffer, sizeof(buffer));
  return buffer;
}

std::string FormatTime(const ASN1_TIME* t) {
  Bio out(BIO_new(BIO_s_mem()));
  ASN1_TIME_print(out.get(), t);
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

absl::Status CheckKeyMatchesCertificate(const std::string& cert_pem, const std::string& key_pem,
                                        const std::string& cert_file, const std::string& key_file) {
  Bio cert_bio = MemoryBio(cert_pem);
  Cert cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  Bio key_bio = MemoryBio(key_pem);
  Key key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (cert == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("tls.cert_file: '", cert_file, "' holds no readable certificate"));
  }
  if (key == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("tls.key_file: '", key_file, "' holds no readable private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(absl::StrCat("tls.key_file: '", key_file,
                                                      "' is not the private key of tls.cert_file '",
                                                      cert_file, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> CheckCrlDirectory(const std::string& crl_dir,
                                                           const std::string& ca_pem,
                                                           absl::Time now) {
  std::error_code ec;
  if (!std::filesystem::is_directory(crl_dir, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("tls.crl_dir: '", crl_dir, "' is not a directory"));
  }
  // The names OpenSSL's hashed directory lookup reads (openssl rehash).
  static const std::regex kHashed("[0-9a-f]{8}\\.r[0-9]+");
  std::vector<Crl> crls;
  for (const auto& entry : std::filesystem::directory_iterator(crl_dir, ec)) {
    if (!std::regex_match(entry.path().filename().string(), kHashed)) continue;
    Bio file(BIO_new_file(entry.path().c_str(), "r"));
    Crl crl(file ? PEM_read_bio_X509_CRL(file.get(), nullptr, nullptr, nullptr) : nullptr);
    ERR_clear_error();
    if (crl == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("tls.crl_dir: '", entry.path().string(), "' cannot be read as a PEM CRL"));
    }
    crls.push_back(std::move(crl));
  }
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("tls.crl_dir: cannot list '", crl_dir, "': ", ec.message()));
  }
  const time_t now_t = absl::ToTimeT(now);
  std::vector<std::string> warnings;
  Bio ca_bio = MemoryBio(ca_pem);
  int cas = 0;
  while (Cert ca{PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr)}) {
    ++cas;
    const std::string subject = NameOf(X509_get_subject_name(ca.get()));
    const X509_CRL* found = nullptr;
    for (const Crl& crl : crls) {
      if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.get())) == 0 &&
          X509_CRL_verify(crl.get(), X509_get0_pubkey(ca.get())) == 1) {
        found = crl.get();
        break;
      }
    }
    ERR_clear_error();
    if (found == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "tls.crl_dir: '", crl_dir, "' holds no CRL signed by the client CA '", subject,
          "' under a hashed name (openssl rehash): its revoked certificates would be accepted"));
    }
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(found);
    if (next != nullptr && ASN1_TIME_cmp_time_t(next, now_t) < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "tls.crl_dir: the CRL of the client CA '", subject, "' expired (next update ",
          FormatTime(next), "): every client of that CA would fail the handshake"));
    }
    if (next != nullptr && ASN1_TIME_cmp_time_t(next, now_t + 7 * 86400) < 0) {
      warnings.push_back(absl::StrCat("tls.crl_dir: the CRL of the client CA '", subject,
                                      "' expires at ", FormatTime(next),
                                      "; replace it and restart footprintd before then"));
    }
  }
  ERR_clear_error();
  if (cas == 0) {
    return absl::FailedPreconditionError("tls.client_ca_file: holds no readable certificate");
  }
  return warnings;
}

}  // namespace footprint::services
