#include "storage/pg_store.hpp"

#include "domain/rules.hpp"
#include "storage/json_columns.hpp"
#include "storage/pg_conn.hpp"
#include "storage/pg_schema.hpp"

#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>

// The PostgreSQL twin of sqlite_store.cpp: the same methods with the same
// results and errors, statement for statement where the SQL allows. What
// differs is what several instances writing one database at once need:
// event ids taken in commit order (append_event), row locks where SQLite
// had its single writer lock, and reconnecting after a lost connection.

namespace dots::storage {

namespace {

using domain::error;
using domain::error_kind;
using pg::connection;
using pg::params;
using pg::transaction;

error conflict_username(const std::string& username) {
  return error{
      .kind = error_kind::conflict,
      .code = "username_taken",
      .message = "username \"" + username + "\" is taken",
      .field = "username",
  };
}

error user_not_found(std::int64_t id) {
  return domain::not_found("user " + std::to_string(id) + " not found");
}

error board_not_found(std::int64_t id) {
  return domain::not_found("board " + std::to_string(id) + " not found");
}

error path_not_found(std::int64_t board_id, std::int64_t user_id) {
  return domain::not_found("no path of user " + std::to_string(user_id) +
                           " on board " + std::to_string(board_id));
}

/// Runs a store operation so that nothing escapes it but a result: an
/// exception (out of memory, a malformed integer column) becomes an internal
/// error, and the unwinding rolls back any open transaction.
template <class F>
auto guarded(const char* what, F&& f) noexcept -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return pg::failure(what, e.what());
  } catch (...) {
    return pg::failure(what, "unknown exception");
  }
}

// The columns every board query selects, in the order read_board expects.
#define DOTS_BOARD_COLUMNS                                                     \
  "b.id, b.name, b.rows, b.cols, b.dots, b.creator_id, u.username, "           \
  "b.created_at, b.updated_at FROM boards b JOIN users u ON u.id = "           \
  "b.creator_id "

result<domain::board> read_board(const pg::rows& r, int row) {
  domain::board b;
  b.id = r.int64(row, 0);
  b.name = r.text(row, 1);
  b.rows = r.int32(row, 2);
  b.cols = r.int32(row, 3);
  auto dots = decode_dots(r.text(row, 4));
  if (!dots)
    return domain::internal_error("board " + std::to_string(b.id) +
                                  ": stored dots are not valid JSON");
  b.dots = std::move(*dots);
  b.creator_id = r.int64(row, 5);
  b.creator_username = r.text(row, 6);
  b.created_at = r.text(row, 7);
  b.updated_at = r.text(row, 8);
  return b;
}

#define DOTS_PATH_COLUMNS                                                      \
  "p.id, p.board_id, p.user_id, u.username, p.segments, p.complete, "          \
  "p.created_at, p.updated_at FROM paths p JOIN users u ON u.id = p.user_id "

result<domain::path> read_path(const pg::rows& r, int row) {
  domain::path p;
  p.id = r.int64(row, 0);
  p.board_id = r.int64(row, 1);
  p.user_id = r.int64(row, 2);
  p.user_username = r.text(row, 3);
  auto segments = decode_segments(r.text(row, 4));
  if (!segments)
    return domain::internal_error("path " + std::to_string(p.id) +
                                  ": stored segments are not valid JSON");
  p.segments = std::move(*segments);
  p.complete = r.boolean(row, 5);
  p.created_at = r.text(row, 6);
  p.updated_at = r.text(row, 7);
  return p;
}

/// How load_board locks the board row for the rest of the transaction.
enum class row_lock {
  none,
  share,  ///< FOR SHARE: the board stays as read (saving a path on it)
  update, ///< FOR UPDATE: the board is about to change or go
};

class pg_store final : public store {
public:
  explicit pg_store(connection db)
      : db_(std::move(db)) {}

  // -- accounts ---------------------------------------------------------------

