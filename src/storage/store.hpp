#pragma once

#include "domain/error.hpp"
#include "domain/events.hpp"
#include "domain/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// The persistence interface, implemented by SQLite (sqlite_store.hpp, one
// process) and PostgreSQL (pg_store.hpp, any number of instances). Only the
// persistence actors and the event-log actor call it. The contract test
// suite (tests/storage/store_contract_test.cpp) runs against both.
//
// Every write that the contract turns into an event (board create, update and
// delete; path first save and later saves) appends its event row, typed
// fields as built by domain::board_event/path_event, in the same transaction
// as the change and returns it: an event exists if and only if its change
// was committed. Event ids increase in commit order with no holes: a reader
// of `events_after(cursor)` never misses an event that commits after a
// later id became visible (spec, "Operations", Storage).
//
// Errors: `not_found`, `conflict` as documented per method; `unavailable`
// (code "database_unavailable") when the database cannot be reached or a
// statement timed out, so that callers answer 503 and try again; `internal`
// for anything else. Methods are not thread-safe: one connection, one owner.

namespace dots::storage {

using domain::result;

/// A stored account with its password hash (never leaves the accounts actor).
struct account {
  domain::user user;
  std::string password_hash;
};

/// A change and the event it wrote.
template <class T>
struct change {
  T value;
  domain::event event;
};

/// The outcome of saving a path: `created` is true on the first save.
struct saved_path {
  domain::path path;
  bool created = false;
  domain::event event;
};

/// A slice of the event log.
struct event_slice {
  std::vector<domain::event> events; ///< ascending ids
  std::int64_t oldest_id = 0;        ///< oldest retained id; 0 when empty
  std::int64_t latest_id = 0;        ///< newest id ever written; 0 when none
};

class store {
public:
  virtual ~store() = default;

  // -- accounts ---------------------------------------------------------------

  /// Creates a user; error kind `conflict` ("username_taken") when a user
  /// with the same case-insensitive name exists.
  virtual result<domain::user> create_user(const std::string& username,
                                           const std::string& password_hash,
                                           const std::string& now) = 0;

  /// The account of a username (case-insensitive); nullopt when none.
  virtual result<std::optional<account>>
  find_account(const std::string& username) = 0;

  /// Stores a session token by its hash, valid until `expires_at`.
  virtual result<void> create_token(std::int64_t user_id,
                                    const std::string& token_hash,
                                    const std::string& now,
                                    const std::string& expires_at) = 0;

  /// The user a token hash belongs to, if it has not expired at `now`.
  virtual result<std::optional<domain::user>>
  find_token_user(const std::string& token_hash, const std::string& now) = 0;

  /// Removes a token; true when it existed.
  virtual result<bool> delete_token(const std::string& token_hash) = 0;

  // -- boards -----------------------------------------------------------------

  /// Boards newest first, ids below `after` (0: from the newest), at most
  /// `limit`; only `creator_id`'s when it is non-zero.
  virtual result<domain::board_page>
  list_boards(std::int64_t creator_id, int limit, std::int64_t after) = 0;

  /// One board; error kind `not_found` when none.
  virtual result<domain::board> get_board(std::int64_t id) = 0;

  /// Stores a validated draft; writes a newBoard event.
  virtual result<change<domain::board>>
  create_board(std::int64_t creator_id, const domain::board_draft& draft,
               const std::string& now) = 0;

  /// Replaces name, size and dots; writes a boardUpdated event. When
  /// domain::update_drops_paths says so for the board as stored, the board's
  /// saved paths are deleted in the same transaction. The caller has checked
  /// ownership. `not_found` when the board is gone.
  virtual result<change<domain::board>>
  update_board(std::int64_t id, const domain::board_draft& draft,
               const std::string& now) = 0;

  /// Deletes a board and its paths; writes a boardDeleted event.
  virtual result<change<domain::board>> delete_board(std::int64_t id) = 0;

  // -- paths ------------------------------------------------------------------

  /// A user's path on a board; `not_found` when none.
  virtual result<domain::path> get_path(std::int64_t board_id,
                                        std::int64_t user_id) = 0;

  /// Inserts or replaces a user's path (validated by the caller); writes
  /// newPath on the first save and pathUpdated on later ones.
  virtual result<saved_path> save_path(std::int64_t board_id,
                                       std::int64_t user_id,
                                       const std::vector<domain::segment>& segs,
                                       bool complete,
                                       const std::string& now) = 0;

  /// Deletes a user's path; `not_found` when none. The contract has no event
  /// for it: a path is private to its user.
  virtual result<void> delete_path(std::int64_t board_id,
                                   std::int64_t user_id) = 0;

  // -- event log --------------------------------------------------------------

  /// Retained events with ids above `after_id`, ascending, at most `limit`,
  /// with the oldest retained and newest written id, all from one snapshot.
  virtual result<event_slice> events_after(std::int64_t after_id,
                                           int limit) = 0;

  /// Deletes the events with ids at or below `latest_id - keep`: the window
  /// is defined by ids, so every instance sharing the log trims to the same
  /// oldest id whoever runs it (ids have no holes, so at most `keep` remain).
  virtual result<void> trim_events(std::int64_t keep) = 0;
};

} // namespace dots::storage
