// footprint-web's pages over footprintd (docs/web.md): who is looking, which page, and the
// gRPC calls that answer it. A read-only client: it calls Queries and Projections.Status only,
// with the person and the purpose as metadata (footprint-person, footprint-purpose), so that
// footprintd's access rules and access log apply to every page as to the CLI.
//
// Thread-safety: Handle may be called from several threads at once.
#ifndef FOOTPRINT_WEB_WEB_APP_H_
#define FOOTPRINT_WEB_WEB_APP_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "footprint/v1/queries.grpc.pb.h"
#include "web/http_server.h"

namespace footprint::web {

struct WebSettings {
  // The addresses of the council's single sign-on proxies (e.g. oauth2-proxy): only a request
  // from one of them may name the person, in `person_header`. Other requests are served only
  // from this machine (127.0.0.1, ::1), as `local_user`.
  std::vector<std::string> trusted_proxies;
  std::string person_header = "x-forwarded-user";  // lower case
  std::string local_user;
  // Each call to footprintd's deadline.
  int call_timeout_seconds = 10;
};

// The person making `request` under `settings`; PERMISSION_DENIED (403) or UNAUTHENTICATED
// (401) naming the rule otherwise.
absl::StatusOr<std::string> PersonOf(const HttpRequest& request, const WebSettings& settings);

// A query string's parameters ("a=1&b=x+y" -> {a: 1, b: "x y"}), percent-decoded.
std::map<std::string, std::string> QueryParameters(absl::string_view query);

// The cookies of a Cookie header ("a=1; b=2"), values as sent.
std::map<std::string, std::string> Cookies(absl::string_view header);

class WebApp {
 public:
  WebApp(std::shared_ptr<grpc::Channel> channel, WebSettings settings);

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse TodayPage(const std::string& person,
                         const std::map<std::string, std::string>& q) const;
  HttpResponse ChildPage(const std::string& person, const std::string& child_id,
                         const std::map<std::string, std::string>& q,
                         const std::map<std::string, std::string>& cookies) const;
  HttpResponse ProjectionsPage(const std::string& person) const;
  HttpResponse ChallengesPage(const std::string& person,
                              const std::map<std::string, std::string>& q) const;
  HttpResponse ReportPage(const std::string& person, const std::string& report,
                          const std::map<std::string, std::string>& q) const;
  // One Queries call for `person` with `purpose` as metadata (and the call deadline).
  template <typename Request, typename Response>
  grpc::Status Ask(grpc::Status (v1::Queries::Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                   const Request& request, Response* response, const std::string& person,
                   const std::string& purpose) const;
  void Prepare(grpc::ClientContext* context, const std::string& person,
               const std::string& purpose) const;

  std::shared_ptr<grpc::Channel> channel_;
  WebSettings settings_;
};

}  // namespace footprint::web

#endif  // FOOTPRINT_WEB_WEB_APP_H_
