// Crashes lose nothing: the real dots-server is killed with SIGKILL while
// four clients create boards and save paths on it, then started again on
// the same database, SQLite and PostgreSQL alike. Every request that got a
// 2xx is there with its event, every event in the log has its row, and a
// client that resumes from the last id it saw before the crash gets every
// later event exactly once. Loopback only; every wait is bounded in time
// and every loop in count.

#include "support/e2e_helpers.hpp"
#include "support/http_client.hpp"
#include "support/pg_database.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <gtest/gtest.h>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sqlite3.h>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using dots::test::board_body;
using dots::test::eventually;
using dots::test::http;
using dots::test::http_json;
using dots::test::id_of;
using dots::test::int_at;
using dots::test::path_body;
using dots::test::server_process;
using dots::test::sign_up;
using dots::test::sse_client;
using dots::test::sse_event;
using dots::test::sse_path;
using dots::test::string_at;
using dots::test::temp_dir;

constexpr int writers = 4;
/// Each writer creates this many boards and saves a path on each: 1,000
/// requests in all, of which the kill cuts off the later part.
constexpr int boards_each = 125;
/// The kill comes once this many requests have been answered with a 2xx.
/// Fewer under ThreadSanitizer, whose slowdown would not reach 400 in the
/// bound.
constexpr int kill_after = dots::test::under_tsan ? 150 : 400;

/// The database a test runs on: where the server finds it, and the newest
/// event id it holds, read behind the server's back.
struct database {
  std::string location;
  std::function<std::int64_t()> latest_event_id;
};

/// A request that was answered with a 2xx before the crash.
struct acknowledged {
  std::int64_t board_id = 0;
  int writer = 0;
  bool path = false; ///< a path save; else a board creation
};

/// The events a stream received, by id; fails the test on a repeated id.
std::map<std::int64_t, sse_event> by_id(const std::vector<sse_event>& events) {
  std::map<std::int64_t, sse_event> out;
  for (const auto& e : events) {
    EXPECT_NE(e.event, "reset") << "no event was trimmed in this test";
    EXPECT_TRUE(out.emplace(id_of(e), e).second) << "id " << e.id << " twice";
  }
  return out;
}

/// Waits until `s` has received the event `id`.
bool reaches(sse_client& s, std::int64_t id) {
  return s.wait_for(
      [id](const std::vector<sse_event>& events) {
        return !events.empty() && id_of(events.back()) >= id;
      },
      60s);
}

