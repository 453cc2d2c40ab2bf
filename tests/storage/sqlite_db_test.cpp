#include "storage/sqlite_db.hpp"
#include "support/temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <future>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

// The thin layer over SQLite's C API, on real files in a fresh folder per
// test: opening, statements and their cache, transactions, and how SQLite's
// failures come back as errors.

namespace dots::storage::sqlite {
namespace {

using namespace std::chrono_literals;
using domain::error_kind;

constexpr int open_flags =
    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

/// True when `text` contains `fragment`; the message in a failure.
::testing::AssertionResult contains(const std::string& text,
                                    std::string_view fragment) {
  if (text.find(fragment) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "'" << text << "' does not contain '" << fragment << "'";
}

class SqliteDb : public ::testing::Test {
protected:
  std::string file() const { return (dir_.path() / "test.db").string(); }

  /// A new connection to the test's file; nullopt (and a test failure)
  /// when it cannot be opened.
  std::optional<connection> open(int busy_timeout_ms = 1000) {
    auto r = connection::open(file(), open_flags, busy_timeout_ms);
    if (!r) {
      ADD_FAILURE() << r.error().message;
      return std::nullopt;
    }
    return std::move(r).value();
  }

  /// A connection with the test's table: one column of each kind the layer
  /// reads, a UNIQUE and a NOT NULL one.
  std::optional<connection> open_with_table() {
    auto db = open();
    if (!db)
      return db;
    auto made = db->exec("CREATE TABLE IF NOT EXISTS item ("
                         "  id INTEGER PRIMARY KEY,"
                         "  name TEXT NOT NULL UNIQUE,"
                         "  amount INTEGER,"
                         "  note TEXT)");
    if (!made) {
      ADD_FAILURE() << made.error().message;
      return std::nullopt;
    }
    return db;
  }

  /// Inserts one row; false (and a test failure) when that failed.
  static bool insert(connection& db, std::string_view name,
                     std::int64_t amount) {
    auto st = db.prepared("INSERT INTO item (name, amount) VALUES (?1, ?2)");
    if (!st) {
      ADD_FAILURE() << st.error().message;
      return false;
    }
    auto& s = *st.value();
    const int rc = s.bind(1, name).bind(2, amount).step();
    if (rc != SQLITE_DONE) {
      ADD_FAILURE() << "insert: " << s.error_message();
      return false;
    }
    return true;
  }

  /// The number of rows in `item`, or -1 (and a test failure).
  static std::int64_t count(connection& db) {
    auto st = db.prepared("SELECT count(*) FROM item");
    if (!st) {
      ADD_FAILURE() << st.error().message;
      return -1;
    }
    auto& s = *st.value();
    if (s.step() != SQLITE_ROW) {
      ADD_FAILURE() << s.error_message();
      return -1;
    }
    return s.column_int64(0);
  }

  test::temp_dir dir_;
};

// -- opening and closing
// -------------------------------------------------------

TEST_F(SqliteDb, OpenCreatesTheFile) {
  auto db = open();
  ASSERT_TRUE(db);
  EXPECT_NE(db->handle(), nullptr);
  ASSERT_TRUE(db->exec("CREATE TABLE t (x INTEGER)"));
  EXPECT_TRUE(std::filesystem::exists(file()));
}

TEST_F(SqliteDb, WhatIsCommittedIsThereAfterReopening) {
  {
    auto db = open_with_table();
    ASSERT_TRUE(db);
    ASSERT_TRUE(insert(*db, "kept", 7));
  } // closed here
  auto again = open_with_table();
  ASSERT_TRUE(again);
  EXPECT_EQ(count(*again), 1);
}

TEST_F(SqliteDb, AMovedConnectionKeepsWorking) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  ASSERT_TRUE(insert(*db, "before", 1)); // caches a statement
  connection moved = std::move(*db);
  db.reset();
  ASSERT_TRUE(insert(moved, "after", 2));
  EXPECT_EQ(count(moved), 2);
}

TEST_F(SqliteDb, OpenInAFolderThatDoesNotExistFails) {
  const auto missing = (dir_.path() / "no-such-folder" / "x.db").string();
  auto r = connection::open(missing, open_flags, 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::internal);
  // What failed and where, then SQLite's own words.
  EXPECT_TRUE(contains(r.error().message, "open " + missing + ": "));
  EXPECT_TRUE(contains(r.error().message, "unable to open"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "no-such-folder"));
}

TEST_F(SqliteDb, OpenWithoutCreateFailsOnAMissingFile) {
  auto r = connection::open(file(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::internal);
  EXPECT_TRUE(contains(r.error().message, "open " + file() + ": "));
  EXPECT_FALSE(std::filesystem::exists(file()));
}

// -- scripts ------------------------------------------------------------------

TEST_F(SqliteDb, ExecRunsEveryStatementOfAScript) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("INSERT INTO item (name) VALUES ('a');"
                       "INSERT INTO item (name) VALUES ('b');"
                       "INSERT INTO item (name) VALUES ('c');"));
  EXPECT_EQ(count(*db), 3);
}

TEST_F(SqliteDb, ExecReportsASyntaxErrorWithItsCode) {
  auto db = open();
  ASSERT_TRUE(db);
  auto r = db->exec("CREATE TABLE (");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::internal);
  EXPECT_EQ(r.error().code, "internal");
  EXPECT_TRUE(contains(r.error().message, "exec: "));
  EXPECT_TRUE(contains(r.error().message, "syntax error"));
  EXPECT_TRUE(contains(r.error().message, "(code 1)")); // SQLITE_ERROR
}

