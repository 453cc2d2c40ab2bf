// What only the PostgreSQL backend has to get right: several instances
// migrating one database at once, event ids in commit order while a writer
// stalls, NOTIFY at commit, and losing (and regaining) the server. The
// behaviour both backends share is in store_contract_test.cpp.

#include "storage/pg_schema.hpp"
#include "storage/pg_store.hpp"
#include "storage/storage_fixture.hpp"
#include "support/pg_database.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <functional>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <optional>
#include <poll.h>
#include <thread>
#include <vector>

namespace dots::storage {
namespace {

using namespace std::chrono_literals;
using domain::error_kind;
using test::sample_draft;
using test::t0;
using test::t1;

/// A plain libpq connection that bypasses the store: to hold transactions
/// and locks open across store calls, and to listen.
class raw_pg {
public:
  explicit raw_pg(const std::string& url)
      : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_.get()) != CONNECTION_OK)
      ADD_FAILURE() << "connect: " << PQerrorMessage(conn_.get());
  }

  /// Runs SQL; the first column of the first row (empty when none). Adds a
  /// test failure on error.
  std::string run(const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(
        PQexec(conn_.get(), sql.c_str()), &PQclear);
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      ADD_FAILURE() << "exec failed: " << PQerrorMessage(conn_.get()) << "\n"
                    << sql;
      return {};
    }
    if (PQntuples(r.get()) == 0)
      return {};
    return PQgetvalue(r.get(), 0, 0);
  }

  /// Opens a transaction that holds the event counter's row lock, as a
  /// writer between taking its id and committing does; `run("ROLLBACK")`
  /// lets it go.
  void hold_event_counter() {
    run("BEGIN");
    run("SELECT last_id FROM event_counter FOR UPDATE");
  }

  /// Notifications received so far on `channel` (waits up to `wait` for the
  /// first one to arrive when none has).
  int notifications(const std::string& channel,
                    std::chrono::milliseconds wait) {
    int n = 0;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      PQconsumeInput(conn_.get());
      while (PGnotify* note = PQnotifies(conn_.get())) {
        if (channel == note->relname) {
          ++n;
          EXPECT_STREQ(note->extra, "");
        }
        PQfreemem(note);
      }
      const auto left = deadline - std::chrono::steady_clock::now();
      if (n > 0 || left <= 0s)
        return n;
      pollfd fd{PQsocket(conn_.get()), POLLIN, 0};
      ::poll(&fd, 1,
             static_cast<int>(
                 std::chrono::duration_cast<std::chrono::milliseconds>(left)
                     .count()));
    }
  }

private:
  struct finisher {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
  };
  std::unique_ptr<PGconn, finisher> conn_;
};

/// Polls `done` until it holds or `limit` passes: waiting for the server to
/// reach a state, never timing how fast it gets there.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds limit = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class PgStore : public ::testing::Test {
protected:
  std::unique_ptr<store> open(connection_limits limits = {}) {
    auto s = open_pg_store(db_.url(), limits);
    if (!s) {
      ADD_FAILURE() << s.error().code << ": " << s.error().message;
      return nullptr;
    }
    return std::move(s).value();
  }

  /// Sessions of the store (application_name dots-server) on this database.
  std::int64_t store_sessions(const std::string& extra = {}) {
    return db_
        .int_value("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                   "current_database() AND application_name = "
                   "'dots-server'" +
                   extra)
        .value_or(-1);
  }

  dots::test::pg_database db_;
};

// -- schema -------------------------------------------------------------------

TEST_F(PgStore, MigrationsAreContiguousAndEndAtTheBuildVersion) {
  const auto steps = pg::migrations();
  ASSERT_GE(steps.size(), 1U);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(steps[i].name.empty());
  }
  EXPECT_EQ(steps.back().version, pg_schema_version());
  EXPECT_EQ(schema_version(backend::postgres), pg_schema_version());
}

TEST_F(PgStore, FreshDatabaseGetsTheSchemaAndAnEmptyCounter) {
  ASSERT_TRUE(open());
  for (const char* table : {"schema_version", "users", "tokens", "boards",
                            "paths", "events", "event_counter"})
    EXPECT_EQ(db_.text_value(std::string("SELECT to_regclass('") + table +
                             "') IS NOT NULL"),
              "t")
        << table;
  EXPECT_EQ(db_.text_value("SELECT to_regclass('events_board') IS NOT NULL"),
            "t");
  EXPECT_EQ(db_.int_value("SELECT max(version) FROM schema_version"),
            pg_schema_version());
  EXPECT_EQ(db_.int_value("SELECT count(*) FROM event_counter"), 1);
  EXPECT_EQ(db_.int_value("SELECT last_id FROM event_counter"), 0);
}