void kill_during_writes_and_check(const database& db,
                                  const std::filesystem::path& logs) {
  auto first = std::make_unique<server_process>(
      db.location, std::vector<std::string>{}, "127.0.0.1:0", logs);
  const auto url = [&](const server_process& s, std::string_view path) {
    return s.base_url() + std::string{path};
  };

  std::vector<std::string> names;
  std::vector<std::string> tokens;
  for (int w = 0; w < writers; ++w) {
    names.push_back("writer" + std::to_string(w));
    tokens.push_back(sign_up(first->base_url(), names.back()).token);
    ASSERT_FALSE(tokens.back().empty());
  }
  // A client that follows the stream live and will resume after the crash.
  sse_client watcher{url(*first, sse_path)};
  ASSERT_TRUE(eventually([&] { return watcher.status() == 200; }, 10s));

  std::mutex mutex;
  std::vector<acknowledged> acked;
  std::atomic<int> acked_count{0};
  std::atomic<int> refused{0}; // an answer that was neither 2xx nor a cut
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      const auto& token = tokens[static_cast<std::size_t>(w)];
      for (int b = 0; b < boards_each; ++b) {
        auto r = http_json(
            "POST", url(*first, "/api/boards"),
            board_body("w" + std::to_string(w) + "-" + std::to_string(b)),
            token);
        if (r.status == 0)
          return; // the server is gone
        const auto id = int_at(r.json(), "id");
        if (r.status != 201 || id <= 0) {
          ++refused;
          continue;
        }
        {
          std::lock_guard lock{mutex};
          acked.push_back({id, w, false});
        }
        ++acked_count;
        auto p = http_json(
            "PUT", url(*first, "/api/boards/" + std::to_string(id) + "/path"),
            path_body(b % 2 == 0), token);
        if (p.status == 0)
          return;
        if (p.status != 201) {
          ++refused;
          continue;
        }
        {
          std::lock_guard lock{mutex};
          acked.push_back({id, w, true});
        }
        ++acked_count;
      }
    });
  const bool reached =
      eventually([&] { return acked_count.load() >= kill_after; }, 60s);
  EXPECT_EQ(first->stop(SIGKILL), 128 + SIGKILL);
  for (auto& t : threads)
    t.join();
  ASSERT_TRUE(reached) << acked_count.load() << " requests answered in 60 s";
  ASSERT_EQ(refused.load(), 0);
  ASSERT_LT(acked.size(), static_cast<std::size_t>(2 * writers * boards_each))
      << "the kill came after the last request: nothing was cut off";
  ASSERT_TRUE(watcher.wait_closed(10s));
  const auto seen_before = by_id(watcher.events());
  ASSERT_FALSE(seen_before.empty());
  const auto resume_from = seen_before.rbegin()->first;

  // The same database, a new process.
  server_process second{db.location, {}, "127.0.0.1:0", logs};
  const auto latest = db.latest_event_id();
  ASSERT_GE(latest, static_cast<std::int64_t>(acked.size()))
      << "fewer events than acknowledged changes";

  // The whole log, from the start, up to the newest id the database holds.
  sse_client whole{url(second, sse_path), {"Last-Event-ID: 0"}};
  ASSERT_TRUE(reaches(whole, latest)) << whole.events().size() << " events";
  const auto log = by_id(whole.events());
  ASSERT_EQ(log.size(), static_cast<std::size_t>(latest));
  EXPECT_EQ(log.begin()->first, 1);
  EXPECT_EQ(log.rbegin()->first, latest) << "ids have no holes";

  // Every acknowledged change is there, with its event.
  std::set<std::int64_t> new_boards;
  std::set<std::pair<std::int64_t, std::string>> new_paths;
  for (const auto& [id, e] : log) {
    const auto data = json::parse(e.data);
    if (e.event == "newBoard")
      new_boards.insert(int_at(data, "board_id"));
    else if (e.event == "newPath")
      new_paths.emplace(int_at(data, "board_id"),
                        string_at(data, "user_username"));
    else
      ADD_FAILURE() << "unexpected event " << e.event << " (id " << id << ")";
  }
  for (const auto& a : acked) {
    const auto board = std::to_string(a.board_id);
    const auto w = static_cast<std::size_t>(a.writer);
    if (a.path) {
      auto r = http("GET", url(second, "/api/boards/" + board + "/path"), {},
                    {"Authorization: Bearer " + tokens[w]});
      EXPECT_EQ(r.status, 200) << "path on board " << board << ": " << r.body;
      EXPECT_TRUE(new_paths.contains({a.board_id, names[w]}))
          << "no newPath for board " << board;
    } else {
      auto r = http("GET", url(second, "/api/boards/" + board));
      EXPECT_EQ(r.status, 200) << "board " << board << ": " << r.body;
      EXPECT_TRUE(new_boards.contains(a.board_id))
          << "no newBoard for board " << board;
    }
  }
  // Every event has its row, the unacknowledged ones (cut off in flight)
  // included: nothing is deleted in this test.
  std::map<std::string, std::string> token_of;
  for (std::size_t w = 0; w < names.size(); ++w)
    token_of[names[w]] = tokens[w];
  for (const auto& [id, e] : log) {
    const auto data = json::parse(e.data);
    const auto board = std::to_string(int_at(data, "board_id"));
    if (e.event == "newBoard") {
      EXPECT_EQ(http("GET", url(second, "/api/boards/" + board)).status, 200)
          << "event " << id << ": board " << board << " is missing";
    } else if (e.event == "newPath") {
      const auto user = string_at(data, "user_username");
      ASSERT_TRUE(token_of.contains(user)) << e.data;
      auto r = http("GET", url(second, "/api/boards/" + board + "/path"), {},
                    {"Authorization: Bearer " + token_of[user]});
      EXPECT_EQ(r.status, 200) << "event " << id << ": path missing";
      EXPECT_EQ(int_at(r.json(), "id"), int_at(data, "path_id"));
    }
  }

  // The watcher resumes from the last id it saw before the crash, and, as
  // a client that fell behind would, from one halfway through what it saw:
  // what it saw up to there and what it gets now are the log, each event
  // once, none missing.
  const auto halfway =
      std::next(seen_before.begin(),
                static_cast<std::ptrdiff_t>(seen_before.size() / 2))
          ->first;
  for (const auto from : {resume_from, halfway}) {
    SCOPED_TRACE("resuming from " + std::to_string(from));
    sse_client resumed{url(second, sse_path),
                       {"Last-Event-ID: " + std::to_string(from)}};
    const auto due = static_cast<std::size_t>(latest - from);
    ASSERT_TRUE(eventually([&] { return resumed.status() == 200; }, 10s));
    ASSERT_TRUE(resumed.wait_events(due, 60s))
        << resumed.events().size() << " of " << due;
    std::map<std::int64_t, sse_event> joined(seen_before.begin(),
                                             seen_before.upper_bound(from));
    for (const auto& [id, e] : by_id(resumed.events()))
      EXPECT_TRUE(joined.emplace(id, e).second) << "id " << id << " twice";
    ASSERT_EQ(joined.size(), log.size());
    for (const auto& [id, e] : log) {
      ASSERT_TRUE(joined.contains(id)) << "id " << id << " missed";
      EXPECT_EQ(joined[id].event, e.event) << "id " << id;
      EXPECT_EQ(joined[id].data, e.data) << "id " << id;
    }
  }
  if (::testing::Test::HasFailure())
    std::cerr << "---- server log after the restart ----\n"
              << second.log() << "---- end of log ----\n";
}

/// The newest event id of a SQLite file, as sqlite_sequence keeps it.
std::int64_t sqlite_latest_event_id(const std::string& file) {
  sqlite3* db = nullptr;
  std::int64_t latest = -1;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(
            db, "SELECT seq FROM sqlite_sequence WHERE name = 'events'", -1,
            &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      latest = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  if (latest < 0)
    ADD_FAILURE() << "cannot read the newest event id of " << file << ": "
                  << (db ? sqlite3_errmsg(db) : "out of memory");
  sqlite3_close(db);
  return latest;
}

TEST(Crash, SqliteKilledDuringWritesLosesNothingAcknowledged) {
  temp_dir dir;
  const auto file = (dir.path() / "dots.db").string();
  kill_during_writes_and_check({file,
                                [&] {
                                  return sqlite_latest_event_id(file);
                                }},
                               dir.path());
}

TEST(Crash, PostgresKilledDuringWritesLosesNothingAcknowledged) {
  dots::test::pg_database pg;
  temp_dir logs;
  kill_during_writes_and_check(
      {pg.url(),
       [&] {
         return pg.int_value("SELECT last_id FROM event_counter").value_or(-1);
       }},
      logs.path());
}

} // namespace