TEST_F(SqliteDb, ExecReportsAConstraintViolationWithItsExtendedCode) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("INSERT INTO item (name) VALUES ('twice')"));
  auto r = db->exec("INSERT INTO item (name) VALUES ('twice')");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::internal);
  EXPECT_TRUE(contains(r.error().message, "UNIQUE constraint failed"));
  EXPECT_TRUE(contains(r.error().message, "item.name"));
  // SQLITE_CONSTRAINT_UNIQUE: extended codes are on.
  EXPECT_TRUE(
      contains(r.error().message,
               "(code " + std::to_string(SQLITE_CONSTRAINT_UNIQUE) + ")"));
}

// -- statements ---------------------------------------------------------------

TEST_F(SqliteDb, EachColumnKindRoundTrips) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  constexpr std::int64_t big = std::int64_t{1} << 40; // past 32 bits
  {
    auto st = db->prepared(
        "INSERT INTO item (id, name, amount, note) VALUES (?1, ?2, ?3, ?4)");
    ASSERT_TRUE(st) << st.error().message;
    auto& s = *st.value();
    s.bind(1, big).bind(2, std::string_view{"Żółć ✓"}).bind(3, -42);
    s.bind_null(4);
    ASSERT_EQ(s.step(), SQLITE_DONE) << s.error_message();
    EXPECT_EQ(db->last_insert_rowid(), big);
    EXPECT_EQ(db->changes(), 1);
  }
  auto st = db->prepared("SELECT id, name, amount, note FROM item");
  ASSERT_TRUE(st) << st.error().message;
  auto& s = *st.value();
  ASSERT_EQ(s.step(), SQLITE_ROW) << s.error_message();
  EXPECT_EQ(s.column_int64(0), big);
  EXPECT_EQ(s.column_text(1), "Żółć ✓");
  EXPECT_EQ(s.column_int(2), -42);
  EXPECT_EQ(s.column_int64(2), -42);
  EXPECT_FALSE(s.is_null(2));
  EXPECT_TRUE(s.is_null(3));
  EXPECT_EQ(s.column_text(3), "");
  // An integer read as text is its decimal form.
  EXPECT_EQ(s.column_text(0), std::to_string(big));
  EXPECT_EQ(s.step(), SQLITE_DONE);
}

TEST_F(SqliteDb, TextWithAnEmbeddedNulKeepsEveryByte) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  const std::string with_nul{"a\0b", 3};
  ASSERT_TRUE(insert(*db, with_nul, 1));
  auto st = db->prepared("SELECT name, length(CAST(name AS BLOB)) FROM item");
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_EQ(st.value()->step(), SQLITE_ROW);
  EXPECT_EQ(st.value()->column_text(0), with_nul);
  EXPECT_EQ(st.value()->column_int(1), 3);
}

