#pragma once

#include "support/temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

// Runs the real dots-server binary on a free loopback port, as a user would,
// for end-to-end tests.

namespace dots::test {

/// The dots-server binary under test (from DOTS_SERVER, set by CMake).
std::string server_binary();

class server_process {
public:
  /// Starts dots-server with `--db <db> --listen <listen>` and `extra`, and
  /// waits for its "listening on" line. Fails the test if it does not come.
  /// Its standard error goes to a file in `log_dir` (default: the folder of
  /// `db`; give one when `db` is a PostgreSQL URI).
  server_process(std::string db, std::vector<std::string> extra = {},
                 std::string listen = "127.0.0.1:0",
                 std::filesystem::path log_dir = {});
  /// Kills the server if it still runs, and fails the test if its log
  /// holds a sanitizer report (ASan, LSan, UBSan or TSan).
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  /// "http://127.0.0.1:PORT" (no trailing slash).
  const std::string& base_url() const { return base_url_; }
  /// "127.0.0.1:PORT", to restart on the same address.
  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }

  /// Sends `sig` and waits for the exit; returns the exit status (or -1 when
  /// it had to be killed after `timeout`, or 128+signal when killed).
  int stop(int sig = 15,
           std::chrono::milliseconds timeout = std::chrono::seconds{10});

  /// What the server printed on standard error so far.
  std::string log() const;

private:
  pid_t pid_ = -1;
  std::string base_url_;
  std::string address_;
  std::filesystem::path log_file_;
};

} // namespace dots::test