  result<domain::user> create_user(const std::string& username,
                                   const std::string& password_hash,
                                   const std::string& now) override {
    return guarded("create_user", [&]() -> result<domain::user> {
      // The UNIQUE index decides, not a prior SELECT: another connection
      // may register the same name between the two.
      auto r = db_.exec("create_user",
                        "INSERT INTO users (username, username_key, "
                        "password_hash, created_at) VALUES ($1, $2, $3, $4) "
                        "RETURNING id",
                        params{}
                            .add(username)
                            .add(domain::username_key(username))
                            .add(password_hash)
                            .add(now));
      if (!r) {
        if (db_.last_sqlstate() == pg::unique_violation)
          return conflict_username(username);
        return std::move(r).error();
      }
      return domain::user{r.value().int64(0, 0), username};
    });
  }

  result<std::optional<account>>
  find_account(const std::string& username) override {
    return guarded("find_account", [&]() -> result<std::optional<account>> {
      BOOST_OUTCOME_TRY(
          auto r, db_.exec("find_account",
                           "SELECT id, username, password_hash FROM users "
                           "WHERE username_key = $1",
                           params{}.add(domain::username_key(username))));
      if (r.count() == 0)
        return std::optional<account>{};
      return std::optional<account>{account{
          domain::user{r.int64(0, 0), r.text(0, 1)},
          r.text(0, 2),
      }};
    });
  }

  result<void> create_token(std::int64_t user_id, const std::string& token_hash,
                            const std::string& now,
                            const std::string& expires_at) override {
    return guarded("create_token", [&]() -> result<void> {
      BOOST_OUTCOME_TRY(auto tx,
                        transaction::begin(db_, transaction::mode::read_write));
      // Expired tokens are never found again; dropping them at each login
      // keeps the table bounded without a separate sweeper.
      BOOST_OUTCOME_TRY(db_.exec("create_token: purge expired",
                                 "DELETE FROM tokens WHERE expires_at <= $1",
                                 params{}.add(now)));
      if (auto r = db_.exec(
              "create_token",
              "INSERT INTO tokens (token_hash, user_id, "
              "created_at, expires_at) VALUES ($1, $2, $3, $4)",
              params{}.add(token_hash).add(user_id).add(now).add(expires_at));
          !r) {
        if (db_.last_sqlstate() == pg::foreign_key_violation)
          return user_not_found(user_id);
        return std::move(r).error();
      }
      return tx.commit();
    });
  }

  result<std::optional<domain::user>>
  find_token_user(const std::string& token_hash,
                  const std::string& now) override {
    return guarded(
        "find_token_user", [&]() -> result<std::optional<domain::user>> {
          // RFC 3339 UTC strings of one fixed format compare like the
          // instants they name.
          BOOST_OUTCOME_TRY(
              auto r,
              db_.exec("find_token_user",
                       "SELECT u.id, u.username FROM tokens t JOIN users "
                       "u ON u.id = t.user_id WHERE t.token_hash = $1 "
                       "AND t.expires_at > $2",
                       params{}.add(token_hash).add(now)));
          if (r.count() == 0)
            return std::optional<domain::user>{};
          return std::optional<domain::user>{
              domain::user{r.int64(0, 0), r.text(0, 1)}};
        });
  }

  result<bool> delete_token(const std::string& token_hash) override {
    return guarded("delete_token", [&]() -> result<bool> {
      BOOST_OUTCOME_TRY(auto r,
                        db_.exec("delete_token",
                                 "DELETE FROM tokens WHERE token_hash = $1",
                                 params{}.add(token_hash)));
      return r.affected() > 0;
    });
  }

  // -- boards -----------------------------------------------------------------