TEST_F(SqliteDb, BoundTextIsCopiedSoATemporaryMayGoBeforeTheStep) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  {
    auto st = db->prepared("INSERT INTO item (name) VALUES (?1)");
    ASSERT_TRUE(st) << st.error().message;
    {
      std::string gone(100, 'x');
      st.value()->bind(1, std::string_view{gone});
      gone.assign(100, 'y'); // overwritten, then freed
    }
    ASSERT_EQ(st.value()->step(), SQLITE_DONE) << st.value()->error_message();
  }
  auto st = db->prepared("SELECT name FROM item");
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_EQ(st.value()->step(), SQLITE_ROW);
  EXPECT_EQ(st.value()->column_text(0), std::string(100, 'x'));
}

TEST_F(SqliteDb, ABindFailureIsReportedByTheStep) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  auto st = db->prepared("INSERT INTO item (name) VALUES (?1)");
  ASSERT_TRUE(st) << st.error().message;
  auto& s = *st.value();
  // Parameter 5 does not exist; parameter 1 binds fine after it.
  s.bind(5, 1).bind(1, std::string_view{"named"});
  EXPECT_EQ(s.step(), SQLITE_RANGE);
  EXPECT_TRUE(contains(s.error_message(), "bind: "));
  EXPECT_TRUE(contains(s.error_message(), "out of range"));
  EXPECT_EQ(count(*db), 0); // nothing was run
}

TEST_F(SqliteDb, ResetClearsABindFailureAndTheBindings) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  auto st = db->prepared("INSERT INTO item (name, amount) VALUES (?1, ?2)");
  ASSERT_TRUE(st) << st.error().message;
  auto& s = *st.value();
  s.bind(9, 1);
  ASSERT_EQ(s.step(), SQLITE_RANGE);
  s.reset();
  // ?2 was bound before the reset and not after: it is NULL now.
  s.bind(2, 5).bind(1, std::string_view{"first"});
  ASSERT_EQ(s.step(), SQLITE_DONE) << s.error_message();
  s.reset();
  s.bind(1, std::string_view{"second"});
  ASSERT_EQ(s.step(), SQLITE_DONE) << s.error_message();
  auto read = db->prepared("SELECT amount FROM item WHERE name = 'second'");
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(read.value()->step(), SQLITE_ROW);
  EXPECT_TRUE(read.value()->is_null(0));
}

TEST_F(SqliteDb, AStepThatBreaksAConstraintSaysWhich) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  ASSERT_TRUE(insert(*db, "taken", 1));
  auto st = db->prepared("INSERT INTO item (name, amount) VALUES (?1, ?2)");
  ASSERT_TRUE(st) << st.error().message;
  auto& s = *st.value();
  // Extended result codes tell a UNIQUE violation from a NOT NULL one.
  EXPECT_EQ(s.bind(1, std::string_view{"taken"}).bind(2, 2).step(),
            SQLITE_CONSTRAINT_UNIQUE);
  const auto message = s.error_message();
  EXPECT_TRUE(contains(message, "UNIQUE constraint failed: item.name"));
  // The layer's error for it: what failed, then SQLite's message.
  const auto e = failure("insert item", message);
  EXPECT_EQ(e.kind, error_kind::internal);
  EXPECT_EQ(e.code, "internal");
  EXPECT_EQ(e.message, "insert item: " + message);
  EXPECT_TRUE(e.field.empty());
  s.reset();
  EXPECT_EQ(s.bind_null(1).step(), SQLITE_CONSTRAINT_NOTNULL);
  EXPECT_TRUE(contains(s.error_message(), "NOT NULL constraint failed"));
}

TEST_F(SqliteDb, APreparedStatementIsCompiledOnceAndReused) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  statement* first = nullptr;
  {
    auto st = db->prepared("SELECT count(*) FROM item");
    ASSERT_TRUE(st) << st.error().message;
    first = &*st.value();
  }
  auto again = db->prepared("SELECT count(*) FROM item");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(&*again.value(), first);
  auto other = db->prepared("SELECT max(id) FROM item");
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_NE(&*other.value(), first);
}

TEST_F(SqliteDb, AReturnedLeaseRewindsItsStatement) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  ASSERT_TRUE(insert(*db, "a", 1));
  ASSERT_TRUE(insert(*db, "b", 2));
  {
    auto st = db->prepared("SELECT name FROM item ORDER BY id");
    ASSERT_TRUE(st) << st.error().message;
    ASSERT_EQ(st.value()->step(), SQLITE_ROW);
    EXPECT_EQ(st.value()->column_text(0), "a");
  } // left after the first row
  auto st = db->prepared("SELECT name FROM item ORDER BY id");
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_EQ(st.value()->step(), SQLITE_ROW);
  EXPECT_EQ(st.value()->column_text(0), "a"); // from the start again
}

