// What only the SQLite backend has to get right: its file, its folder and
// its write-ahead log. The behaviour both backends share (accounts, boards,
// paths, the event log) is tested once for both in store_contract_test.cpp.

#include "storage/database.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/storage_fixture.hpp"

#include <gtest/gtest.h>

namespace dots::storage {
namespace {

using test::raw_db;
using test::red_start;
using test::sample_draft;
using test::t0;
using test::t1;

class SqliteStore : public ::testing::Test {
protected:
  // A subfolder that does not exist yet: opening must create it.
  std::filesystem::path file() const {
    return dir_.path() / "data" / "dots.db";
  }

  test::temp_dir dir_;
};

TEST_F(SqliteStore, CreatesFolderAndUsesWal) {
  auto s = open_sqlite_store(file());
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(std::filesystem::exists(file()));
  raw_db raw(file());
  EXPECT_EQ(raw.text_value("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStore, OpenStoreTakesAFileNameOrASqlitePrefix) {
  for (const std::string& text :
       {file().string(), "sqlite:" + file().string()}) {
    auto where = parse_database_location(text);
    ASSERT_TRUE(where) << where.error().message;
    EXPECT_EQ(where.value().kind, backend::sqlite);
    EXPECT_EQ(where.value().target, file().string());
    auto s = open_store(where.value(), connection_limits{});
    ASSERT_TRUE(s) << s.error().message;
  }
  raw_db raw(file());
  EXPECT_EQ(raw.int_value("PRAGMA user_version"), sqlite_schema_version());
}

TEST_F(SqliteStore, ClosingCheckpointsAndRemovesTheWriteAheadLog) {
  {
    auto opened = open_sqlite_store(file());
    ASSERT_TRUE(opened) << opened.error().message;
    auto& db = *opened.value();
    auto u = db.create_user("alice", "h", t0);
    ASSERT_TRUE(u);
    auto b = db.create_board(u.value().id, sample_draft(), t0);
    ASSERT_TRUE(b);
    ASSERT_TRUE(
        db.save_path(b.value().value.id, u.value().id, red_start(), false, t1));
    EXPECT_TRUE(std::filesystem::exists(file().string() + "-wal"));
  }
  // Closing the last connection checkpointed: the file alone holds it all.
  EXPECT_FALSE(std::filesystem::exists(file().string() + "-wal"));
  raw_db raw(file());
  EXPECT_EQ(raw.count("boards"), 1);
  EXPECT_EQ(raw.count("paths"), 1);
  EXPECT_EQ(raw.count("events"), 2);
}

} // namespace
} // namespace dots::storage
