#include "web/http_server.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/mutex.h"

namespace footprint::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxBodyBytes = 16 * 1024;

// Idle timeout on a blocking socket: a read that waits longer fails, closing the connection.
void SetTimeout(int fd, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

}  // namespace

struct HttpServer::State {
  Options options;
  Handler handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  base::Mutex mu;  // one thread accepts at a time
  std::atomic<bool> stopping{false};
  base::Mutex open_mu;
  std::set<int> open ABSL_GUARDED_BY(open_mu);  // sockets being served, to shut down on Stop
};

HttpServer::HttpServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const Options& options,
                                                              Handler handler) {
  auto state = std::make_unique<State>();
  state->options = options;
  state->handler = std::move(handler);
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(options.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen: '", options.host, "' is not an IP address"));
  }
  const tcp::endpoint endpoint(ip, static_cast<unsigned short>(options.port));
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("listen: cannot listen on ", options.host, ":",
                                               options.port, ": ", ec.message()));
  }
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(state)));
  const tcp::endpoint bound = server->state_->acceptor.local_endpoint();
  server->address_ = absl::StrCat(bound.address().to_string(), ":", bound.port());
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    server->threads_.emplace_back([s = server.get()] { s->Serve(); });
  }
  return server;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (state_->stopping.exchange(true)) {
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
    return;
  }
  // Wakes the threads blocked in accept() and in reads of open connections.
  ::shutdown(state_->acceptor.native_handle(), SHUT_RDWR);
  {
    base::MutexLock lock(&state_->open_mu);
    for (int fd : state_->open) ::shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  boost::system::error_code ec;
  state_->acceptor.close(ec);
}

void HttpServer::Serve() {
  State& s = *state_;
  while (!s.stopping.load()) {
    tcp::socket socket(s.io);
    boost::system::error_code ec;
    {
      base::MutexLock lock(&s.mu);
      if (s.stopping.load()) return;
      s.acceptor.accept(socket, ec);
    }
    if (ec) {
      if (s.stopping.load()) return;
      continue;  // a connection that failed before it was accepted
    }
    const int fd = socket.native_handle();
    SetTimeout(fd, s.options.idle_timeout_seconds);
    {
      base::MutexLock lock(&s.open_mu);
      s.open.insert(fd);
    }
    std::string peer;
    if (auto remote = socket.remote_endpoint(ec); !ec) peer = remote.address().to_string();
    beast::flat_buffer buffer;
    while (!s.stopping.load()) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(kMaxHeaderBytes);
      parser.body_limit(kMaxBodyBytes);
      http::read(socket, buffer, parser, ec);
      if (ec == http::error::end_of_stream || ec == asio::error::connection_reset) break;
      http::response<http::string_body> out;
      bool keep_alive = false;
      if (ec) {
        // Timed out, too large or malformed: say so when the peer can still hear, and close.
        if (ec == asio::error::would_block || ec == asio::error::timed_out ||
            ec == asio::error::eof || ec == asio::error::operation_aborted) {
          break;
        }
        out.result(http::status::bad_request);
        out.set(http::field::content_type, "text/plain; charset=utf-8");
        out.body() = absl::StrCat("bad request: ", ec.message(), "\n");
      } else {
        const auto& in = parser.get();
        HttpRequest request;
        request.method = std::string(in.method_string());
        request.target = std::string(in.target());
        request.peer = peer;
        for (const auto& field : in) {
          request.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
              std::string(field.value());
        }
        HttpResponse response = s.handler(request);
        out.result(static_cast<unsigned>(response.status));
        out.set(http::field::content_type, response.content_type);
        for (const auto& [name, value] : response.headers) out.set(name, value);
        out.body() = std::move(response.body);
        keep_alive = in.keep_alive();
      }
      out.set(http::field::server, "footprint-web");
      out.set(http::field::cache_control, "no-store");
      out.set("X-Content-Type-Options", "nosniff");
      out.set("Content-Security-Policy",
              "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action "
              "'self'; base-uri 'none'; frame-ancestors 'none'");
      out.keep_alive(keep_alive);
      out.prepare_payload();
      http::write(socket, out, ec);
      if (ec || !keep_alive) break;
    }
    {
      base::MutexLock lock(&s.open_mu);
      s.open.erase(fd);
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }
}

}  // namespace footprint::web