TEST_F(SqliteDb, AStatementLeftHalfReadHoldsNoSnapshotOnceReturned) {
  // A lease that ends mid-read must not keep an old snapshot open: another
  // connection's later commit is visible at the next use.
  auto db = open_with_table();
  auto writer = open_with_table();
  ASSERT_TRUE(db && writer);
  ASSERT_TRUE(insert(*db, "a", 1));
  ASSERT_TRUE(insert(*db, "b", 2));
  {
    auto st = db->prepared("SELECT name FROM item ORDER BY id");
    ASSERT_TRUE(st) << st.error().message;
    ASSERT_EQ(st.value()->step(), SQLITE_ROW);
  }
  ASSERT_TRUE(insert(*writer, "c", 3)); // would be busy under a held read
  EXPECT_EQ(count(*db), 3);
}

TEST_F(SqliteDb, InvalidSqlIsAPrepareErrorAndIsNotCached) {
  auto db = open();
  ASSERT_TRUE(db);
  auto r = db->prepared("SELEC 1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::internal);
  EXPECT_TRUE(contains(r.error().message, "prepare: "));
  EXPECT_TRUE(contains(r.error().message, "syntax error"));
  auto again = db->prepared("SELEC 1");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, r.error().message);
}

TEST_F(SqliteDb, AStatementOnAMissingTableNamesIt) {
  auto db = open();
  ASSERT_TRUE(db);
  auto r = db->prepared("SELECT x FROM nowhere");
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "prepare: "));
  EXPECT_TRUE(contains(r.error().message, "nowhere"));
}

TEST_F(SqliteDb, AnEmptyStatementIsAnError) {
  auto db = open();
  ASSERT_TRUE(db);
  auto r = db->prepared("  -- only a comment");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::internal);
  EXPECT_EQ(r.error().message, "prepare: empty statement");
}

// -- transactions
// --------------------------------------------------------------

TEST_F(SqliteDb, ACommittedTransactionIsSeenByAnotherConnection) {
  auto db = open_with_table();
  auto other = open_with_table();
  ASSERT_TRUE(db && other);
  {
    auto tx = transaction::begin(*db, transaction::mode::immediate);
    ASSERT_TRUE(tx) << tx.error().message;
    ASSERT_TRUE(insert(*db, "a", 1));
    ASSERT_TRUE(insert(*db, "b", 2));
    EXPECT_EQ(count(*other), 0); // not before the commit
    auto done = tx.value().commit();
    ASSERT_TRUE(done) << done.error().message;
  }
  EXPECT_EQ(count(*other), 2);
  EXPECT_EQ(count(*db), 2);
}

TEST_F(SqliteDb, ATransactionNotCommittedIsRolledBack) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  ASSERT_TRUE(insert(*db, "before", 0));
  {
    auto tx = transaction::begin(*db, transaction::mode::immediate);
    ASSERT_TRUE(tx) << tx.error().message;
    ASSERT_TRUE(insert(*db, "a", 1));
    ASSERT_TRUE(insert(*db, "b", 2));
    EXPECT_EQ(count(*db), 3); // its own rows, inside it
  }                           // an early return: no commit
  EXPECT_EQ(count(*db), 1);
  auto other = open_with_table();
  ASSERT_TRUE(other);
  EXPECT_EQ(count(*other), 1);
  // The connection is usable for the next transaction.
  auto next = transaction::begin(*db, transaction::mode::deferred);
  ASSERT_TRUE(next) << next.error().message;
  ASSERT_TRUE(next.value().commit());
}

TEST_F(SqliteDb, AMovedTransactionRollsBackOnce) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  {
    auto tx = transaction::begin(*db, transaction::mode::immediate);
    ASSERT_TRUE(tx) << tx.error().message;
    ASSERT_TRUE(insert(*db, "a", 1));
    transaction moved = std::move(tx).value();
    auto done = moved.commit();
    ASSERT_TRUE(done) << done.error().message;
  } // the moved-from one must not roll anything back
  EXPECT_EQ(count(*db), 1);
}

