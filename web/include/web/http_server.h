// A small HTTP/1.1 server over Boost.Beast for footprint-web: a fixed set of threads, each
// accepting a connection and serving its requests in turn (keep-alive), with bounded request
// sizes and an idle timeout. Every request is answered by the handler, whatever its method or
// target; a request that does not parse is answered 400 and the connection closed.
//
// Thread-safety: Start and Stop from one thread; the handler is called from several at once.
#ifndef FOOTPRINT_WEB_HTTP_SERVER_H_
#define FOOTPRINT_WEB_HTTP_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace footprint::web {

struct HttpRequest {
  std::string method;  // "GET", ...
  std::string target;  // "/child/C1?purpose=x"
  // Header names in lower case.
  std::map<std::string, std::string> headers;
  std::string peer;  // the connecting address, without the port
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  struct Options {
    std::string host = "127.0.0.1";
    int port = 8080;  // 0: any free port (address() says which)
    int threads = 8;  // connections served at once; more wait in the listen queue
    int idle_timeout_seconds = 30;
  };

  // Binds and starts serving. UNAVAILABLE naming the address when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const Options& options, Handler handler);
  ~HttpServer();  // Stop()

  // HOST:PORT as bound.
  const std::string& address() const { return address_; }
  // Stops accepting, closes open connections and joins the threads.
  void Stop();

 private:
  struct State;
  explicit HttpServer(std::unique_ptr<State> state);
  void Serve();

  std::unique_ptr<State> state_;
  std::string address_;
  std::vector<std::thread> threads_;
};

}  // namespace footprint::web

#endif  // FOOTPRINT_WEB_HTTP_SERVER_H_
