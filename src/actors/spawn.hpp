#pragma once

#include "actors/frame_sink.hpp"
#include "actors/interfaces.hpp"
#include "domain/events.hpp"
#include "security/credentials.hpp"
#include "storage/store.hpp"
#include "util/metrics.hpp"

#include <caf/fwd.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

// Factories of the server's actors. Persistence actors are detached: SQLite
// blocks, and a blocked cooperative worker would stall every other actor.

namespace dots::actors {

/// The password-hashing pool (hash_pool.cpp): `threads` detached worker
/// actors, each running one argon2id hash or check at a time (about 180 ms
/// and 64 MiB each on the reference machine), fed in arrival order from a
/// queue of at most `queue` jobs waiting for a worker.
///
/// Errors: a job that finds `threads` jobs running and `queue` waiting is
/// answered at once with error_kind::unavailable, code "busy", and
/// `retry_after` set to how long the jobs ahead of it take at the pace
/// measured so far (whole seconds, at least 1): a 503 with that
/// Retry-After (api.md, "Errors"). So is a job that waited longer than
/// `max_wait` for a worker, when its turn comes. A hash that cannot get its
/// memory is error_kind::internal.
///
/// The queue bounds the wait at about `queue` × hash time / `threads`: with
/// the defaults, 64 × 0.18 s ≈ 12 s at one worker, under the 15 s a request
/// waits for an actor (http::ask_timeout). `max_wait` keeps that bound when
/// hashes run slower (a loaded machine): no worker spends a hash on a
/// request that has most likely been given up.
struct hash_pool_config {
  unsigned threads = 1;   ///< workers: hashes that run at once; at least 1
  std::size_t queue = 64; ///< jobs that may wait for a worker; 0: none
  /// The longest a job may wait for a worker; under http::ask_timeout.
  std::chrono::milliseconds max_wait{10000};
};

/// A hash pool answering hash_password_job and verify_password_job; its
/// workers are linked to it, and exit with it.
hash_pool_actor spawn_hash_pool(caf::actor_system& sys, hash_pool_config cfg);

struct accounts_config {
  int login_attempts_per_minute = 10;
  std::chrono::hours token_lifetime = security::session_lifetime;
  /// The pool every argon2id hash goes to (register's hash, login's check,
  /// the decoy's included), so that token checks, logouts and everything
  /// else the accounts actor answers never wait behind one.
  hash_pool_config hashing{};
};

/// Owns `store` (its own connection) for accounts and tokens, and a hash
/// pool of its own (linked: they exit together). A login is checked for its
/// rate limit and its account at once, then waits for the pool's verdict;
/// only then is its token made, by this actor, on its connection.
accounts_actor spawn_accounts(caf::actor_system& sys,
                              std::shared_ptr<storage::store> store,
                              accounts_config cfg);

/// How many events the log keeps; older ones are trimmed as new ones come.
struct retention_config {
  std::int64_t events = 10000;
};

/// Owns `store` for boards; tells `notifier` of every committed change.
boards_actor spawn_boards(caf::actor_system& sys,
                          std::shared_ptr<storage::store> store,
                          notifier_actor notifier, retention_config cfg);

/// Owns `store` for paths; tells `notifier` of every committed save.
paths_actor spawn_paths(caf::actor_system& sys,
                        std::shared_ptr<storage::store> store,
                        notifier_actor notifier, retention_config cfg);

/// Owns `store` (its own connection) for reading the event log.
event_log_actor spawn_event_log(caf::actor_system& sys,
                                std::shared_ptr<storage::store> store);

struct notifier_config {
  /// The retention window in event ids: frames with ids at or below
  /// `latest - retention` are dropped, like the log's own rows
  /// (storage::store::trim_events), so every instance keeps the same window.
  std::size_t retention = 10000;
  /// Events read from the log per request while catching up.
  int read_batch = 1000;
  /// How long a read of the log may take before it counts as failed (it is
  /// tried again at the next wake-up or poll).
  std::chrono::milliseconds read_timeout{10000};
  std::shared_ptr<server_metrics> metrics; ///< may be null
};

/// The notifier: publishes committed events strictly in id order from its
/// cursor, encoding each frame once and handing it to every sink. An event
/// message at the cursor is published at once; one ahead of it, or a
/// `log_wake`, makes it read the missing events from `log` (one read in
/// flight at a time), so no event is skipped however late it commits. If
/// the log was trimmed past the cursor (after an outage) its streams get a
/// `reset` frame. `retained` are the log's retained events at start
/// (ascending) and `latest_id` the newest id ever written, so ids keep
/// increasing and resumes work across restarts.
notifier_actor spawn_notifier(caf::actor_system& sys,
                              std::vector<std::shared_ptr<frame_sink>> sinks,
                              event_log_actor log,
                              std::vector<domain::event> retained,
                              std::int64_t latest_id, notifier_config cfg);

/// Sends `keepalive_tick` to `notifier` every `keepalive` and `log_wake`
/// every `poll` (the slow poll of the event log; zero: never).
caf::actor spawn_timer(caf::actor_system& sys, notifier_actor notifier,
                       std::chrono::milliseconds keepalive,
                       std::chrono::milliseconds poll);

} // namespace dots::actors
