// The dots-server binary's command-line contract (src/app/main.cpp): what it
// prints and its exit status, run for real with an environment of our own.

#include "app/options.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace dots::app {
namespace {

struct run_result {
  int status = -1; ///< the exit status; -1 if it had to be killed
  std::string out;
  std::string err;
};

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in{file};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Runs dots-server with `args` and exactly the variables `env` (each
/// "NAME=value"), its output in files. None of these runs may start a
/// server: after 10 s it is killed and the status is -1.
run_result run(const std::vector<std::string>& args,
               const std::vector<std::string>& env = {}) {
  test::temp_dir dir;
  const auto out_file = dir.path() / "out";
  const auto err_file = dir.path() / "err";
  std::vector<std::string> argv_text{test::server_binary()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  // Never the developer's database, should a bad line be accepted.
  std::vector<std::string> env_text = env;
  env_text.push_back("DOTS_DB=" + (dir.path() / "dots.db").string());
  env_text.push_back("DOTS_LISTEN=127.0.0.1:0");
  std::vector<char*> argv;
  for (auto& a : argv_text)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_text)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out =
        ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err =
        ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  run_result r;
  int status = 0;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.out = read_all(out_file);
      r.err = read_all(err_file);
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_all(out_file);
  r.err = read_all(err_file);
  return r;
}

TEST(AppMain, HelpPrintsTheUsageAndExitsZero) {
  for (const std::string flag : {"--help", "-h"}) {
    auto r = run({flag});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, usage());
    EXPECT_EQ(r.err, "");
  }
}

TEST(AppMain, VersionPrintsTheVersionAndExitsZero) {
  auto r = run({"--version"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, std::string{"dots-server "} + DOTS_VERSION + "\n");
}

TEST(AppMain, BadInputIsOneLineOnStandardErrorAndExitStatus2) {
  struct bad {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string message; ///< the whole line dots-server prints
  };
  const std::vector<bad> cases{
      {{"--colour", "blue"}, {}, "unknown option '--colour' (see --help)"},
      {{"serve"}, {}, "unexpected argument 'serve' (see --help)"},
      {{"--request-timeout"}, {}, "--request-timeout needs a value: SECONDS"},
      {{"--threads", "abc"},
       {},
       "--threads: expected a whole number from 1 to 256, got 'abc'"},
      {{"--listen", "127.0.0.1:70000"},
       {},
       "--listen: the port must be a number from 0 to 65535, got '70000'"},
      {{},
       {"DOTS_MAX_STREAMS=-5"},
       "DOTS_MAX_STREAMS: expected a whole number from 1 to 10000000, got "
       "'-5'"},
      {{"--actor-threads=0"},
       {},
       "--actor-threads: expected a whole number from 1 to 256, got '0'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    auto r = run(c.args, c.env);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "dots-server: " + c.message + "\n");
    EXPECT_EQ(r.out, "");
  }
}

} // namespace
} // namespace dots::app
