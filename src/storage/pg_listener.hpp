#pragma once

#include "storage/database.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>

// The cross-instance wake-up: one PostgreSQL connection that LISTENs on the
// event channel. Every writing transaction sends one empty NOTIFY on it
// (pg_store.cpp), so each instance learns at once that the log grew and reads
// the new rows itself. A notification is only a wake-up: one lost while the
// connection is down delays an event until the notifier's next poll, never
// loses it.

namespace dots::storage {

/// Keeps one LISTEN connection open, on an Asio executor, reconnecting with
/// backoff when it drops. The libpq socket is awaited asynchronously: no
/// thread is blocked while waiting for a notification or a connection.
///
/// Errors are not returned: a failed connection attempt, a LISTEN the server
/// refuses, a timeout or a lost connection are logged (password redacted),
/// reported through `on_state(false)` and retried after a delay that starts
/// at 100 ms and doubles up to 5 s (each delay is drawn between half and all
/// of it, so that instances that lost the database together do not return
/// together). A connection that is back resets the delay.
///
/// All work runs on a strand of the executor, so `ex` may belong to an
/// `io_context` run by several threads; its execution context must outlive
/// this object. libpq resolves a host *name* with a blocking getaddrinfo;
/// give a numeric address (or `hostaddr`) where that matters.
class pg_listener {
public:
  struct callbacks {
    /// Called for every notification, and once after every (re)connect
    /// since notifications sent while disconnected are lost. Notifications
    /// read together (one readable socket) give one call.
    std::function<void()> on_wake;
    /// Called with true once LISTEN is active, with false when the
    /// connection is lost (the database is unreachable). Called on
    /// transitions only; a first attempt that fails reports false.
    std::function<void(bool connected)> on_state;
  };

  /// `uri` is the libpq connection URI of `--db`; `limits.connect_timeout`
  /// (whole seconds; zero or less: no limit) bounds each connection attempt,
  /// from the first packet to an active LISTEN. Callbacks run on `ex`, one
  /// at a time, never from inside `start` or `stop`.
  pg_listener(boost::asio::any_io_executor ex, std::string uri,
              connection_limits limits, callbacks cb);
  /// Stops (as `stop`) if that was not done; pending waits finish on the
  /// executor afterwards without touching anything of the caller's.
  ~pg_listener();
  pg_listener(const pg_listener&) = delete;
  pg_listener& operator=(const pg_listener&) = delete;

  /// Starts connecting; returns at once. Call from any thread; a second
  /// call, or one after `stop`, does nothing.
  void start();
  /// Closes the connection; no callback runs after the executor has run
  /// the work this posts. Call from any thread.
  void stop();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace dots::storage
