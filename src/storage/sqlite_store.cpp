#include "storage/sqlite_store.hpp"

#include "domain/rules.hpp"
#include "storage/json_columns.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/sqlite_schema.hpp"
#include "util/log.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <limits>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace dots::storage {

namespace {

using domain::error;
using domain::error_kind;
using sqlite::connection;
using sqlite::transaction;

// Several connections (one per persistence actor) share the file; a writer
// waits this long for another's transaction before giving up.
constexpr int busy_timeout_ms = 5000;

error conflict_username(const std::string& username) {
  return error{
      .kind = error_kind::conflict,
      .code = "username_taken",
      .message = "username \"" + username + "\" is taken",
      .field = "username",
  };
}

/// Runs a store operation so that nothing escapes it but a result: an
/// exception (out of memory, a JSON builder) becomes an internal error, and
/// the unwinding rolls back any open transaction.
template <class F>
auto guarded(const char* what, F&& f) noexcept -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return sqlite::failure(what, e.what());
  } catch (...) {
    return sqlite::failure(what, "unknown exception");
  }
}

/// Steps a statement that yields at most one row: true when it did.
result<bool> next_row(sqlite::statement& st, std::string_view what) {
  switch (const int rc = st.step()) {
  case SQLITE_ROW:
    return true;
  case SQLITE_DONE:
    return false;
  default:
    return st.failure(what, rc);
  }
}

/// Steps a statement that yields no rows.
result<void> run(sqlite::statement& st, std::string_view what) {
  const int rc = st.step();
  if (rc == SQLITE_DONE)
    return domain::success();
  return st.failure(what, rc);
}

// The columns every board query selects, in the order read_board expects.
#define DOTS_BOARD_COLUMNS                                                     \
  "b.id, b.name, b.rows, b.cols, b.dots, b.creator_id, u.username, "           \
  "b.created_at, b.updated_at FROM boards b JOIN users u ON u.id = "           \
  "b.creator_id "

result<domain::board> read_board(const sqlite::statement& st) {
  domain::board b;
  b.id = st.column_int64(0);
  b.name = st.column_text(1);
  b.rows = st.column_int(2);
  b.cols = st.column_int(3);
  auto dots = decode_dots(st.column_text(4));
  if (!dots)
    return domain::internal_error("board " + std::to_string(b.id) +
                                  ": stored dots are not valid JSON");
  b.dots = std::move(*dots);
  b.creator_id = st.column_int64(5);
  b.creator_username = st.column_text(6);
  b.created_at = st.column_text(7);
  b.updated_at = st.column_text(8);
  return b;
}

#define DOTS_PATH_COLUMNS                                                      \
  "p.id, p.board_id, p.user_id, u.username, p.segments, p.complete, "          \
  "p.created_at, p.updated_at FROM paths p JOIN users u ON u.id = p.user_id "

result<domain::path> read_path(const sqlite::statement& st) {
  domain::path p;
  p.id = st.column_int64(0);
  p.board_id = st.column_int64(1);
  p.user_id = st.column_int64(2);
  p.user_username = st.column_text(3);
  auto segments = decode_segments(st.column_text(4));
  if (!segments)
    return domain::internal_error("path " + std::to_string(p.id) +
                                  ": stored segments are not valid JSON");
  p.segments = std::move(*segments);
  p.complete = st.column_int(5) != 0;
  p.created_at = st.column_text(6);
  p.updated_at = st.column_text(7);
  return p;
}

error board_not_found(std::int64_t id) {
  return domain::not_found("board " + std::to_string(id) + " not found");
}

