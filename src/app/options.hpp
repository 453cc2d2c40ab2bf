#pragma once

#include "domain/error.hpp"
#include "util/log.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dots::app {

/// Everything dots-server can be told. The initializers are the defaults:
/// the parser and --help read them from here, so they are written once.
struct options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8000; ///< 0: the system picks a free port
  /// A SQLite file (or `sqlite:FILE`), or a postgres:// / postgresql:// URI;
  /// validated by storage::parse_database_location.
  std::string db = "./data/dots.db";
  unsigned db_connect_timeout_seconds = 5;
  unsigned db_statement_timeout_ms = 5000;
  unsigned event_poll_ms = 1000;            ///< the event log's slow poll
  std::vector<std::string> trusted_proxies; ///< IP addresses
  /// Origins whose pages may read the API and the stream from another site,
  /// canonical (http::parse_cors_origins), and `*` for the stream alone.
  /// Empty: no CORS headers at all.
  std::vector<std::string> cors_origins;
  /// I/O threads (one Asio shard each: accept, requests, streams).
  /// 0: one per core.
  unsigned threads = 0;
  /// CAF's worker threads, which run the actors (scheduler.max-threads).
  /// 0: from the core count; the server then uses min(2, cores), because
  /// the I/O threads need the cores as much as the actors do.
  unsigned actor_threads = 0;
  log::level log_level = log::level::info;
  /// Empty: the app installed with the server (app/server.cpp web_dir_of).
  std::string web_dir;
  unsigned keepalive_seconds = 15;
  std::int64_t event_retention = 10000; ///< events
  std::size_t max_streams = 0;          ///< 0: just below the descriptor limit
  std::size_t stream_queue_frames = 256;
  std::size_t stream_queue_bytes = 256 * 1024;
  unsigned stream_write_timeout_seconds = 30;
  int login_limit = 10; ///< attempts per minute from one address
  /// Password-hashing workers (argon2id, about 180 ms and 64 MiB each).
  /// 0: half the cores, at least one.
  unsigned hash_threads = 0;
  /// Password hashes that may wait for a worker; past it 503 at once.
  std::size_t hash_queue = 64;
  unsigned request_timeout_seconds = 30;
  bool help = false;
  bool version = false;

  /// Equal when every option is: tests compare what two parses gave.
  friend bool operator==(const options&, const options&) = default;
};

/// Reads the options from the command line (`--name value` or
/// `--name=value`, Boost.Program_options) over the environment (each option
/// `--some-name` also read from `DOTS_SOME_NAME`; unset or empty variables
/// are ignored), over the defaults. The command line wins over the
/// environment; of an option given twice, the last one wins. `getenv` is
/// the environment to read (std::getenv in the server, a map in tests).
///
/// Errors (domain::error_kind::invalid, code "invalid_option") are one line
/// naming the option (`--threads: expected a whole number from 1 to 256,
/// got 'x'`) or the variable it came from (`DOTS_THREADS: ...`): an unknown
/// option, a stray argument, a missing value, a value that does not parse
/// or is out of range. Every variable set is checked, even one the command
/// line overrides.
domain::result<options>
parse_options(const std::vector<std::string>& args,
              const std::function<const char*(const char*)>& getenv);

/// The --help text, made from the same option descriptions the parser uses:
/// each option with its argument (and unit), its range, its default and its
/// environment variable.
std::string usage();

} // namespace dots::app