TEST_F(SqliteDb, AFailedCommitRollsBackWhenTheTransactionEnds) {
  // A deferred foreign key is checked at COMMIT: the commit fails, and the
  // rows of the transaction are gone once it ends.
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(
      db->exec("PRAGMA foreign_keys = ON;"
               "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
               "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER "
               "  REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);"));
  {
    auto tx = transaction::begin(*db, transaction::mode::immediate);
    ASSERT_TRUE(tx) << tx.error().message;
    ASSERT_TRUE(db->exec("INSERT INTO child (id, parent_id) VALUES (1, 99)"));
    auto done = tx.value().commit();
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().kind, error_kind::internal);
    EXPECT_TRUE(contains(done.error().message, "commit: "));
    EXPECT_TRUE(contains(done.error().message, "FOREIGN KEY constraint"));
  }
  auto st = db->prepared("SELECT count(*) FROM child");
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_EQ(st.value()->step(), SQLITE_ROW);
  EXPECT_EQ(st.value()->column_int(0), 0);
}

TEST_F(SqliteDb, AnImmediateTransactionHoldsTheWriteLockFromItsStart) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  auto other = connection::open(file(), open_flags, 0); // no waiting
  ASSERT_TRUE(other) << other.error().message;
  auto tx = transaction::begin(*db, transaction::mode::immediate);
  ASSERT_TRUE(tx) << tx.error().message;
  // Nothing written yet, and still no other writer gets in.
  auto second = transaction::begin(other.value(), transaction::mode::immediate);
  // Still locked when the busy timeout ends: try again shortly (503).
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, error_kind::unavailable);
  EXPECT_EQ(second.error().code, "database_unavailable");
  EXPECT_EQ(second.error().retry_after, 1u);
  EXPECT_TRUE(contains(second.error().message, "busy"));
}

TEST_F(SqliteDb, ADeferredTransactionLetsAWriterIn) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  auto other = connection::open(file(), open_flags, 0);
  ASSERT_TRUE(other) << other.error().message;
  auto tx = transaction::begin(*db, transaction::mode::deferred);
  ASSERT_TRUE(tx) << tx.error().message;
  auto writer = transaction::begin(other.value(), transaction::mode::immediate);
  ASSERT_TRUE(writer) << writer.error().message;
  ASSERT_TRUE(writer.value().commit());
}

