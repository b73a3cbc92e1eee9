// Child processes for end-to-end tests: the real footprintd and the real footprint CLI.
#ifndef FOOTPRINT_TESTS_SUPPORT_PROCESS_H_
#define FOOTPRINT_TESTS_SUPPORT_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace footprint::testing {

// Paths of the built binaries (set by CMake as compile definitions).
std::string FootprintdPath();
std::string FootprintCliPath();

struct CommandResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
};

// Runs `argv` to completion, feeding `stdin_data` (closed afterwards) and capturing output.
// Fails the process after `timeout_seconds` (the child is killed; exit_code -1).
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                         int timeout_seconds = 60);

// Runs the footprint CLI against `server` with `args`.
CommandResult RunCli(const std::string& server, const std::vector<std::string>& args,
                     const std::string& stdin_data = "");

// A footprintd process. Start() waits (bounded) for its "listening on" line.
class ServerProcess {
 public:
  // Extra flags are appended after --data-dir and --listen.
  ServerProcess(std::string data_dir, std::vector<std::string> extra_args = {});
  // Another server that prints "listening on HOST:PORT" first (footprint-web): `binary` with
  // `args`, then --listen; its stderr goes to `stderr_path`.
  ServerProcess(std::string binary, std::vector<std::string> args, std::string stderr_path);
  ~ServerProcess();  // SIGKILLs the server if it still runs.

  // Starts the server on 127.0.0.1:0, or on `listen` if given. Throws on failure.
  void Start(const std::string& listen = "127.0.0.1:0");
  // SIGKILL and reap.
  void Kill();
  // SIGTERM, then wait (bounded) for exit; returns the exit status (-1 if killed by signal).
  int Terminate(int timeout_seconds = 30);

  const std::string& address() const { return address_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Everything the server wrote on stderr so far (read after it exited).
  std::string StderrLog() const;

 private:
  std::string binary_;
  std::string data_dir_;  // empty for another server than footprintd
  std::vector<std::string> extra_args_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string address_;
  int port_ = 0;
};

}  // namespace footprint::testing

#endif  // FOOTPRINT_TESTS_SUPPORT_PROCESS_H_
