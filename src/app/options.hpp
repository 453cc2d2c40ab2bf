#pragma once

#include "domain/error.hpp"
#include "util/log.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dots::app {

/// Everything dots-server can be told, with its defaults.
struct options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8000;
  /// A SQLite file (or `sqlite:FILE`), or a postgres:// / postgresql:// URI;
  /// validated by storage::parse_database_location.
  std::string db = "./data/dots.db";
  unsigned db_connect_timeout_seconds = 5;
  unsigned db_statement_timeout_ms = 5000;
  unsigned event_poll_ms = 1000; ///< the event log's slow poll
  std::vector<std::string> trusted_proxies;
  unsigned threads = 0; ///< I/O threads; 0: one per core
  /// CAF worker threads; 0: the cores, at most two.
  unsigned actor_threads = 0;
  log::level log_level = log::level::info;
  std::string web_dir; ///< empty: ./web/dist when it exists
  unsigned keepalive_seconds = 15;
  std::int64_t event_retention = 10000;
  std::size_t max_streams = 0; ///< 0: just below the descriptor limit
  std::size_t stream_queue_frames = 256;
  std::size_t stream_queue_bytes = 256 * 1024;
  int login_limit = 10;
  unsigned request_timeout_seconds = 30;
  bool help = false;
  bool version = false;
};

/// Reads options from the command line (`--name value` or `--name=value`)
/// over the environment (`DOTS_NAME`), over the defaults. Errors name the
/// option and say what is expected.
domain::result<options>
parse_options(const std::vector<std::string>& args,
              const std::function<const char*(const char*)>& getenv);

/// The --help text.
std::string usage();

} // namespace dots::app
