#pragma once

#include "actors/frame_sink.hpp"
#include "actors/interfaces.hpp"
#include "domain/events.hpp"
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
  std::chrono::hours token_lifetime{24 * 30};
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

struct notifier_config {
  std::size_t retention = 10000;           ///< frames kept for replays
  std::chrono::milliseconds gap_wait{500}; ///< how long a missing id is awaited
  std::shared_ptr<server_metrics> metrics; ///< may be null
};

/// The notifier: encodes each committed event once and hands the frame to
/// every sink. `retained` are the log's retained events at start (ascending)
/// and `latest_id` the newest id ever written, so ids keep increasing and
/// resumes work across restarts.
notifier_actor spawn_notifier(caf::actor_system& sys,
                              std::vector<std::shared_ptr<frame_sink>> sinks,
                              std::vector<domain::event> retained,
                              std::int64_t latest_id, notifier_config cfg);

/// Sends `keepalive_tick` to `notifier` every `interval`.
caf::actor spawn_timer(caf::actor_system& sys, notifier_actor notifier,
                       std::chrono::milliseconds interval);

} // namespace dots::actors
