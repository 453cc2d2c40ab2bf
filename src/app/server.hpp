#pragma once

#include "app/options.hpp"
#include "domain/error.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace dots::app {

/// One dots-server instance: the database connections, the actors, the I/O
/// shards, the LISTEN connection (PostgreSQL) and the listener, started and
/// stopped as a whole. `run_server` drives one from main(); tests can drive
/// one directly.
class server {
public:
  explicit server(options opts);
  /// Stops the server if it is running.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Opens (and migrates) the database, loads the retained events, spawns
  /// the actors and starts the I/O threads and the listener. Errors: an
  /// unusable `--db` value (kind `invalid`: the caller exits 2), or a
  /// database, address or port that cannot be used (kind `internal`); the
  /// detail is logged, and nothing is left running.
  domain::result<void> start();

  /// The URL the listener accepts on, e.g. "http://127.0.0.1:8000/" (with
  /// the real port when `--port 0` asked for any). Only after start().
  std::string url() const;

  /// Stops accepting, ends every stream, lets requests in flight finish
  /// (at most `grace`; what is left then is abandoned), stops the actors
  /// and closes the database. Returns when all of it has completed.
  /// Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds{5});

private:
  struct running;
  options opts_;
  std::unique_ptr<running> run_;
};

/// Runs dots-server until SIGINT or SIGTERM: starts a server, prints its
/// URL, and on a signal stops it. Returns the process exit code (0, 1 when
/// it could not start, 2 for a bad `--db` value).
int run_server(const options& opts);

} // namespace dots::app