  result<domain::board_page> list_boards(std::int64_t creator_id, int limit,
                                         std::int64_t after) override {
    return guarded("list_boards", [&]() -> result<domain::board_page> {
      domain::board_page page;
      if (limit <= 0)
        return page;
      const std::int64_t below =
          after > 0 ? after : std::numeric_limits<std::int64_t>::max();
      // One row more than asked tells whether another page exists.
      const std::int64_t fetch = static_cast<std::int64_t>(limit) + 1;
      // Two statements rather than one with "$1 = 0 OR ...": each then walks
      // its own index (the key, or boards_creator) newest first and stops.
      BOOST_OUTCOME_TRY(
          auto r, creator_id != 0
                      ? db_.exec("list_boards",
                                 "SELECT " DOTS_BOARD_COLUMNS
                                 "WHERE b.creator_id = $1 AND b.id < $2 "
                                 "ORDER BY b.id DESC LIMIT $3",
                                 params{}.add(creator_id).add(below).add(fetch))
                      : db_.exec("list_boards",
                                 "SELECT " DOTS_BOARD_COLUMNS "WHERE b.id < $1 "
                                 "ORDER BY b.id DESC LIMIT $2",
                                 params{}.add(below).add(fetch)));
      for (int i = 0; i < r.count(); ++i) {
        if (page.boards.size() == static_cast<std::size_t>(limit)) {
          page.next = page.boards.back().id;
          break;
        }
        BOOST_OUTCOME_TRY(auto b, read_board(r, i));
        page.boards.push_back(std::move(b));
      }
      return page;
    });
  }

  result<domain::board> get_board(std::int64_t id) override {
    return guarded("get_board", [&] { return load_board(id, row_lock::none); });
  }

  result<change<domain::board>> create_board(std::int64_t creator_id,
                                             const domain::board_draft& draft,
                                             const std::string& now) override {
    return guarded("create_board", [&]() -> result<change<domain::board>> {
      BOOST_OUTCOME_TRY(auto tx,
                        transaction::begin(db_, transaction::mode::read_write));
      auto ins = db_.exec("create_board",
                          "INSERT INTO boards (name, rows, cols, dots, "
                          "creator_id, created_at, updated_at) VALUES ($1, "
                          "$2, $3, $4, $5, $6, $6) RETURNING id",
                          params{}
                              .add(draft.name)
                              .add(draft.rows)
                              .add(draft.cols)
                              .add(encode_dots(draft.dots))
                              .add(creator_id)
                              .add(now));
      if (!ins) {
        if (db_.last_sqlstate() == pg::foreign_key_violation)
          return user_not_found(creator_id);
        return std::move(ins).error();
      }
      // Read back through the same query as get_board, so that the event and
      // the returned board are exactly what later reads will see.
      BOOST_OUTCOME_TRY(auto b,
                        load_board(ins.value().int64(0, 0), row_lock::none));
      BOOST_OUTCOME_TRY(
          auto ev,
          append_event(domain::board_event(domain::event_type::new_board, b),
                       &now));
      BOOST_OUTCOME_TRY(tx.commit());
      return change<domain::board>{std::move(b), std::move(ev)};
    });
  }

  result<change<domain::board>> update_board(std::int64_t id,
                                             const domain::board_draft& draft,
                                             const std::string& now) override {
    return guarded("update_board", [&]() -> result<change<domain::board>> {
      BOOST_OUTCOME_TRY(auto tx,
                        transaction::begin(db_, transaction::mode::read_write));
      // FOR UPDATE: the decision to drop paths is made on the board as it
      // stays until commit, and save_path (FOR SHARE) cannot slip a path
      // drawn on the old grid in between.
      BOOST_OUTCOME_TRY(auto old, load_board(id, row_lock::update));
      if (domain::update_drops_paths(old, draft)) {
        // Saved paths were drawn on the old grid and dots: they would break
        // the path rules (and `complete` would lie), so they go.
        BOOST_OUTCOME_TRY(db_.exec("update_board: drop paths",
                                   "DELETE FROM paths WHERE board_id = $1",
                                   params{}.add(id)));
      }
      BOOST_OUTCOME_TRY(db_.exec("update_board",
                                 "UPDATE boards SET name = $1, rows = $2, "
                                 "cols = $3, dots = $4, updated_at = $5 "
                                 "WHERE id = $6",
                                 params{}
                                     .add(draft.name)
                                     .add(draft.rows)
                                     .add(draft.cols)
                                     .add(encode_dots(draft.dots))
                                     .add(now)
                                     .add(id)));
      BOOST_OUTCOME_TRY(auto b, load_board(id, row_lock::none));
      BOOST_OUTCOME_TRY(
          auto ev,
          append_event(
              domain::board_event(domain::event_type::board_updated, b), &now));
      BOOST_OUTCOME_TRY(tx.commit());
      return change<domain::board>{std::move(b), std::move(ev)};
    });
  }