class sqlite_store final : public store {
public:
  explicit sqlite_store(connection db)
      : db_(std::move(db)) {}
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  ~sqlite_store() override {
    // SQLite empties and removes the write-ahead log when the last
    // connection to a file closes, but only if that close can lock the file
    // exclusively. The persistence actors close their connections at the
    // same moment at shutdown, so each may still see another open and none
    // checkpoints: the WAL stays, with committed pages only it holds. The
    // file is consistent, but a later start on a read-only file system
    // cannot read it (open_immutable). So each connection copies the log
    // into the database and truncates it as it goes; connections that are
    // idle do not hold a checkpoint back, and one that cannot finish (the
    // busy timeout) leaves the log to the next.
    if (db_.handle() != nullptr &&
        sqlite3_db_readonly(db_.handle(), "main") == 0)
      (void)db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  // -- accounts ---------------------------------------------------------------

  result<domain::user> create_user(const std::string& username,
                                   const std::string& password_hash,
                                   const std::string& now) override {
    return guarded("create_user", [&]() -> result<domain::user> {
      BOOST_OUTCOME_TRY(
          auto st,
          db_.prepared("INSERT INTO users (username, username_key, "
                       "password_hash, created_at) VALUES (?, ?, ?, ?)"));
      (st)->bind(1, username)
          .bind(2, domain::username_key(username))
          .bind(3, password_hash)
          .bind(4, now);
      // The UNIQUE index decides, not a prior SELECT: another connection
      // may register the same name between the two.
      const int rc = st->step();
      if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return conflict_username(username);
      if (rc != SQLITE_DONE)
        return st->failure("create_user", rc);
      return domain::user{db_.last_insert_rowid(), username};
    });
  }

  result<std::optional<account>>
  find_account(const std::string& username) override {
    return guarded("find_account", [&]() -> result<std::optional<account>> {
      BOOST_OUTCOME_TRY(
          auto st, db_.prepared("SELECT id, username, password_hash FROM users "
                                "WHERE username_key = ?"));
      st->bind(1, domain::username_key(username));
      BOOST_OUTCOME_TRY(auto row, next_row(*st, "find_account"));
      if (!row)
        return std::optional<account>{};
      return std::optional<account>{account{
          domain::user{st->column_int64(0), st->column_text(1)},
          st->column_text(2),
      }};
    });
  }

  result<void> create_token(std::int64_t user_id, const std::string& token_hash,
                            const std::string& now,
                            const std::string& expires_at) override {
    return guarded("create_token", [&]() -> result<void> {
      BOOST_OUTCOME_TRY(auto tx,
                        transaction::begin(db_, transaction::mode::immediate));
      {
        // Expired tokens are never found again; dropping them at each login
        // keeps the table bounded without a separate sweeper.
        BOOST_OUTCOME_TRY(
            auto st, db_.prepared("DELETE FROM tokens WHERE expires_at <= ?"));
        st->bind(1, now);
        if (auto r = run(*st, "create_token: purge expired"); !r)
          return r;
      }
      BOOST_OUTCOME_TRY(
          auto st, db_.prepared("INSERT INTO tokens (token_hash, user_id, "
                                "created_at, expires_at) VALUES (?, ?, ?, ?)"));
      (st)->bind(1, token_hash)
          .bind(2, user_id)
          .bind(3, now)
          .bind(4, expires_at);
      const int rc = st->step();
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return domain::not_found("user " + std::to_string(user_id) +
                                 " not found");
      if (rc != SQLITE_DONE)
        return st->failure("create_token", rc);
      return tx.commit();
    });
  }

  result<std::optional<domain::user>>
  find_token_user(const std::string& token_hash,
                  const std::string& now) override {
    return guarded(
        "find_token_user", [&]() -> result<std::optional<domain::user>> {
          // RFC 3339 UTC strings of one fixed format compare
          // like the instants they name.
          BOOST_OUTCOME_TRY(
              auto st,
              db_.prepared("SELECT u.id, u.username FROM tokens t JOIN users u "
                           "ON u.id = t.user_id WHERE t.token_hash = ? AND "
                           "t.expires_at > ?"));
          st->bind(1, token_hash).bind(2, now);
          BOOST_OUTCOME_TRY(auto row, next_row(*st, "find_token_user"));
          if (!row)
            return std::optional<domain::user>{};
          return std::optional<domain::user>{
              domain::user{st->column_int64(0), st->column_text(1)}};
        });
  }

  result<bool> delete_token(const std::string& token_hash) override {
    return guarded("delete_token", [&]() -> result<bool> {
      BOOST_OUTCOME_TRY(
          auto st, db_.prepared("DELETE FROM tokens WHERE token_hash = ?"));
      st->bind(1, token_hash);
      BOOST_OUTCOME_TRY(run(*st, "delete_token"));
      return db_.changes() > 0;
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
      // Two statements rather than one with "? = 0 OR ...": each then walks
      // its own index (rowid, or boards_creator) newest first and stops.
      BOOST_OUTCOME_TRY(
          auto st,
          creator_id != 0
              ? db_.prepared("SELECT " DOTS_BOARD_COLUMNS
                             "WHERE b.creator_id = ?1 AND b.id < ?2 "
                             "ORDER BY b.id DESC LIMIT ?3")
              : db_.prepared("SELECT " DOTS_BOARD_COLUMNS "WHERE b.id < ?2 "
                             "ORDER BY b.id DESC LIMIT ?3"));
      if (creator_id != 0)
        st->bind(1, creator_id);
      st->bind(2, below).bind(3, fetch);
      for (;;) {
        BOOST_OUTCOME_TRY(auto row, next_row(*st, "list_boards"));
        if (!row)
          break;
        if (page.boards.size() == static_cast<std::size_t>(limit)) {
          page.next = page.boards.back().id;
          break;
        }
        BOOST_OUTCOME_TRY(auto b, read_board(*st));
        page.boards.push_back(std::move(b));
      }
      return page;
    });
  }

  result<domain::board> get_board(std::int64_t id) override {
    return guarded("get_board", [&] { return load_board(id); });
  }

  result<change<domain::board>> create_board(std::int64_t creator_id,
                                             const domain::board_draft& draft,
                                             const std::string& now) override {
    return guarded("create_board", [&]() -> result<change<domain::board>> {
      BOOST_OUTCOME_TRY(auto tx,
                        transaction::begin(db_, transaction::mode::immediate));
      std::int64_t id = 0;
      {
        BOOST_OUTCOME_TRY(
            auto st,
            db_.prepared(
                "INSERT INTO boards (name, rows, cols, dots, creator_id, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
        (st)->bind(1, draft.name)
            .bind(2, draft.rows)
            .bind(3, draft.cols)
            .bind(4, encode_dots(draft.dots))
            .bind(5, creator_id)
            .bind(6, now)
            .bind(7, now);
        const int rc = st->step();
        if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
          return domain::not_found("user " + std::to_string(creator_id) +
                                   " not found");
        if (rc != SQLITE_DONE)
          return st->failure("create_board", rc);
        id = db_.last_insert_rowid();
      }
      // Read back through the same query as get_board, so that the event and
      // the returned board are exactly what later reads will see.
      BOOST_OUTCOME_TRY(auto b, load_board(id));
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
                        transaction::begin(db_, transaction::mode::immediate));
      BOOST_OUTCOME_TRY(auto old, load_board(id));
      if (domain::update_drops_paths(old, draft)) {
        BOOST_OUTCOME_TRY(auto st,
                          db_.prepared("DELETE FROM paths WHERE board_id = ?"));
        st->bind(1, id);
        BOOST_OUTCOME_TRY(run(*st, "update_board"));
      }
      {
        BOOST_OUTCOME_TRY(auto st,
                          db_.prepared("UPDATE boards SET name = ?, rows = ?, "
                                       "cols = ?, dots = ?, updated_at = ? "
                                       "WHERE id = ?"));
        (st)->bind(1, draft.name)
            .bind(2, draft.rows)
            .bind(3, draft.cols)
            .bind(4, encode_dots(draft.dots))
            .bind(5, now)
            .bind(6, id);
        BOOST_OUTCOME_TRY(run(*st, "update_board"));
        if (db_.changes() == 0)
          return board_not_found(id);
      }
      BOOST_OUTCOME_TRY(auto b, load_board(id));
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
                        transaction::begin(db_, transaction::mode::immediate));
      // The event describes the board as it was, so read it first.
      BOOST_OUTCOME_TRY(auto b, load_board(id));
      {
        // Its paths go with it: ON DELETE CASCADE (foreign_keys is on).
        BOOST_OUTCOME_TRY(auto st,
                          db_.prepared("DELETE FROM boards WHERE id = ?"));
        st->bind(1, id);
        BOOST_OUTCOME_TRY(run(*st, "delete_board"));
      }
      // The interface passes no `now` here: the log's own clock stamps it.
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
      // Immediate: the existence check and the write below must see the same
      // state, or two saves of one user could both take the insert branch.
      BOOST_OUTCOME_TRY(auto tx,
                        transaction::begin(db_, transaction::mode::immediate));
      BOOST_OUTCOME_TRY(auto b, load_board(board_id));
      BOOST_OUTCOME_TRY(auto existing, path_id(board_id, user_id));
      const bool created = existing == 0;
      const std::string encoded = encode_segments(segs);
      if (created) {
        BOOST_OUTCOME_TRY(
            auto st,
            db_.prepared(
                "INSERT INTO paths (board_id, user_id, segments, complete, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"));
        (st)->bind(1, board_id)
            .bind(2, user_id)
            .bind(3, encoded)
            .bind(4, complete ? 1 : 0)
            .bind(5, now)
            .bind(6, now);
        const int rc = st->step();
        if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
          return domain::not_found("user " + std::to_string(user_id) +
                                   " not found");
        if (rc != SQLITE_DONE)
          return st->failure("save_path", rc);
      } else {
        BOOST_OUTCOME_TRY(
            auto st,
            db_.prepared("UPDATE paths SET segments = ?, complete = ?, "
                         "updated_at = ? WHERE id = ?"));
        (st)->bind(1, encoded)
            .bind(2, complete ? 1 : 0)
            .bind(3, now)
            .bind(4, existing);
        BOOST_OUTCOME_TRY(run(*st, "save_path"));
      }
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
      BOOST_OUTCOME_TRY(
          auto st,
          db_.prepared("DELETE FROM paths WHERE board_id = ? AND user_id = ?"));
      st->bind(1, board_id).bind(2, user_id);
      if (auto r = run(*st, "delete_path"); !r)
        return r;
      if (db_.changes() == 0)
        return path_not_found(board_id, user_id);
      return domain::success();
    });
  }

  // -- event log --------------------------------------------------------------

  result<event_slice> events_after(std::int64_t after_id, int limit) override {
    return guarded("events_after", [&]() -> result<event_slice> {
      // One read transaction: the rows, the oldest and the newest id come
      // from the same snapshot even while other connections append.
      BOOST_OUTCOME_TRY(auto tx,
                        transaction::begin(db_, transaction::mode::deferred));
      event_slice slice;
      if (limit > 0) {
        BOOST_OUTCOME_TRY(
            auto st,
            db_.prepared(
                "SELECT id, type, board_id, board_name, username, path_id, "
                "complete FROM events WHERE id > ? ORDER BY id LIMIT ?"));
        st->bind(1, after_id).bind(2, limit);
        for (;;) {
          BOOST_OUTCOME_TRY(auto row, next_row(*st, "events_after"));
          if (!row)
            break;
          domain::event ev;
          ev.id = st->column_int64(0);
          const auto name = st->column_text(1);
          auto type = domain::event_type_from_name(name);
          if (!type)
            return domain::internal_error("event " + std::to_string(ev.id) +
                                          ": unknown type \"" + name + "\"");
          ev.type = *type;
          ev.board_id = st->column_int64(2);
          ev.board_name = st->column_text(3);
          ev.username = st->column_text(4);
          ev.path_id = st->column_int64(5);
          ev.complete = st->column_int(6) != 0;
          slice.events.push_back(std::move(ev));
        }
      }
      {
        BOOST_OUTCOME_TRY(auto st, db_.prepared("SELECT min(id) FROM events"));
        BOOST_OUTCOME_TRY(auto row, next_row(*st, "events_after: oldest"));
        slice.oldest_id = row && !st->is_null(0) ? st->column_int64(0) : 0;
      }
      {
        // sqlite_sequence keeps the newest id ever assigned, so trimming
        // the whole log does not make ids look reusable.
        BOOST_OUTCOME_TRY(
            auto st,
            db_.prepared(
                "SELECT seq FROM sqlite_sequence WHERE name = 'events'"));
        BOOST_OUTCOME_TRY(auto row, next_row(*st, "events_after: latest"));
        slice.latest_id = row ? st->column_int64(0) : 0;
      }
      BOOST_OUTCOME_TRY(tx.commit());
      return slice;
    });
  }

  result<void> trim_events(std::int64_t keep) override {
    return guarded("trim_events", [&]() -> result<void> {
      if (keep < 0)
        return domain::internal_error("trim_events: negative keep");
      // By id, not by row count, so that the window is the same whoever
      // trims; sqlite_sequence holds the newest id ever assigned.
      BOOST_OUTCOME_TRY(
          auto st,
          db_.prepared(
              "DELETE FROM events WHERE id <= (SELECT seq FROM sqlite_sequence "
              "WHERE name = 'events') - ?"));
      st->bind(1, keep);
      return run(*st, "trim_events");
    });
  }

private:
  static error path_not_found(std::int64_t board_id, std::int64_t user_id) {
    return domain::not_found("no path of user " + std::to_string(user_id) +
                             " on board " + std::to_string(board_id));
  }

  result<domain::board> load_board(std::int64_t id) {
    BOOST_OUTCOME_TRY(
        auto st, db_.prepared("SELECT " DOTS_BOARD_COLUMNS "WHERE b.id = ?"));
    st->bind(1, id);
    BOOST_OUTCOME_TRY(auto row, next_row(*st, "get_board"));
    if (!row)
      return board_not_found(id);
    return read_board(*st);
  }

  result<std::optional<domain::path>> load_path(std::int64_t board_id,
                                                std::int64_t user_id) {
    BOOST_OUTCOME_TRY(auto st,
                      db_.prepared("SELECT " DOTS_PATH_COLUMNS
                                   "WHERE p.board_id = ? AND p.user_id = ?"));
    st->bind(1, board_id).bind(2, user_id);
    BOOST_OUTCOME_TRY(auto row, next_row(*st, "get_path"));
    if (!row)
      return std::optional<domain::path>{};
    BOOST_OUTCOME_TRY(auto p, read_path(*st));
    return std::optional<domain::path>{std::move(p)};
  }

  /// The id of a user's path on a board; 0 when none.
  result<std::int64_t> path_id(std::int64_t board_id, std::int64_t user_id) {
    BOOST_OUTCOME_TRY(
        auto st,
        db_.prepared(
            "SELECT id FROM paths WHERE board_id = ? AND user_id = ?"));
    st->bind(1, board_id).bind(2, user_id);
    BOOST_OUTCOME_TRY(auto row, next_row(*st, "save_path: lookup"));
    return row ? st->column_int64(0) : std::int64_t{0};
  }

  /// Appends an event inside the caller's transaction and returns it with
  /// its id. `now` null: stamped by SQLite's clock.
  result<domain::event> append_event(domain::event ev, const std::string* now) {
    BOOST_OUTCOME_TRY(
        auto st,
        db_.prepared(
            "INSERT INTO events (type, board_id, board_name, username, "
            "path_id, "
            "complete, created_at) VALUES (?, ?, ?, ?, ?, ?, coalesce(?, "
            "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))"));
    (st)->bind(1, domain::event_name(ev.type))
        .bind(2, ev.board_id)
        .bind(3, ev.board_name)
        .bind(4, ev.username)
        .bind(5, ev.path_id)
        .bind(6, ev.complete ? 1 : 0);
    if (now)
      st->bind(7, *now);
    else
      st->bind_null(7);
    BOOST_OUTCOME_TRY(run(*st, "append event"));
    ev.id = db_.last_insert_rowid();
    return ev;
  }

  connection db_;
};

#undef DOTS_BOARD_COLUMNS
#undef DOTS_PATH_COLUMNS

/// Switches the file to WAL (a no-op once it is: the mode is persistent).
result<void> enable_wal(connection& db) {
  // Switching from the rollback journal needs an exclusive lock, and SQLite
  // answers SQLITE_BUSY at once, without the busy handler, when two
  // connections that both hold a shared lock want it: exactly what happens
  // when two persistence actors open a new file together. So retry here, for
  // as long as the busy timeout would have waited.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(busy_timeout_ms);
  for (;;) {
    auto r = db.exec("PRAGMA journal_mode = WAL");
    if (r || sqlite3_errcode(db.handle()) != SQLITE_BUSY ||
        std::chrono::steady_clock::now() >= deadline)
      return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

/// `file` opened for reading only as an immutable database: the one way
/// SQLite reads a WAL file in a read-only folder that holds no WAL index
/// (-shm) and cannot get one. Refused when a WAL file is there, since
/// immutable reads ignore it and would miss committed changes.
result<connection> open_immutable(const std::filesystem::path& file) {
  std::error_code ec;
  const auto wal = std::filesystem::path(file.string() + "-wal");
  if (std::filesystem::exists(wal, ec) &&
      std::filesystem::file_size(wal, ec) > 0)
    return sqlite::failure("open " + file.string(),
                           "the database is read-only and has a write-ahead "
                           "log but no index for it (-shm); open it once "
                           "on a writable file system");
  // A URI file name: '%', '?' and '#' would otherwise end or alter the path.
  std::string uri = "file:";
  for (const char c : file.string()) {
    if (c == '%' || c == '?' || c == '#') {
      constexpr char hex[] = "0123456789ABCDEF";
      uri += '%';
      uri += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      uri += hex[static_cast<unsigned char>(c) & 0xf];
    } else {
      uri += c;
    }
  }
  uri += "?immutable=1";
  return connection::open(
      uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
      busy_timeout_ms);
}

} // namespace

result<std::unique_ptr<store>>
open_sqlite_store(const std::filesystem::path& file) {
  return guarded("open", [&]() -> result<std::unique_ptr<store>> {
    if (file.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(file.parent_path(), ec);
      if (ec)
        return sqlite::failure("create folder " + file.parent_path().string(),
                               ec.message());
    }
    BOOST_OUTCOME_TRY(auto db, connection::open(file.string(),
                                                SQLITE_OPEN_READWRITE |
                                                    SQLITE_OPEN_CREATE |
                                                    SQLITE_OPEN_NOMUTEX,
                                                busy_timeout_ms));
    // SQLite opens a file it may not write (a read-only mount: root ignores
    // file modes) for reading only, and says so here.
    const bool read_only = sqlite3_db_readonly(db.handle(), "main") == 1;
    // WAL lets the other connections read while one writes; NORMAL is
    // durable across process crashes in WAL mode, and foreign keys are off
    // by default in SQLite and must be asked for on every connection.
    if (auto r = enable_wal(db); !r) {
      if (!read_only)
        return r.error();
      BOOST_OUTCOME_TRY(db, open_immutable(file));
    }
    // Every persistence actor opens its own connection; one line says it.
    static std::atomic<bool> told{false};
    if (read_only && !told.exchange(true))
      log::warn("the database ", file.string(),
                " is read-only: serving reads; every change answers 503 "
                "until the server runs on a writable database");
    if (auto r = db.exec("PRAGMA synchronous = NORMAL;"
                         "PRAGMA foreign_keys = ON;");
        !r)
      return std::move(r).error();
    BOOST_OUTCOME_TRY(sqlite::migrate(db));
    return std::unique_ptr<store>(
        std::make_unique<sqlite_store>(std::move(db)));
  });
}

} // namespace dots::storage
