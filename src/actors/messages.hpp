#pragma once

#include "domain/error.hpp"
#include "domain/events.hpp"
#include "domain/frame.hpp"
#include "domain/types.hpp"
#include "storage/store.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>
#include <vector>

// The messages the actors exchange. Requests carry the already authenticated
// caller and already parsed input: actors decide, they do not parse.

namespace dots::domain {

// 0.17-style inspectors for the domain values that travel in messages.

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cell& x) {
  return f(caf::meta::type_name("cell"), x.row, x.col);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dot& x) {
  return f(caf::meta::type_name("dot"), x.row, x.col, x.color);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, board_draft& x) {
  return f(caf::meta::type_name("board_draft"), x.name, x.rows, x.cols, x.dots);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, segment& x) {
  return f(caf::meta::type_name("segment"), x.color, x.cells);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user& x) {
  return f(caf::meta::type_name("user"), x.id, x.username);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(caf::meta::type_name("event"), x.id, x.type, x.board_id,
           x.board_name, x.username, x.path_id, x.complete);
}

} // namespace dots::domain

namespace dots::actors {

// -- accounts ---------------------------------------------------------------

/// Create an account (the password is hashed by the accounts actor).
struct register_user {
  std::string username;
  std::string password;
};

/// Log in; `client` keys the login rate limit (the peer address).
struct login {
  std::string username;
  std::string password;
  std::string client;
};

/// A successful login: the token is handed out once and stored hashed.
struct session_token {
  std::string token;
  domain::user user;
};

/// End a session.
struct logout {
  std::string token;
};

/// Find the user of a bearer or cookie token.
struct authenticate {
  std::string token;
};

// -- password hashing (the accounts actor's hash pool) ------------------------

/// Hash a new password with argon2id (security::hash_password).
struct hash_password_job {
  std::string password;
};

/// Check `password` against a stored argon2id hash
/// (security::verify_password); an empty `hash` checks it against
/// security::decoy_hash(), so that an unknown username costs a login as
/// much time as a wrong password, and the decoy is made on a hash worker.
struct verify_password_job {
  std::string password;
  std::string hash;
};

// -- boards -----------------------------------------------------------------

struct list_boards {
  std::int64_t creator_id = 0; ///< 0: everyone's
  int limit = 50;
  std::int64_t after = 0;
};

struct get_board {
  std::int64_t id = 0;
};

struct create_board {
  domain::user caller;
  domain::board_draft draft; ///< validated
};

struct update_board {
  domain::user caller;
  std::int64_t id = 0;
  domain::board_draft draft; ///< validated
};

struct delete_board {
  domain::user caller;
  std::int64_t id = 0;
};

// -- paths ------------------------------------------------------------------

struct get_path {
  domain::user caller;
  std::int64_t board_id = 0;
};

/// Save the caller's path; the paths actor validates it against the board.
struct save_path {
  domain::user caller;
  std::int64_t board_id = 0;
  std::vector<domain::segment> segments;
};

struct delete_path {
  domain::user caller;
  std::int64_t board_id = 0;
};

/// A saved path and whether it was the caller's first save on the board.
struct path_saved {
  domain::path path;
  bool created = false;
};

// -- notifications ------------------------------------------------------------

// Sent by the persistence actors once the change and its event row are
// committed; `event.id` is the event log id. They may reach the notifier in
// any order (boards and paths commit on separate connections): the notifier
// publishes only from its cursor, and reads what it has not been sent from
// the log.
struct board_created {
  domain::event event;
};
struct board_updated {
  domain::event event;
};
struct board_deleted {
  domain::event event;
};
struct path_created {
  domain::event event;
};
struct path_updated {
  domain::event event;
};

/// Tells the notifier that the log may hold events it has not published:
/// sent on every NOTIFY of another instance's commit, and by the timer as a
/// slow poll, so that a lost notification delays an event but never loses it.
struct log_wake {};

/// Ask the event-log actor for the events after `after_id`, at most `limit`.
struct read_events {
  std::int64_t after_id = 0;
  int limit = 1000;
};

/// Ask the notifier for one page of the retained frames after `after_id`;
/// a negative `after_id` asks for none, only for the id of the newest
/// published event. A stream reads its replay page by page, so that a
/// client far behind holds at most one page (not the whole retention
/// window) while it catches up.
struct replay {
  std::int64_t after_id = -1;
  /// The page's bounds: at most this many frames, and no more bytes than
  /// `max_bytes` once it holds one frame (a page always holds at least one).
  std::size_t max_frames = 256;
  std::size_t max_bytes = 128 * 1024;
  /// A later page of a replay already counted in `replays_served`.
  bool continued = false;
};

/// The answer to `replay`: one page of frames in id order, preceded by a
/// reset frame when `after_id` is older than the oldest retained event (or
/// newer than the newest: the client saw another log).
struct replay_frames {
  std::vector<domain::frame_ptr> frames;
  /// The id the stream is now at: the page's last frame's, else after_id,
  /// or the newest published event's when after_id was negative or the
  /// page is a reset with nothing retained.
  std::int64_t last_id = 0;
  /// More retained frames follow `last_id`: ask again from there.
  bool more = false;
};

/// The timer actor's tick that makes the notifier send keep-alives.
struct keepalive_tick {};

// -- inspectors ---------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, register_user& x) {
  return f(caf::meta::type_name("register_user"), x.username, x.password);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login& x) {
  return f(caf::meta::type_name("login"), x.username, x.password, x.client);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, logout& x) {
  return f(caf::meta::type_name("logout"), x.token);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, authenticate& x) {
  return f(caf::meta::type_name("authenticate"), x.token);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hash_password_job& x) {
  return f(caf::meta::type_name("hash_password_job"), x.password);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, verify_password_job& x) {
  return f(caf::meta::type_name("verify_password_job"), x.password, x.hash);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_boards& x) {
  return f(caf::meta::type_name("list_boards"), x.creator_id, x.limit, x.after);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_board& x) {
  return f(caf::meta::type_name("get_board"), x.id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_board& x) {
  return f(caf::meta::type_name("create_board"), x.caller, x.draft);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, update_board& x) {
  return f(caf::meta::type_name("update_board"), x.caller, x.id, x.draft);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_board& x) {
  return f(caf::meta::type_name("delete_board"), x.caller, x.id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_path& x) {
  return f(caf::meta::type_name("get_path"), x.caller, x.board_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, save_path& x) {
  return f(caf::meta::type_name("save_path"), x.caller, x.board_id, x.segments);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_path& x) {
  return f(caf::meta::type_name("delete_path"), x.caller, x.board_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, board_created& x) {
  return f(caf::meta::type_name("board_created"), x.event);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, board_updated& x) {
  return f(caf::meta::type_name("board_updated"), x.event);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, board_deleted& x) {
  return f(caf::meta::type_name("board_deleted"), x.event);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, path_created& x) {
  return f(caf::meta::type_name("path_created"), x.event);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, path_updated& x) {
  return f(caf::meta::type_name("path_updated"), x.event);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay& x) {
  return f(caf::meta::type_name("replay"), x.after_id, x.max_frames,
           x.max_bytes, x.continued);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_wake&) {
  return f(caf::meta::type_name("log_wake"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_events& x) {
  return f(caf::meta::type_name("read_events"), x.after_id, x.limit);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, keepalive_tick&) {
  return f(caf::meta::type_name("keepalive_tick"));
}

} // namespace dots::actors

// Replies stay inside the process: they are values, never serialised, so
// they are allowed without inspectors.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::domain::result<void>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::domain::result<bool>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::domain::result<std::string>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::domain::result<dots::domain::user>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::domain::result<dots::domain::board>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::domain::result<dots::domain::board_page>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::domain::result<dots::domain::path>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::domain::result<dots::actors::session_token>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::domain::result<dots::actors::path_saved>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::actors::replay_frames)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dots::domain::result<dots::storage::event_slice>)