  result<change<domain::board>> delete_board(std::int64_t id) override {
    return guarded("delete_board", [&]() -> result<change<domain::board>> {
      BOOST_OUTCOME_TRY(auto tx,
                        transaction::begin(db_, transaction::mode::read_write));
      // The event describes the board as it was, so read (and lock) it
      // first: a concurrent update cannot change what it says.
      BOOST_OUTCOME_TRY(auto b, load_board(id, row_lock::update));
      // Its paths go with it: ON DELETE CASCADE.
      BOOST_OUTCOME_TRY(db_.exec("delete_board",
                                 "DELETE FROM boards WHERE id = $1",
                                 params{}.add(id)));
      // The interface passes no `now` here: the server's clock stamps it.
      BOOST_OUTCOME_TRY(auto ev,
                        append_event(domain::board_event(
                                         domain::event_type::board_deleted, b),
                                     nullptr));
      BOOST_OUTCOME_TRY(tx.commit());
      return change<domain::board>{std::move(b), std::move(ev)};
    });
  }

  // -- paths ------------------------------------------------------------------

  result<domain::path> get_path(std::int64_t board_id,
                                std::int64_t user_id) override {
    return guarded("get_path", [&]() -> result<domain::path> {
      BOOST_OUTCOME_TRY(auto p, load_path(board_id, user_id));
      if (!p)
        return path_not_found(board_id, user_id);
      return std::move(*p);
    });
  }

  result<saved_path> save_path(std::int64_t board_id, std::int64_t user_id,
                               const std::vector<domain::segment>& segs,
                               bool complete, const std::string& now) override {
    return guarded("save_path", [&]() -> result<saved_path> {
      BOOST_OUTCOME_TRY(auto tx,
                        transaction::begin(db_, transaction::mode::read_write));
      // FOR SHARE keeps the board as read until commit: the event names it
      // as it is, and update_board's drop of stale paths waits for us (or
      // we for it) instead of racing. Saves of different users do not
      // block each other.
      BOOST_OUTCOME_TRY(auto b, load_board(board_id, row_lock::share));
      // One statement decides insert or update under the UNIQUE key, so two
      // first saves of one user from two instances cannot both be "created".
      // xmax is 0 only on a freshly inserted row version; the conflict path
      // locks the old row, and that lock stays on the updated version.
      auto up = db_.exec(
          "save_path",
          "INSERT INTO paths (board_id, user_id, segments, complete, "
          "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) "
          "ON CONFLICT (board_id, user_id) DO UPDATE SET segments = "
          "EXCLUDED.segments, complete = EXCLUDED.complete, updated_at = "
          "EXCLUDED.updated_at RETURNING (xmax = 0) AS created",
          params{}
              .add(board_id)
              .add(user_id)
              .add(encode_segments(segs))
              .add(complete)
              .add(now));
      if (!up) {
        if (db_.last_sqlstate() == pg::foreign_key_violation)
          return user_not_found(user_id);
        return std::move(up).error();
      }
      const bool created = up.value().boolean(0, 0);
      BOOST_OUTCOME_TRY(auto p, load_path(board_id, user_id));
      if (!p) // just written in this transaction: cannot be missing
        return domain::internal_error("save_path: path vanished");
      BOOST_OUTCOME_TRY(
          auto ev, append_event(domain::path_event(
                                    created ? domain::event_type::new_path
                                            : domain::event_type::path_updated,
                                    b, *p),
                                &now));
      BOOST_OUTCOME_TRY(tx.commit());
      return saved_path{std::move(*p), created, std::move(ev)};
    });
  }

