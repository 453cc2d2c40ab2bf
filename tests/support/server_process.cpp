#include "support/server_process.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <poll.h>
#include <random>
#include <signal.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace dots::test {

std::string server_binary() {
  const char* bin = std::getenv("DOTS_SERVER");
  return bin != nullptr ? bin : DOTS_SERVER_PATH;
}

server_process::server_process(std::string db, std::vector<std::string> extra,
                               std::string listen,
                               std::filesystem::path log_dir) {
  if (log_dir.empty())
    log_dir = std::filesystem::path{db}.parent_path();
  log_file_ = log_dir / ("server-" + std::to_string(::getpid()) + "-" +
                         std::to_string(std::random_device{}()) + ".log");
  int out[2];
  if (::pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  std::vector<std::string> args{server_binary(), "--listen", listen, "--db", db,
                                "--log-level",   "info"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    // A test killed by its timeout must not leave its servers running.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(out[1], STDOUT_FILENO);
    int err = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err >= 0)
      ::dup2(err, STDERR_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  // Read the first stdout line: "Dots listening on http://HOST:PORT/".
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  while (line.find('\n') == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0)
      continue;
    char buf[256];
    auto n = ::read(out[0], buf, sizeof(buf));
    if (n <= 0)
      break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  auto at = line.find("http://");
  if (at == std::string::npos) {
    stop(SIGKILL);
    throw std::runtime_error("dots-server did not start: " + line + "\n" +
                             log());
  }
  auto url = line.substr(at, line.find('\n', at) - at);
  if (!url.empty() && url.back() == '/')
    url.pop_back();
  base_url_ = url;
  address_ = url.substr(std::string{"http://"}.size());
}

server_process::~server_process() {
  if (pid_ > 0)
    stop(SIGKILL);
  // A sanitizer report goes to the server's log, not to any client: a test
  // whose requests all succeeded must still fail on it (a data race, say,
  // in a path the test only passed through).
  const auto text = log();
  for (const char* marker :
       {"WARNING: ThreadSanitizer", "ERROR: AddressSanitizer",
        "ERROR: LeakSanitizer", "runtime error:"})
    if (text.find(marker) != std::string::npos) {
      ADD_FAILURE() << "sanitizer report in the server's log:\n" << text;
      break;
    }
}

int server_process::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    auto r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_)
      break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  pid_ = -1;
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

std::string server_process::log() const {
  std::ifstream in{log_file_};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace dots::test
