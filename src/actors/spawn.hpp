#pragma once

#include "actors/frame_sink.hpp"
#include "actors/interfaces.hpp"
#include "domain/events.hpp"
#include "security/credentials.hpp"
#include "storage/store.hpp"
#include "util/metrics.hpp"

#include <caf/fwd.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

// Factories of the server's actors. Persistence actors are detached: SQLite
// blocks, and a blocked cooperative worker would stall every other actor.

namespace dots::actors {

struct accounts_config {
  int login_attempts_per_minute = 10;
  std::chrono::hours token_lifetime = security::session_lifetime;
};

/// Owns `store` (its own connection) for accounts and tokens.
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