  result<void> delete_path(std::int64_t board_id,
                           std::int64_t user_id) override {
    return guarded("delete_path", [&]() -> result<void> {
      BOOST_OUTCOME_TRY(auto r,
                        db_.exec("delete_path",
                                 "DELETE FROM paths WHERE board_id = $1 AND "
                                 "user_id = $2",
                                 params{}.add(board_id).add(user_id)));
      if (r.affected() == 0)
        return path_not_found(board_id, user_id);
      return domain::success();
    });
  }

  // -- event log --------------------------------------------------------------

  result<event_slice> events_after(std::int64_t after_id, int limit) override {
    return guarded("events_after", [&]() -> result<event_slice> {
      // One statement is one snapshot: the rows, the oldest id and the
      // newest id agree even while other instances append. The counter row
      // always exists, so the LEFT JOIN yields at least one row, whose
      // event columns are NULL when no event passes.
      BOOST_OUTCOME_TRY(
          auto r,
          db_.exec(
              "events_after",
              "SELECT c.last_id, (SELECT coalesce(min(id), 0) FROM events), "
              "e.id, e.type, e.board_id, e.board_name, e.username, e.path_id, "
              "e.complete FROM event_counter c LEFT JOIN LATERAL (SELECT * "
              "FROM "
              "events WHERE id > $1 ORDER BY id LIMIT $2) e ON true ORDER BY "
              "e.id",
              params{}.add(after_id).add(limit > 0 ? limit : 0)));
      event_slice slice;
      if (r.count() == 0)
        return domain::internal_error("events_after: event_counter is empty");
      slice.latest_id = r.int64(0, 0);
      slice.oldest_id = r.int64(0, 1);
      for (int i = 0; i < r.count(); ++i) {
        if (r.is_null(i, 2))
          continue;
        domain::event ev;
        ev.id = r.int64(i, 2);
        const auto name = r.text(i, 3);
        auto type = domain::event_type_from_name(name);
        if (!type)
          return domain::internal_error("event " + std::to_string(ev.id) +
                                        ": unknown type \"" + name + "\"");
        ev.type = *type;
        ev.board_id = r.int64(i, 4);
        ev.board_name = r.text(i, 5);
        ev.username = r.text(i, 6);
        ev.path_id = r.int64(i, 7);
        ev.complete = r.boolean(i, 8);
        slice.events.push_back(std::move(ev));
      }
      return slice;
    });
  }

  result<void> trim_events(std::int64_t keep) override {
    return guarded("trim_events", [&]() -> result<void> {
      if (keep < 0)
        return domain::internal_error("trim_events: negative keep");
      // By id, not by counting rows: every instance computes the same
      // oldest id from the shared counter, and ids have no holes.
      BOOST_OUTCOME_TRY(
          auto r,
          db_.exec("trim_events",
                   "DELETE FROM events WHERE id <= (SELECT last_id FROM "
                   "event_counter) - $1",
                   params{}.add(keep)));
      return domain::success();
    });
  }

private:
  result<domain::board> load_board(std::int64_t id, row_lock lock) {
    BOOST_OUTCOME_TRY(auto r, lock == row_lock::update
                                  ? db_.exec("get_board",
                                             "SELECT " DOTS_BOARD_COLUMNS
                                             "WHERE b.id = $1 FOR UPDATE OF b",
                                             params{}.add(id))
                              : lock == row_lock::share
                                  ? db_.exec("get_board",
                                             "SELECT " DOTS_BOARD_COLUMNS
                                             "WHERE b.id = $1 FOR SHARE OF b",
                                             params{}.add(id))
                                  : db_.exec("get_board",
                                             "SELECT " DOTS_BOARD_COLUMNS
                                             "WHERE b.id = $1",
                                             params{}.add(id)));
    if (r.count() == 0)
      return board_not_found(id);
    return read_board(r, 0);
  }

