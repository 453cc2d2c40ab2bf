#include "storage/sqlite_schema.hpp"

#include "storage/sqlite_store.hpp"

#include <array>
#include <string>

namespace dots::storage {

namespace sqlite {

namespace {

// v1: accounts, boards and paths. Boards and paths use AUTOINCREMENT so that
// the id of a deleted board is never handed out again: events, links and
// `board=<id>` stream filters keep meaning what they meant.
constexpr std::string_view v1_script = R"sql(
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  username      TEXT NOT NULL,
  username_key  TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at    TEXT NOT NULL
);

CREATE TABLE tokens (
  token_hash TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_expiry ON tokens (expires_at);

CREATE TABLE boards (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT NOT NULL,
  rows       INTEGER NOT NULL,
  cols       INTEGER NOT NULL,
  dots       TEXT NOT NULL,
  creator_id INTEGER NOT NULL REFERENCES users (id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX boards_creator ON boards (creator_id, id);

CREATE TABLE paths (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  board_id   INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users (id),
  segments   TEXT NOT NULL,
  complete   INTEGER NOT NULL CHECK (complete IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (board_id, user_id)
);
CREATE INDEX paths_user ON paths (user_id);
)sql";

// v2: the durable event log. AUTOINCREMENT keeps ids increasing even after
// the newest rows are trimmed, and sqlite_sequence then remembers the newest
// id ever assigned. board_id has no foreign key on purpose: a boardDeleted
// event outlives its board.
constexpr std::string_view v2_script = R"sql(
CREATE TABLE events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  type       TEXT NOT NULL,
  board_id   INTEGER NOT NULL,
  data       TEXT NOT NULL,
  created_at TEXT NOT NULL
             DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
-- Replays filtered by board (`board=<id>`) read one board's events in order.
CREATE INDEX events_board ON events (board_id, id);
)sql";

// v3: events keep typed fields instead of a JSON payload, so that the
// payload's shape is the domain's to decide (domain::event_data) and both
// backends store the same thing. Existing payloads are unpacked with SQLite's
// built-in JSON functions.
constexpr std::string_view v3_script = R"sql(
ALTER TABLE events ADD COLUMN board_name TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN username TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN path_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN complete INTEGER NOT NULL DEFAULT 0
  CHECK (complete IN (0, 1));
UPDATE events SET
  board_name = coalesce(json_extract(data, '$.board_name'), ''),
  username = coalesce(json_extract(data, '$.creator_username'),
                      json_extract(data, '$.user_username'), ''),
  path_id = coalesce(json_extract(data, '$.path_id'), 0),
  complete = CASE WHEN json_extract(data, '$.complete') THEN 1 ELSE 0 END;
ALTER TABLE events DROP COLUMN data;
)sql";

constexpr std::array<migration, 3> all_migrations{{
    {1, "accounts, boards and paths", v1_script},
    {2, "durable event log", v2_script},
    {3, "typed event fields", v3_script},
}};

constexpr bool contiguous() {
  for (std::size_t i = 0; i < all_migrations.size(); ++i)
    if (all_migrations[i].version != static_cast<int>(i) + 1)
      return false;
  return true;
}
static_assert(contiguous(), "migration versions must be 1, 2, 3, ...");

domain::error too_new(int found) {
  return domain::error{
      .kind = domain::error_kind::internal,
      .code = "schema_too_new",
      .message = "database schema version " + std::to_string(found) +
                 " is newer than this build supports (" +
                 std::to_string(all_migrations.back().version) +
                 "); refusing to open it",
      .field = {},
  };
}

result<void> apply(connection& db, const migration& step) {
  // The write lock first, then the version: of two processes opening an old
  // file at once, the second sees the first one's work and skips the step.
  BOOST_OUTCOME_TRY(auto tx,
                    transaction::begin(db, transaction::mode::immediate));
  BOOST_OUTCOME_TRY(auto current, schema_version(db));
  if (current > all_migrations.back().version)
    return too_new(current);
  if (current >= step.version)
    return tx.commit();
  if (auto r = db.exec(step.script); !r) {
    auto e = std::move(r).error();
    if (e.kind == domain::error_kind::internal)
      e.message = "migration to v" + std::to_string(step.version) + " (" +
                  std::string(step.name) + "): " + e.message;
    return e;
  }
  // PRAGMA takes no bound parameters; the number is our own constant.
  BOOST_OUTCOME_TRY(
      db.exec("PRAGMA user_version = " + std::to_string(step.version)));
  return tx.commit();
}

} // namespace

std::span<const migration> migrations() {
  return all_migrations;
}

result<int> schema_version(connection& db) {
  BOOST_OUTCOME_TRY(auto st, db.prepared("PRAGMA user_version"));
  if (const int rc = st->step(); rc != SQLITE_ROW)
    return st->failure("read schema version", rc);
  return st->column_int(0);
}

result<void> migrate(connection& db) {
  BOOST_OUTCOME_TRY(auto current, schema_version(db));
  if (current > all_migrations.back().version)
    return too_new(current);
  for (const auto& step : all_migrations) {
    if (step.version <= current)
      continue;
    if (auto r = apply(db, step); !r)
      return r;
  }
  return domain::success();
}

} // namespace sqlite

int sqlite_schema_version() {
  return sqlite::all_migrations.back().version;
}

} // namespace dots::storage
