#include "storage/pg_schema.hpp"

#include "storage/pg_store.hpp"

#include <array>
#include <string>

namespace dots::storage {

namespace pg {

namespace {

// v1: the same tables as the SQLite backend's versions 1 and 2, so that both
// backends answer alike. Timestamps stay the RFC 3339 UTC text the callers
// pass (one fixed format compares like the instants it names), and lists
// (dots, segments) stay the JSON text of json_columns.hpp.
//
// Identity columns never hand out an id twice, even after a delete or a
// rollback: events, links and `board=<id>` stream filters keep meaning what
// they meant. Event ids are NOT a sequence: they come from event_counter,
// updated in the writing transaction, so that they follow commit order
// (see append_event in pg_store.cpp). events.board_id has no foreign key on
// purpose: a boardDeleted event outlives its board.
constexpr const char* v1_script = R"sql(
CREATE TABLE schema_version (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at text NOT NULL
);

CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username      text NOT NULL,
  username_key  text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at    text NOT NULL
);

CREATE TABLE tokens (
  token_hash text PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at text NOT NULL,
  expires_at text NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_expiry ON tokens (expires_at);

CREATE TABLE boards (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL,
  rows       integer NOT NULL,
  cols       integer NOT NULL,
  dots       text NOT NULL,
  creator_id bigint NOT NULL REFERENCES users (id),
  created_at text NOT NULL,
  updated_at text NOT NULL
);
CREATE INDEX boards_creator ON boards (creator_id, id);

CREATE TABLE paths (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  board_id   bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
  user_id    bigint NOT NULL REFERENCES users (id),
  segments   text NOT NULL,
  complete   boolean NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL,
  UNIQUE (board_id, user_id)
);
CREATE INDEX paths_user ON paths (user_id);

CREATE TABLE events (
  id         bigint PRIMARY KEY,
  type       text NOT NULL,
  board_id   bigint NOT NULL,
  board_name text NOT NULL,
  username   text NOT NULL,
  path_id    bigint NOT NULL,
  complete   boolean NOT NULL,
  created_at text NOT NULL
);
-- Replays filtered by board (`board=<id>`) read one board's events in order.
CREATE INDEX events_board ON events (board_id, id);

-- The newest event id ever assigned: one row, whose lock orders writers.
CREATE TABLE event_counter (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  last_id  bigint NOT NULL
);
INSERT INTO event_counter (last_id) VALUES (0);
)sql";

constexpr std::array<migration, 1> all_migrations{{
    {1, "accounts, boards, paths and the event log", v1_script},
}};

constexpr bool contiguous() {
  for (std::size_t i = 0; i < all_migrations.size(); ++i)
    if (all_migrations[i].version != static_cast<int>(i) + 1)
      return false;
  return true;
}
static_assert(contiguous(), "migration versions must be 1, 2, 3, ...");

constexpr int build_version = all_migrations.back().version;

domain::error too_new(int found) {
  return domain::error{
      .kind = domain::error_kind::internal,
      .code = "schema_too_new",
      .message = "database schema version " + std::to_string(found) +
                 " is newer than this build supports (" +
                 std::to_string(build_version) + "); refusing to open it",
      .field = {},
  };
}

} // namespace

std::span<const migration> migrations() {
  return all_migrations;
}

result<int> schema_version(connection& db) {
  // A database without our schema has no table to ask.
  BOOST_OUTCOME_TRY(
      auto exists, db.exec("read schema version",
                           "SELECT to_regclass('schema_version') IS NOT NULL"));
  if (!exists.boolean(0, 0))
    return 0;
  BOOST_OUTCOME_TRY(
      auto v, db.exec("read schema version",
                      "SELECT coalesce(max(version), 0) FROM schema_version"));
  return v.int32(0, 0);
}

result<void> migrate(connection& db) {
  // One transaction for every missing step: DDL is transactional here, so a
  // failed step leaves the database exactly as it was. The transaction-level
  // advisory lock makes instances that start together take turns; it is
  // released by COMMIT or ROLLBACK, or when a session dies, so an instance
  // killed half-way cannot leave it held. The version is read after the
  // lock (READ COMMITTED: each statement sees what committed before it), so
  // the second instance sees the first one's work and does nothing.
  BOOST_OUTCOME_TRY(auto tx,
                    transaction::begin(db, transaction::mode::read_write));
  BOOST_OUTCOME_TRY(db.exec("migration lock",
                            "SELECT pg_advisory_xact_lock($1)",
                            params{}.add(migration_lock_key)));
  BOOST_OUTCOME_TRY(auto current, schema_version(db));
  if (current > build_version)
    return too_new(current);
  if (current == build_version)
    return tx.commit();
  for (const auto& step : all_migrations) {
    if (step.version <= current)
      continue;
    const std::string what = "migration to v" + std::to_string(step.version) +
                             " (" + std::string(step.name) + ")";
    BOOST_OUTCOME_TRY(db.exec_script(what, step.script));
    BOOST_OUTCOME_TRY(
        db.exec(what,
                "INSERT INTO schema_version (version, name, "
                "applied_at) VALUES ($1, $2, to_char(now() AT TIME "
                "ZONE 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))",
                params{}.add(step.version).add(step.name)));
  }
  return tx.commit();
}

} // namespace pg

int pg_schema_version() {
  return pg::build_version;
}

} // namespace dots::storage