  result<std::optional<domain::path>> load_path(std::int64_t board_id,
                                                std::int64_t user_id) {
    BOOST_OUTCOME_TRY(auto r,
                      db_.exec("get_path",
                               "SELECT " DOTS_PATH_COLUMNS
                               "WHERE p.board_id = $1 AND p.user_id = $2",
                               params{}.add(board_id).add(user_id)));
    if (r.count() == 0)
      return std::optional<domain::path>{};
    BOOST_OUTCOME_TRY(auto p, read_path(r, 0));
    return std::optional<domain::path>{std::move(p)};
  }

  /// Appends an event inside the caller's transaction, after its change, and
  /// returns it with its id; `now` null: stamped by the server's clock.
  ///
  /// Event ids must become visible in increasing order with no holes, so
  /// that a reader of `id > cursor` (another instance's notifier, a client
  /// resuming anywhere) never skips one. A sequence cannot give that: it
  /// hands ids out in call order, but transactions commit in any order, so
  /// id 8 may be visible while 7 is still uncommitted and a reader at 8
  /// would never see 7. Instead the id comes from the one-row
  /// event_counter: its UPDATE takes the row lock, which every other writer
  /// waits for until this transaction commits or rolls back. Ids are thus
  /// handed out in commit order, and a rollback gives its id back.
  ///
  /// The lock serialises every writer of every instance, so it is taken as
  /// late as possible: after the change itself, in the last statement
  /// before COMMIT. The counter, the event row and the NOTIFY go in one
  /// statement (one round trip inside the serialised section). The NOTIFY
  /// is delivered at commit, empty: a wake-up for the other instances'
  /// listeners, which then read the rows by id.
  result<domain::event> append_event(domain::event ev, const std::string* now) {
    params args;
    args.add(domain::event_name(ev.type))
        .add(ev.board_id)
        .add(ev.board_name)
        .add(ev.username)
        .add(ev.path_id)
        .add(ev.complete);
    if (now)
      args.add(*now);
    else
      args.add_null();
    args.add(std::string_view(pg_event_channel));
    BOOST_OUTCOME_TRY(
        auto r,
        db_.exec(
            "append event",
            "WITH next AS (UPDATE event_counter SET last_id = last_id + 1 "
            "RETURNING last_id), added AS (INSERT INTO events (id, type, "
            "board_id, board_name, username, path_id, complete, created_at) "
            "SELECT last_id, $1::text, $2::bigint, $3::text, $4::text, "
            "$5::bigint, $6::boolean, coalesce($7::text, to_char(now() AT TIME "
            "ZONE 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) FROM next "
            "RETURNING "
            "id) SELECT id, pg_notify($8::text, '') FROM added",
            args));
    if (r.count() != 1)
      return domain::internal_error("append event: event_counter is empty");
    ev.id = r.int64(0, 0);
    return ev;
  }

  connection db_;
};

#undef DOTS_BOARD_COLUMNS
#undef DOTS_PATH_COLUMNS

} // namespace

result<std::unique_ptr<store>> open_pg_store(const std::string& uri,
                                             const connection_limits& limits) {
  return guarded("open", [&]() -> result<std::unique_ptr<store>> {
    BOOST_OUTCOME_TRY(auto db, connection::open(uri, limits));
    BOOST_OUTCOME_TRY(pg::migrate(db));
    return std::unique_ptr<store>(std::make_unique<pg_store>(std::move(db)));
  });
}

} // namespace dots::storage
