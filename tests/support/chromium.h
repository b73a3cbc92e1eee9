// Headless Chromium for end-to-end tests of pages: a proxy that records every request the
// browser makes off the machine (a page must make none), and the rendered DOM of a page.
#ifndef FOOTPRINT_TESTS_SUPPORT_CHROMIUM_H_
#define FOOTPRINT_TESTS_SUPPORT_CHROMIUM_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "process.h"
#include "temp_dir.h"

namespace footprint::testing {

// A proxy that reads the first line of every request and drops the connection: Chromium sends
// every request for anything outside the page to it.
class RecordingProxy {
 public:
  RecordingProxy() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        const int client = accept(fd_, nullptr, nullptr);
        if (client < 0) continue;
        std::string line = "(nothing read)";
        pollfd c{client, POLLIN, 0};
        if (poll(&c, 1, 1000) > 0) {
          char buffer[1024];
          const ssize_t n = read(client, buffer, sizeof(buffer));
          if (n > 0) line.assign(buffer, static_cast<size_t>(n));
          line = line.substr(0, line.find('\r'));
        }
        close(client);
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(line);
      }
    });
  }
  ~RecordingProxy() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  // The request lines ("GET http://host/path HTTP/1.1", "CONNECT host:443 HTTP/1.1"), leaving
  // out Chromium's own background requests (its clock, updates, account checks and, for a page
  // with a form, its autofill service), which it makes whatever the page.
  std::vector<std::string> PageRequests() const {
    static const char* const kBrowserOwn[] = {"clients2.google.com", "update.googleapis.com",
                                              "accounts.google.com", ".gvt1.com",
                                              "content-autofill.googleapis.com"};
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const std::string& request : requests_) {
      const std::string target = request.substr(0, request.find(' ', request.find(' ') + 1));
      bool own = false;
      for (const char* host : kBrowserOwn) own = own || target.find(host) != std::string::npos;
      if (!own) out.push_back(request);
    }
    return out;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::string> requests_;  // Guarded by mu_.
  std::thread thread_;
};

// The DOM of the page at `url` after Chromium loaded and laid it out, every request going to
// `proxy`: those to this machine too for a file:// page, all but those to this machine (the
// server under test) for an http:// one. `extra` flags are added (e.g. --screenshot=FILE).
inline CommandResult RenderInChromium(const std::string& url, const RecordingProxy& proxy,
                                      const TempDir& dir,
                                      const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {
      "/usr/bin/chromium",
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
      "--user-data-dir=" + dir.Sub("chromium-profile"),
      "--proxy-server=http://127.0.0.1:" + std::to_string(proxy.port())};
  if (url.rfind("file://", 0) == 0) argv.push_back("--proxy-bypass-list=<-loopback>");
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("--dump-dom");
  argv.push_back(url);
  return RunCommand(argv, "", 120);
}

}  // namespace footprint::testing

#endif  // FOOTPRINT_TESTS_SUPPORT_CHROMIUM_H_