TEST_F(PgStore, MigrationsRunOnceWhenFourStoresOpenTogether) {
  for (const auto& f : test::open_together(
           4, [&] { return open_pg_store(db_.url(), connection_limits{}); }))
    EXPECT_EQ(f, "");
  // One row per step: each step ran exactly once.
  EXPECT_EQ(db_.int_value("SELECT count(*) FROM schema_version"),
            pg_schema_version());
  EXPECT_EQ(db_.int_value("SELECT count(DISTINCT version) FROM "
                          "schema_version"),
            pg_schema_version());
  EXPECT_EQ(db_.int_value("SELECT count(*) FROM event_counter"), 1);
}

TEST_F(PgStore, ReopeningACurrentDatabaseChangesNothing) {
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(open());
  EXPECT_EQ(db_.int_value("SELECT count(*) FROM schema_version"),
            pg_schema_version());
}

TEST_F(PgStore, RefusesASchemaNewerThanTheBuild) {
  {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->create_user("alice", "h", t0));
  }
  ASSERT_TRUE(db_.exec("INSERT INTO schema_version VALUES (99, 'future', "
                       "'2030-01-01T00:00:00Z')"));
  auto s = open_pg_store(db_.url(), connection_limits{});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, error_kind::internal);
  EXPECT_EQ(s.error().code, "schema_too_new");
  EXPECT_NE(s.error().message.find("99"), std::string::npos)
      << s.error().message;
  // The database is left as it was.
  EXPECT_EQ(db_.int_value("SELECT max(version) FROM schema_version"), 99);
  EXPECT_EQ(db_.int_value("SELECT count(*) FROM users"), 1);
}

// -- event ids in commit order ------------------------------------------------

TEST_F(PgStore, StalledWriterHoldsBackLaterIdsUntilItCommits) {
  // A generous statement timeout: the blocked writer below must wait for
  // the held transaction, not be cancelled.
  connection_limits patient;
  patient.statement_timeout = 60s;
  auto writer = open(patient);
  auto reader = open(patient);
  ASSERT_TRUE(writer && reader);
  auto u = writer->create_user("alice", "h", t0);
  ASSERT_TRUE(u);
  auto first = writer->create_board(u.value().id, sample_draft("first"), t0);
  ASSERT_TRUE(first);
  ASSERT_EQ(first.value().event.id, 1);

  // Another instance's transaction takes the next id and stalls before
  // committing, exactly as pg_store's writers take theirs.
  raw_pg held(db_.url());
  held.run("BEGIN");
  const auto held_id = held.run(
      "WITH next AS (UPDATE event_counter SET last_id = last_id + 1 "
      "RETURNING last_id) INSERT INTO events (id, type, board_id, "
      "board_name, username, path_id, complete, created_at) SELECT last_id, "
      "'newBoard', 999, 'held', 'someone', 0, false, '2026-11-26T12:01:00Z' "
      "FROM next RETURNING id");
  ASSERT_EQ(held_id, "2");

  // A store's write now waits for the counter row...
  std::atomic<bool> done{false};
  std::optional<result<change<domain::board>>> late;
  std::thread t([&] {
    late.emplace(writer->create_board(u.value().id, sample_draft("late"), t1));
    done = true;
  });
  const bool blocked = eventually(
      [&] { return store_sessions(" AND wait_event_type = 'Lock'") == 1; });
  EXPECT_TRUE(blocked) << "the writer did not wait for the counter lock";
  EXPECT_FALSE(done.load());

  // ...and meanwhile no reader sees an id after the held one: a reader at
  // `id > 1` must not be able to skip 2.
  auto during = reader->events_after(0, 100);
  EXPECT_TRUE(during) << during.error().message;
  if (during) {
    EXPECT_EQ(during.value().latest_id, 1);
    ASSERT_EQ(during.value().events.size(), 1U);
    EXPECT_EQ(during.value().events[0], first.value().event);
  }
  auto tail = reader->events_after(1, 100);
  EXPECT_TRUE(tail && tail.value().events.empty());

  held.run("COMMIT");
  t.join();
  ASSERT_TRUE(late.has_value());
  ASSERT_TRUE(*late) << late.value().error().message;
  EXPECT_EQ((*late).value().event.id, 3);

  // Both appear, dense and in commit order.
  auto after = reader->events_after(0, 100);
  ASSERT_TRUE(after) << after.error().message;
  ASSERT_EQ(after.value().events.size(), 3U);
  EXPECT_EQ(after.value().events[0].id, 1);
  EXPECT_EQ(after.value().events[1].id, 2);
  EXPECT_EQ(after.value().events[1].board_name, "held");
  EXPECT_EQ(after.value().events[2], (*late).value().event);
  EXPECT_EQ(after.value().latest_id, 3);
}

