#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace footprint::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

int ExitCodeOf(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

std::vector<char*> ArgvPointers(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// Waits for `pid` until `deadline`; returns true and sets *status if it exited. Blocks on a
// pidfd, so it returns as soon as the child exits.
bool WaitUntil(pid_t pid, SteadyClock::time_point deadline, int* status) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now())
            .count();
    pollfd fd = {pidfd, POLLIN, 0};
    poll(&fd, 1, static_cast<int>(std::max<int64_t>(left, 0)));
    close(pidfd);
  }
  return waitpid(pid, status, WNOHANG) == pid;
}

}  // namespace

std::string FootprintdPath() { return FOOTPRINTD_PATH; }
std::string FootprintCliPath() { return FOOTPRINT_CLI_PATH; }

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data,
                         int timeout_seconds) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  // Everything the child needs is prepared before fork(): the test process has other threads,
  // and a child that allocated could deadlock on a lock one of them held (seen under ASan).
  auto args = ArgvPointers(argv);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Small inputs only: written before reading output.
  size_t written = 0;
  while (written < stdin_data.size()) {
    const ssize_t n = write(in_pipe[1], stdin_data.data() + written, stdin_data.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  close(in_pipe[1]);

  CommandResult result;
  const auto deadline = SteadyClock::now() + std::chrono::seconds(timeout_seconds);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now())
            .count();
    if (left <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left)) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = ExitCodeOf(status);
  return result;
}

CommandResult RunCli(const std::string& server, const std::vector<std::string>& args,
                     const std::string& stdin_data) {
  std::vector<std::string> argv = {FootprintCliPath(), "--server", server};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, stdin_data);
}

ServerProcess::ServerProcess(std::string data_dir, std::vector<std::string> extra_args)
    : binary_(FootprintdPath()),
      data_dir_(std::move(data_dir)),
      extra_args_(std::move(extra_args)) {
  stderr_path_ = data_dir_ + ".stderr.log";
}

ServerProcess::ServerProcess(std::string binary, std::vector<std::string> args,
                             std::string stderr_path)
    : binary_(std::move(binary)),
      extra_args_(std::move(args)),
      stderr_path_(std::move(stderr_path)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

void ServerProcess::Start(const std::string& listen) {
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv = {binary_};
  if (!data_dir_.empty()) argv.insert(argv.end(), {"--data-dir", data_dir_});
  argv.insert(argv.end(), {"--listen", listen});
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  // Only async-signal-safe calls between fork() and exec (see RunCommand).
  auto args = ArgvPointers(argv);
  const char* stderr_path = stderr_path_.c_str();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // If the test dies, the server must not outlive it. (The signal follows the thread that
    // forked; tests start servers from their main thread.)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int err = open(stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(out_pipe[1], 1);
    if (err >= 0) dup2(err, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  pid_ = pid;
  stdout_fd_ = out_pipe[0];

  // Read stdout until the "listening on HOST:PORT" line (bounded: 60 s, for sanitizer builds).
  std::string line;
  const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
  while (line.find('\n') == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now())
            .count();
    pollfd fd = {stdout_fd_, POLLIN, 0};
    if (left <= 0 || poll(&fd, 1, static_cast<int>(left)) <= 0) {
      Kill();
      throw std::runtime_error(binary_ + " did not start in time: " + StderrLog());
    }
    char c;
    const ssize_t n = read(stdout_fd_, &c, 1);
    if (n <= 0) {
      Kill();
      throw std::runtime_error(binary_ + " exited before listening: " + StderrLog());
    }
    line.push_back(c);
  }
  const std::string prefix = "listening on ";
  if (line.rfind(prefix, 0) != 0) {
    Kill();
    throw std::runtime_error("unexpected first line from " + binary_ + ": " + line);
  }
  address_ = line.substr(prefix.size(), line.size() - prefix.size() - 1);
  port_ = std::stoi(address_.substr(address_.rfind(':') + 1));
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
}

int ServerProcess::Terminate(int timeout_seconds) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  if (!WaitUntil(pid_, SteadyClock::now() + std::chrono::seconds(timeout_seconds), &status)) {
    Kill();
    return -1;
  }
  pid_ = -1;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
  return ExitCodeOf(status);
}

std::string ServerProcess::StderrLog() const {
  std::ifstream in(stderr_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace footprint::testing
