#include "storage/sqlite_schema.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/storage_fixture.hpp"

#include <atomic>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

namespace dots::storage {
namespace {

using domain::error_kind;
using test::raw_db;

class SqliteSchema : public ::testing::Test {
protected:
  std::filesystem::path file() const { return dir_.path() / "dots.db"; }

  /// A version-1 file as an older build left it, with a little of
  /// everything in it.
  void make_v1_file() {
    raw_db raw(file());
    ASSERT_TRUE(raw.exec(test::v1_schema));
    ASSERT_TRUE(raw.exec(R"sql(
      INSERT INTO users (id, username, username_key, password_hash, created_at)
        VALUES (1, 'Alice', 'alice', 'hash-a', '2025-01-01T00:00:00Z'),
               (2, 'bob', 'bob', 'hash-b', '2025-01-02T00:00:00Z');
      INSERT INTO tokens VALUES
        ('tok-a', 1, '2025-01-01T00:00:00Z', '2030-01-01T00:00:00Z');
      INSERT INTO boards (id, name, rows, cols, dots, creator_id, created_at,
                          updated_at)
        VALUES (7, 'Stara plansza', 3, 3,
                '[{"row":0,"col":0,"color":"#ff0000"},{"row":2,"col":2,"color":"#ff0000"}]',
                1, '2025-01-03T00:00:00Z', '2025-01-04T00:00:00Z');
      INSERT INTO paths (id, board_id, user_id, segments, complete, created_at,
                         updated_at)
        VALUES (3, 7, 2, '[{"color":"#ff0000","cells":[[0,0],[0,1]]}]', 0,
                '2025-01-05T00:00:00Z', '2025-01-05T00:00:00Z');
    )sql"));
  }

  test::temp_dir dir_;
};

TEST_F(SqliteSchema, MigrationsAreContiguousAndEndAtTheBuildVersion) {
  const auto steps = sqlite::migrations();
  ASSERT_GE(steps.size(), 2U);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(steps[i].name.empty());
    EXPECT_FALSE(steps[i].script.empty());
  }
  EXPECT_EQ(steps.back().version, sqlite_schema_version());
}

TEST_F(SqliteSchema, FreshFileGetsTheCurrentSchema) {
  {
    auto s = open_sqlite_store(file());
    ASSERT_TRUE(s) << s.error().message;
  }
  raw_db raw(file());
  EXPECT_EQ(raw.int_value("PRAGMA user_version"), sqlite_schema_version());
  for (const char* table : {"users", "tokens", "boards", "paths", "events"})
    EXPECT_EQ(raw.int_value(std::string("SELECT count(*) FROM sqlite_schema "
                                        "WHERE type = 'table' AND name = '") +
                            table + "'"),
              1)
        << table;
  EXPECT_EQ(raw.int_value("SELECT count(*) FROM sqlite_schema WHERE type = "
                          "'index' AND name = 'events_board'"),
            1);
}

TEST_F(SqliteSchema, ReopeningACurrentFileChangesNothing) {
  for (int i = 0; i < 3; ++i) {
    auto s = open_sqlite_store(file());
    ASSERT_TRUE(s) << s.error().message;
  }
  raw_db raw(file());
  EXPECT_EQ(raw.int_value("PRAGMA user_version"), sqlite_schema_version());
}

TEST_F(SqliteSchema, UpgradesAVersion1FileKeepingItsData) {
  make_v1_file();
  {
    raw_db raw(file());
    ASSERT_EQ(raw.int_value("PRAGMA user_version"), 1);
    ASSERT_EQ(raw.int_value("SELECT count(*) FROM sqlite_schema WHERE name = "
                            "'events'"),
              0);
  }

  auto opened = open_sqlite_store(file());
  ASSERT_TRUE(opened) << opened.error().message;
  auto& db = *opened.value();
  {
    raw_db raw(file());
    EXPECT_EQ(raw.int_value("PRAGMA user_version"), sqlite_schema_version());
    EXPECT_EQ(raw.count("events"), 0);
  }

  auto alice = db.find_account("ALICE");
  ASSERT_TRUE(alice && alice.value().has_value());
  EXPECT_EQ((alice.value())->user, (domain::user{1, "Alice"}));
  EXPECT_EQ((alice.value())->password_hash, "hash-a");
  auto token_user = db.find_token_user("tok-a", "2026-01-01T00:00:00Z");
  ASSERT_TRUE(token_user && token_user.value().has_value());
  EXPECT_EQ((token_user.value())->id, 1);

  auto board = db.get_board(7);
  ASSERT_TRUE(board) << board.error().message;
  EXPECT_EQ(board.value().name, "Stara plansza");
  EXPECT_EQ(board.value().rows, 3);
  EXPECT_EQ(board.value().creator_username, "Alice");
  EXPECT_EQ(board.value().dots,
            (std::vector<domain::dot>{{0, 0, "#ff0000"}, {2, 2, "#ff0000"}}));
  EXPECT_EQ(board.value().updated_at, "2025-01-04T00:00:00Z");

  auto path = db.get_path(7, 2);
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(path.value().id, 3);
  EXPECT_EQ(path.value().user_username, "bob");
  ASSERT_EQ(path.value().segments.size(), 1U);
  EXPECT_EQ(path.value().segments[0].cells,
            (std::vector<domain::cell>{{0, 0}, {0, 1}}));

  // The upgraded file works as a new one: an old path's next save is an
  // update, new boards continue the old ids, and the log starts at 1.
  auto saved = db.save_path(7, 2, {{"#ff0000", {{0, 0}}}}, false,
                            "2026-01-01T00:00:00Z");
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_FALSE(saved.value().created);
  EXPECT_EQ(saved.value().event.id, 1);
  auto fresh = db.create_board(2, test::sample_draft(), "2026-01-01T00:00:00Z");
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_GT(fresh.value().value.id, 7);
  EXPECT_EQ(fresh.value().event.id, 2);
}

TEST_F(SqliteSchema, UpgradesAVersion2LogToTypedFieldsWithTheSamePayloads) {
  // A version-2 file kept each event's JSON payload as text; version 3
  // keeps typed fields and builds the payload. Every old event must come
  // back with the bytes the old server sent for it.
  make_v1_file();
  const std::vector<std::pair<std::string, std::string>> old_events{
      {"newBoard",
       R"({"board_id":7,"board_name":"Stara \"plansza\"","creator_username":"Alice"})"},
      {"newPath",
       R"({"path_id":3,"board_id":7,"board_name":"Stara","user_username":"bob"})"},
      {"pathUpdated",
       R"({"path_id":3,"board_id":7,"board_name":"Stara","user_username":"bob","complete":true})"},
      {"pathUpdated",
       R"({"path_id":3,"board_id":7,"board_name":"Stara","user_username":"bob","complete":false})"},
      {"boardDeleted",
       R"({"board_id":7,"board_name":"Żółta\nnowa","creator_username":"Alice"})"},
  };
  {
    raw_db raw(file());
    ASSERT_TRUE(raw.exec(std::string{sqlite::migrations()[1].script} +
                         "PRAGMA user_version = 2;"));
    for (const auto& [type, data] : old_events)
      ASSERT_TRUE(
          raw.exec("INSERT INTO events (type, board_id, data) VALUES ('" +
                   type + "', 7, '" + data + "')"));
  }
  auto opened = open_sqlite_store(file());
  ASSERT_TRUE(opened) << opened.error().message;
  auto slice = (opened.value())->events_after(0, 100);
  ASSERT_TRUE(slice) << slice.error().message;
  ASSERT_EQ(slice.value().events.size(), old_events.size());
  for (std::size_t i = 0; i < old_events.size(); ++i) {
    SCOPED_TRACE(i);
    const auto& ev = slice.value().events[i];
    EXPECT_EQ(ev.id, static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(domain::event_name(ev.type), old_events[i].first);
    EXPECT_EQ(ev.board_id, 7);
    EXPECT_EQ(domain::event_data(ev), old_events[i].second);
  }
  EXPECT_EQ(slice.value().latest_id, 5);
  // New events continue the old ids.
  auto fresh =
      (opened.value())
          ->create_board(2, test::sample_draft(), "2026-01-01T00:00:00Z");
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_EQ(fresh.value().event.id, 6);
  raw_db raw(file());
  EXPECT_EQ(raw.int_value("SELECT count(*) FROM pragma_table_info('events') "
                          "WHERE name = 'data'"),
            0);
}

TEST_F(SqliteSchema, RefusesAFileNewerThanTheBuild) {
  {
    raw_db raw(file());
    ASSERT_TRUE(raw.exec("CREATE TABLE future (x); PRAGMA user_version = 99;"));
  }
  auto s = open_sqlite_store(file());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, error_kind::internal);
  EXPECT_EQ(s.error().code, "schema_too_new");
  EXPECT_NE(s.error().message.find("99"), std::string::npos)
      << s.error().message;
  // The file is left as it was.
  raw_db raw(file());
  EXPECT_EQ(raw.int_value("PRAGMA user_version"), 99);
  EXPECT_EQ(raw.int_value("SELECT count(*) FROM sqlite_schema WHERE name = "
                          "'users'"),
            0);
}

TEST_F(SqliteSchema, AFailedStepRollsBackAndKeepsTheOldVersion) {
  make_v1_file();
  {
    // Someone's stray table makes step 2 fail half-way.
    raw_db raw(file());
    ASSERT_TRUE(raw.exec("CREATE TABLE stray (x);"
                         "CREATE INDEX events_board ON stray (x);"));
  }
  auto s = open_sqlite_store(file());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, error_kind::internal);
  EXPECT_NE(s.error().message.find("v2"), std::string::npos)
      << s.error().message;
  raw_db raw(file());
  EXPECT_EQ(raw.int_value("PRAGMA user_version"), 1);
  // Not even the statements before the failing one remain.
  EXPECT_EQ(raw.int_value("SELECT count(*) FROM sqlite_schema WHERE name = "
                          "'events'"),
            0);
  EXPECT_EQ(raw.count("boards"), 1);
}

TEST_F(SqliteSchema, ConcurrentOpenersOfAFreshFileBothSucceed) {
  for (const auto& f :
       test::open_together(4, [&] { return open_sqlite_store(file()); }))
    EXPECT_EQ(f, "");
  raw_db raw(file());
  EXPECT_EQ(raw.int_value("PRAGMA user_version"), sqlite_schema_version());
}

TEST_F(SqliteSchema, ConcurrentOpenersOfAnOldFileMigrateItOnce) {
  make_v1_file();
  for (const auto& f :
       test::open_together(4, [&] { return open_sqlite_store(file()); }))
    EXPECT_EQ(f, "");
  raw_db raw(file());
  EXPECT_EQ(raw.int_value("PRAGMA user_version"), sqlite_schema_version());
  EXPECT_EQ(raw.count("boards"), 1);
  EXPECT_EQ(raw.count("events"), 0);
}

} // namespace
} // namespace dots::storage