TEST_F(PgStore, ARolledBackWriterGivesItsIdBack) {
  auto s = open();
  ASSERT_TRUE(s);
  auto u = s->create_user("alice", "h", t0);
  ASSERT_TRUE(u);
  {
    raw_pg other(db_.url());
    other.run("BEGIN");
    EXPECT_EQ(other.run("UPDATE event_counter SET last_id = last_id + 1 "
                        "RETURNING last_id"),
              "1");
    other.run("ROLLBACK");
  }
  auto b = s->create_board(u.value().id, sample_draft(), t0);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b.value().event.id, 1);
}

TEST_F(PgStore, EveryCommittedWriteNotifiesTheChannelOnce) {
  auto s = open();
  ASSERT_TRUE(s);
  auto u = s->create_user("alice", "h", t0);
  ASSERT_TRUE(u);
  raw_pg listener(db_.url());
  listener.run(std::string("LISTEN ") + pg_event_channel);

  // Reads and failed writes notify nobody; then one committed write.
  ASSERT_TRUE(s->list_boards(0, 10, 0));
  ASSERT_FALSE(s->update_board(42, sample_draft(), t1));
  ASSERT_TRUE(s->create_board(u.value().id, sample_draft(), t0));
  EXPECT_EQ(listener.notifications(pg_event_channel, 15s), 1);
  // A round trip lets any notification sent before that commit arrive too.
  listener.run("SELECT 1");
  EXPECT_EQ(listener.notifications(pg_event_channel, 0ms), 0);
}

// -- losing the server
// ----------------------------------------------------------

TEST_F(PgStore, AConnectionKilledWhileIdleIsReplacedBeforeTheNextCall) {
  // What a database restart does to every idle connection: the next
  // request must not be the one that finds out.
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->create_user("alice", "h", t0));
  ASSERT_EQ(store_sessions(), 1);
  const auto backend = db_.int_value(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
      "AND application_name = 'dots-server'");
  ASSERT_TRUE(backend);

  ASSERT_TRUE(db_.exec("SELECT pg_terminate_backend(pid) FROM "
                       "pg_stat_activity WHERE datname = current_database() "
                       "AND application_name = 'dots-server'"));
  // Gone from pg_stat_activity is not gone: a backend leaves that view
  // before it exits, and its socket closes only at exit. Wait for the
  // process itself, as a restart would have it (a test run that may not
  // signal the server's processes can only trust the view).
  ASSERT_TRUE(eventually([&] {
    if (::kill(static_cast<pid_t>(*backend), 0) == 0)
      return false;
    return errno == ESRCH || errno == EPERM;
  }));

  auto back = s->find_account("alice");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back.value().has_value());
  EXPECT_EQ(store_sessions(), 1);
  auto u = (back.value())->user;
  auto b = s->create_board(u.id, sample_draft(), t1);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b.value().event.id, 1);
}

TEST_F(PgStore, KilledConnectionInsideATransactionRollsBackAndRecovers) {
  connection_limits patient;
  patient.statement_timeout = 60s;
  auto s = open(patient);
  ASSERT_TRUE(s);
  auto u = s->create_user("alice", "h", t0);
  ASSERT_TRUE(u);

  // The store's write waits on the counter lock, inside its transaction,
  // when its session is killed.
  raw_pg locker(db_.url());
  locker.hold_event_counter();
  std::optional<result<change<domain::board>>> cut;
  std::thread t([&] {
    cut.emplace(s->create_board(u.value().id, sample_draft("cut"), t1));
  });
  EXPECT_TRUE(eventually(
      [&] { return store_sessions(" AND wait_event_type = 'Lock'") == 1; }));
  db_.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
           "datname = current_database() AND application_name = "
           "'dots-server'");
  t.join();
  locker.run("ROLLBACK");
  ASSERT_TRUE(cut.has_value());
  ASSERT_FALSE(*cut);
  EXPECT_EQ(cut.value().error().kind, error_kind::unavailable);
  EXPECT_EQ(db_.int_value("SELECT count(*) FROM boards"), 0);

  auto again = s->create_board(u.value().id, sample_draft("again"), t1);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again.value().event.id, 1);
  EXPECT_EQ(db_.int_value("SELECT count(*) FROM boards"), 1);
}

