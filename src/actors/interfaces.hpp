#pragma once

#include "actors/messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

// Every actor of the server and what it answers, in one place.

namespace dots::actors {

/// Accounts, passwords and session tokens; owns one database connection.
using accounts_actor = caf::typed_actor<
    caf::replies_to<register_user>::with<domain::result<domain::user>>,
    caf::replies_to<login>::with<domain::result<session_token>>,
    caf::replies_to<logout>::with<domain::result<void>>,
    caf::replies_to<authenticate>::with<domain::result<domain::user>>>;

/// Password hashing off the accounts actor's thread: argon2id takes about
/// 180 ms here, and a token check must never wait behind one. The pool and
/// each of its workers answer the same messages; the pool answers at once
/// with an `unavailable` error ("busy") when its queue is full (spawn.hpp,
/// hash_pool_config).
using hash_pool_actor = caf::typed_actor<
    caf::replies_to<hash_password_job>::with<domain::result<std::string>>,
    caf::replies_to<verify_password_job>::with<domain::result<bool>>>;

/// Boards; owns one database connection and reports every committed change
/// to the notifier.
using boards_actor = caf::typed_actor<
    caf::replies_to<list_boards>::with<domain::result<domain::board_page>>,
    caf::replies_to<get_board>::with<domain::result<domain::board>>,
    caf::replies_to<create_board>::with<domain::result<domain::board>>,
    caf::replies_to<update_board>::with<domain::result<domain::board>>,
    caf::replies_to<delete_board>::with<domain::result<void>>>;

/// Users' paths; owns one database connection and reports every committed
/// save to the notifier.
using paths_actor = caf::typed_actor<
    caf::replies_to<get_path>::with<domain::result<domain::path>>,
    caf::replies_to<save_path>::with<domain::result<path_saved>>,
    caf::replies_to<delete_path>::with<domain::result<void>>>;

/// Reads the durable event log on a connection of its own, so that the
/// notifier never blocks on I/O. Answers `read_events` with a slice.
using event_log_actor = caf::typed_actor<
    caf::replies_to<read_events>::with<domain::result<storage::event_slice>>>;

/// Publishes committed events strictly in id order from its cursor: encodes
/// each frame once and hands it to every stream; reads from the event log
/// whatever it was not sent (another instance's events, a late message);
/// answers replays from the retained frames.
using notifier_actor = caf::typed_actor<
    caf::reacts_to<board_created>, caf::reacts_to<board_updated>,
    caf::reacts_to<board_deleted>, caf::reacts_to<path_created>,
    caf::reacts_to<path_updated>, caf::reacts_to<keepalive_tick>,
    caf::reacts_to<log_wake>, caf::replies_to<replay>::with<replay_frames>>;

} // namespace dots::actors
