// footprint-web: the IRO manager's pages over footprintd (docs/web.md).
//
//   footprint-web [--listen 127.0.0.1:8080] [--server HOST:PORT] [--ca F --cert F --key F]
//                 [--trusted-proxy ADDR ...] [--person-header NAME] [--local-user NAME]
//
// Prints "listening on HOST:PORT" once it serves, then runs until SIGTERM or SIGINT.
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "tools/client/client_credentials.h"
#include "web/http_server.h"
#include "web/web_app.h"

int main(int argc, char** argv) {
  using footprint::web::HttpServer;
  CLI::App app{"footprint-web: the IRO manager's pages over footprintd (docs/web.md)"};
  std::string listen = "127.0.0.1:8080";
  const char* env_server = std::getenv("FOOTPRINT_SERVER");
  std::string server = env_server != nullptr ? env_server : "127.0.0.1:50051";
  footprint::client::TlsFiles tls;
  footprint::web::WebSettings settings;
  const char* user = std::getenv("USER");
  settings.local_user = user != nullptr && *user != '\0' ? user : "local user";
  app.add_option("--listen", listen, "HOST:PORT to serve on (default 127.0.0.1:8080)");
  app.add_option("--server", server,
                 "footprintd's address (default $FOOTPRINT_SERVER or "
                 "127.0.0.1:50051)");
  app.add_option("--ca", tls.ca_file, "the CA that signed footprintd's certificate (PEM)");
  app.add_option("--cert", tls.cert_file, "this service's client certificate (PEM)");
  app.add_option("--key", tls.key_file, "its private key (PEM)");
  app.add_option("--tls-server-name", tls.server_name, "the name footprintd's certificate has");
  app.add_option("--trusted-proxy", settings.trusted_proxies,
                 "address of the single sign-on proxy whose person header is trusted "
                 "(repeatable)");
  app.add_option("--person-header", settings.person_header,
                 "the header the proxy names the person in (default X-Forwarded-User)");
  app.add_option("--local-user", settings.local_user,
                 "the person for requests from this machine (default $USER)");
  CLI11_PARSE(app, argc, argv);
  settings.person_header = absl::AsciiStrToLower(settings.person_header);

  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "footprint-web: INVALID_ARGUMENT: --listen: '" << listen << "' is not HOST:PORT\n";
    return 2;
  }
  HttpServer::Options options;
  options.host = listen.substr(0, colon);
  try {
    options.port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    std::cerr << "footprint-web: INVALID_ARGUMENT: --listen: '" << listen
              << "' has no port number\n";
    return 2;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto credentials = footprint::client::MakeCredentials(tls, &args);
  if (!credentials.ok()) {
    std::cerr << "footprint-web: INVALID_ARGUMENT: " << credentials.status().message() << "\n";
    return 2;
  }
  footprint::web::WebApp web(grpc::CreateCustomChannel(server, *credentials, args), settings);

  // The signals are waited for on this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto http = HttpServer::Start(
      options, [&web](const footprint::web::HttpRequest& r) { return web.Handle(r); });
  if (!http.ok()) {
    std::cerr << "footprint-web: " << http.status().ToString() << "\n";
    return 1;
  }
  std::cout << "listening on " << (*http)->address() << std::endl;
  std::cerr << "footprint-web: serving http://" << (*http)->address() << "/ over footprintd at "
            << server << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  (*http)->Stop();
  return 0;
}