TEST_F(PgStore, StatementTimeoutIsUnavailableAndChangesNothing) {
  connection_limits hasty;
  hasty.statement_timeout = 300ms;
  auto s = open(hasty);
  ASSERT_TRUE(s);
  auto u = s->create_user("alice", "h", t0);
  ASSERT_TRUE(u);

  raw_pg locker(db_.url());
  locker.hold_event_counter();
  auto r = s->create_board(u.value().id, sample_draft(), t1);
  locker.run("ROLLBACK");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::unavailable);
  EXPECT_EQ(r.error().code, "database_unavailable");
  EXPECT_EQ(r.error().retry_after, 1U);
  // Clients learn nothing of the inside (the step, the server's words).
  EXPECT_EQ(r.error().message,
            "the database is unavailable; try again shortly");
  EXPECT_EQ(db_.int_value("SELECT count(*) FROM boards"), 0);

  // The session survives a cancelled statement.
  auto ok = s->create_board(u.value().id, sample_draft(), t1);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok.value().event.id, 1);
}

TEST_F(PgStore, AReadOnlyDatabaseIsUnavailableForWritesAndReadable) {
  // SQLSTATE 25006, as on a standby or with default_transaction_read_only:
  // the server is up but refuses changes, a state an operator ends.
  auto writable = open();
  ASSERT_TRUE(writable);
  auto u = writable->create_user("alice", "h", t0);
  ASSERT_TRUE(u) << u.error().message;
  auto first = writable->create_board(u.value().id, sample_draft("kept"), t0);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(db_.exec("ALTER DATABASE " + db_.name() +
                       " SET default_transaction_read_only = on"));
  auto s = open(); // new sessions take the setting
  ASSERT_TRUE(s);
  auto r = s->create_board(u.value().id, sample_draft("refused"), t1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::unavailable);
  EXPECT_EQ(r.error().code, "database_unavailable");
  EXPECT_EQ(r.error().retry_after, 5U);
  auto p = s->save_path(first.value().value.id, u.value().id, {}, false, t1);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, error_kind::unavailable);
  auto reg = s->create_user("bob", "h", t1);
  ASSERT_FALSE(reg);
  EXPECT_EQ(reg.error().kind, error_kind::unavailable);
  // Nothing partial: no row, no event, no id taken; reads work.
  auto page = s->list_boards(0, 10, 0);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page.value().boards.size(), 1u);
  EXPECT_EQ(page.value().boards[0].name, "kept");
  auto log = s->events_after(0, 10);
  ASSERT_TRUE(log) << log.error().message;
  EXPECT_EQ(log.value().events.size(), 1u);
  EXPECT_EQ(log.value().latest_id, 1);
  EXPECT_FALSE(s->find_account("bob").value().has_value());
  // A writable session carries on with the next id.
  // (Its own session is read-only too, so this one asks to write.)
  ASSERT_TRUE(db_.exec("BEGIN READ WRITE; ALTER DATABASE " + db_.name() +
                       " RESET default_transaction_read_only; COMMIT"));
  auto again = open();
  ASSERT_TRUE(again);
  auto next = again->create_board(u.value().id, sample_draft("next"), t1);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next.value().event.id, 2);
}

TEST_F(PgStore, UnreachableServerIsUnavailableAndHidesThePassword) {
  connection_limits quick;
  quick.connect_timeout = 2s;
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto s = open_pg_store("postgresql://dots:s3cret-pw@127.0.0.1:1/dots", quick);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, error_kind::unavailable);
  EXPECT_EQ(s.error().code, "database_unavailable");
  EXPECT_EQ(s.error().message.find("s3cret-pw"), std::string::npos)
      << s.error().message;

  auto via_location = open_store(
      database_location{backend::postgres,
                        "postgres://dots:s3cret-pw@127.0.0.1:1/dots"},
      quick);
  ASSERT_FALSE(via_location);
  EXPECT_EQ(via_location.error().kind, error_kind::unavailable);
}

} // namespace
} // namespace dots::storage