TEST_F(SqliteDb, AWriterWithABusyTimeoutWaitsForTheLockInsteadOfFailing) {
  auto db = open_with_table();
  ASSERT_TRUE(db);
  auto tx = transaction::begin(*db, transaction::mode::immediate);
  ASSERT_TRUE(tx) << tx.error().message;
  ASSERT_TRUE(insert(*db, "first", 1));
  // The same wait fails at once without a timeout (the test above); with a
  // long one, the second writer gets the lock once the first commits.
  std::promise<void> trying;
  auto writer = std::async(std::launch::async, [&]() -> std::string {
    auto other = connection::open(file(), open_flags, 30'000);
    if (!other)
      return "open: " + other.error().message;
    trying.set_value();
    auto t = transaction::begin(other.value(), transaction::mode::immediate);
    if (!t)
      return t.error().message;
    if (!insert(other.value(), "second", 2))
      return "insert failed";
    auto done = t.value().commit();
    return done ? "" : done.error().message;
  });
  ASSERT_EQ(trying.get_future().wait_for(10s), std::future_status::ready);
  auto committed = tx.value().commit();
  ASSERT_TRUE(committed) << committed.error().message;
  ASSERT_EQ(writer.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(writer.get(), "");
  EXPECT_EQ(count(*db), 2);
}

// -- failures the disk causes -------------------------------------------------
// A full disk, a read-only file system or a failing one stop writes for a
// while, not for good: they are `unavailable` (503 with Retry-After), and
// the transaction that met them leaves nothing behind.

TEST_F(SqliteDb, FailuresOfTheDiskAreUnavailableAndOthersInternal) {
  const std::string detail = "the words SQLite said";
  for (int rc : {SQLITE_FULL, SQLITE_READONLY, SQLITE_READONLY_DBMOVED,
                 SQLITE_IOERR, SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC,
                 SQLITE_IOERR_SHMSIZE, SQLITE_CANTOPEN}) {
    SCOPED_TRACE(sqlite3_errstr(rc));
    const auto e = failure("step", rc, detail);
    EXPECT_TRUE(out_of_service(rc));
    EXPECT_EQ(e.kind, error_kind::unavailable);
    EXPECT_EQ(e.code, "database_unavailable");
    EXPECT_EQ(e.retry_after, 5u);
    // The detail is for the operator's log, not for clients.
    EXPECT_EQ(e.message.find(detail), std::string::npos) << e.message;
  }
  EXPECT_TRUE(contains(failure("step", SQLITE_FULL, detail).message, "full"));
  EXPECT_TRUE(
      contains(failure("step", SQLITE_READONLY, detail).message, "read-only"));
  const auto busy = failure("begin", SQLITE_BUSY, detail);
  EXPECT_EQ(busy.kind, error_kind::unavailable);
  EXPECT_EQ(busy.retry_after, 1u);
  for (int rc : {SQLITE_ERROR, SQLITE_CONSTRAINT_UNIQUE, SQLITE_CORRUPT,
                 SQLITE_MISUSE, SQLITE_MISMATCH, SQLITE_NOTADB}) {
    SCOPED_TRACE(sqlite3_errstr(rc));
    const auto e = failure("step", rc, detail);
    EXPECT_FALSE(out_of_service(rc));
    EXPECT_EQ(e.kind, error_kind::internal);
    EXPECT_EQ(e.message, "step: " + detail);
  }
}

TEST_F(SqliteDb, AFullDatabaseIsUnavailableRollsBackAndWorksOnceThereIsRoom) {
  // max_page_count is SQLite's own quota: past it a write fails with
  // SQLITE_FULL exactly as on a full disk, without one.
  auto db = open_with_table();
  ASSERT_TRUE(db);
  ASSERT_TRUE(insert(*db, "before", 1));
  ASSERT_TRUE(db->exec("PRAGMA max_page_count = 3"));
  const std::string big(64 * 1024, 'x');
  {
    auto tx = transaction::begin(*db, transaction::mode::immediate);
    ASSERT_TRUE(tx) << tx.error().message;
    ASSERT_TRUE(insert(*db, "small", 2)); // fits in the pages there are
    auto st = db->prepared("INSERT INTO item (name, note) VALUES ('big', ?)");
    ASSERT_TRUE(st) << st.error().message;
    const int rc = st.value()->bind(1, std::string_view{big}).step();
    ASSERT_EQ(rc, SQLITE_FULL);
    const auto e = st.value()->failure("insert", rc);
    EXPECT_EQ(e.kind, error_kind::unavailable);
    EXPECT_EQ(e.code, "database_unavailable");
  } // the transaction ends without a commit
  EXPECT_EQ(count(*db), 1) << "the row written before the failure stayed";
  ASSERT_TRUE(db->exec("PRAGMA max_page_count = 1000000"));
  auto tx = transaction::begin(*db, transaction::mode::immediate);
  ASSERT_TRUE(tx) << tx.error().message;
  auto st = db->prepared("INSERT INTO item (name, note) VALUES ('big', ?)");
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_EQ(st.value()->bind(1, std::string_view{big}).step(), SQLITE_DONE);
  st.value()->reset();
  auto done = tx.value().commit();
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(count(*db), 2);
}

TEST_F(SqliteDb, AWriteToAReadOnlyConnectionIsUnavailable) {
  ASSERT_TRUE(open_with_table());
  auto ro = connection::open(file(), SQLITE_OPEN_READONLY, 1000);
  ASSERT_TRUE(ro) << ro.error().message;
  auto w = ro.value().exec("INSERT INTO item (name) VALUES ('x')");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().kind, error_kind::unavailable);
  EXPECT_EQ(w.error().code, "database_unavailable");
  EXPECT_TRUE(contains(w.error().message, "read-only"));
  // Reads still work.
  EXPECT_EQ(count(ro.value()), 0);
}

TEST_F(SqliteDb, BeginEndsATransactionThatWasLeftOpen) {
  // What a ROLLBACK that failed (the disk failing under it) would leave:
  // an open transaction. The next begin must not fail for good on it.
  auto db = open_with_table();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("BEGIN"));
  ASSERT_TRUE(insert(*db, "orphan", 1));
  auto tx = transaction::begin(*db, transaction::mode::immediate);
  ASSERT_TRUE(tx) << tx.error().message;
  ASSERT_TRUE(insert(*db, "kept", 2));
  auto done = tx.value().commit();
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(count(*db), 1) << "the orphan was not committed";
}

} // namespace
} // namespace dots::storage::sqlite
