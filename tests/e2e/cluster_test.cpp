// End-to-end tests of several dots-server instances sharing one PostgreSQL
// database: one event stream across instances, resume on another instance
// after a crash, and a database restart under open streams. Real binaries,
// a real PostgreSQL (the test run's, or a private one for the restart test),
// real HTTP and SSE clients on loopback. Every wait is bounded in time and
// every loop in count.

#include "support/e2e_helpers.hpp"
#include "support/http_client.hpp"
#include "support/pg_database.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using dots::test::board_body;
using dots::test::eventually;
using dots::test::http;
using dots::test::http_json;
using dots::test::http_response;
using dots::test::id_of;
using dots::test::ids_of;
using dots::test::int_at;
using dots::test::path_body;
using dots::test::server_process;
using dots::test::sse_client;
using dots::test::sse_event;
using dots::test::sse_path;
using dots::test::temp_dir;

/// Several dots-server instances on one PostgreSQL database.
class cluster {
public:
  explicit cluster(std::string db_url)
      : db_url_(std::move(db_url)) {}
  ~cluster() {
    if (::testing::Test::HasFailure())
      for (std::size_t i = 0; i < instances_.size(); ++i)
        if (instances_[i])
          std::cerr << "---- instance " << i << " log ----\n"
                    << instances_[i]->log() << "---- end of log ----\n";
  }

  /// Starts one more instance; returns its index.
  std::size_t start(std::vector<std::string> extra = {}) {
    instances_.push_back(std::make_unique<server_process>(
        db_url_, std::move(extra), "127.0.0.1:0", logs_.path()));
    return instances_.size() - 1;
  }

  server_process& at(std::size_t i) { return *instances_.at(i); }
  std::string url(std::size_t i, std::string_view path) {
    return at(i).base_url() + std::string{path};
  }
  std::size_t size() const { return instances_.size(); }

  /// Registers on `via` and logs in on `login_via`: tokens live in the
  /// database, so a token made on one instance works on all.
  std::string sign_up(const std::string& username, std::size_t via,
                      std::size_t login_via) {
    return dots::test::sign_up(at(via).base_url(), username,
                               dots::test::test_password,
                               at(login_via).base_url())
        .token;
  }

private:
  std::string db_url_;
  temp_dir logs_;
  std::vector<std::unique_ptr<server_process>> instances_;
};

/// A private PostgreSQL cluster (scripts/pg.sh) that this test may stop and
/// start without disturbing the tests that share the run's cluster.
class private_postgres {
public:
  private_postgres() {
    dir_ = std::filesystem::path{DOTS_PRIVATE_PG_DIR} /
           ("pg-" + std::to_string(::getpid()));
    run("start");
    std::ifstream in{dir_ / "url"};
    std::getline(in, url_);
    if (url_.empty())
      throw std::runtime_error("scripts/pg.sh start wrote no URL");
  }
  ~private_postgres() { run("stop"); }
  private_postgres(const private_postgres&) = delete;
  private_postgres& operator=(const private_postgres&) = delete;

  const std::string& url() const { return url_; }
  /// `kill` (a crash: connections cut), `start-again`, `restart`.
  void run(const std::string& command) {
    const auto line = std::string{DOTS_SOURCE_DIR} + "/scripts/pg.sh " +
                      command + " '" + dir_.string() + "' >/dev/null";
    ASSERT_EQ(std::system(line.c_str()), 0) << line;
  }

private:
  std::filesystem::path dir_;
  std::string url_;
};

// -- one stream across instances ----------------------------------------------

TEST(Cluster, EveryStreamOnEveryInstanceGetsEveryEventOnceInIdOrder) {
  dots::test::pg_database db;
  cluster c{db.url()};
  for (int i = 0; i < 3; ++i)
    c.start();
  // Two streams per instance, one with a filter that must still see every
  // newBoard.
  std::vector<std::unique_ptr<sse_client>> streams;
  std::vector<std::unique_ptr<sse_client>> board_streams;
  for (std::size_t i = 0; i < c.size(); ++i) {
    streams.push_back(std::make_unique<sse_client>(c.url(i, sse_path)));
    board_streams.push_back(std::make_unique<sse_client>(
        c.url(i, std::string{sse_path} + "?events=newBoard")));
  }
  for (auto& s : streams)
    ASSERT_TRUE(eventually([&] { return s->status() == 200; }, 10s));

  // Six writers, two per instance, each creating boards and saving a path
  // on each: 500 boards and 500 paths, all at once through all three.
  constexpr int writers = 6;
  constexpr int boards_each = 84; // 6 * 84 = 504 boards, 504 paths
  std::vector<std::string> tokens;
  for (int w = 0; w < writers; ++w)
    tokens.push_back(c.sign_up("writer" + std::to_string(w),
                               static_cast<std::size_t>(w) % c.size(),
                               static_cast<std::size_t>(w + 1) % c.size()));
  std::mutex mutex;
  std::set<std::int64_t> created_boards;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      const auto via = static_cast<std::size_t>(w) % c.size();
      for (int b = 0; b < boards_each; ++b) {
        auto r = http_json(
            "POST", c.url(via, "/api/boards"),
            board_body("w" + std::to_string(w) + "-" + std::to_string(b)),
            tokens[static_cast<std::size_t>(w)]);
        const auto id = int_at(r.json(), "id");
        if (r.status != 201 || id <= 0) {
          ++failures;
          continue;
        }
        {
          std::lock_guard lock{mutex};
          created_boards.insert(id);
        }
        // The path goes through the next instance: the board it refers to
        // was committed by another process.
        const auto other = (via + 1) % c.size();
        auto p = http_json(
            "PUT", c.url(other, "/api/boards/" + std::to_string(id) + "/path"),
            path_body(false), tokens[static_cast<std::size_t>(w)]);
        if (p.status != 201)
          ++failures;
      }
    });
  for (auto& t : threads)
    t.join();
  ASSERT_EQ(failures.load(), 0);
  const std::size_t total = 2 * writers * boards_each;

  std::vector<std::int64_t> reference;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    SCOPED_TRACE("stream on instance " + std::to_string(i));
    ASSERT_TRUE(streams[i]->wait_events(total, 60s))
        << streams[i]->events().size() << " of " << total;
    // A moment for anything extra (a duplicate) to arrive too.
    std::this_thread::sleep_for(200ms);
    auto events = streams[i]->events();
    ASSERT_EQ(events.size(), total);
    auto ids = ids_of(events);
    // Dense and increasing: exactly once each, in id order, no gap.
    for (std::size_t k = 1; k < ids.size(); ++k)
      ASSERT_EQ(ids[k], ids[k - 1] + 1) << "at #" << k;
    if (reference.empty())
      reference = ids;
    EXPECT_EQ(ids, reference) << "instances disagree on the stream";
    // The same event under the same id everywhere.
    if (i > 0) {
      auto first = streams[0]->events();
      for (std::size_t k = 0; k < total; k += 97)
        EXPECT_EQ(events[k].data, first[k].data) << "id " << ids[k];
    }
    std::set<std::int64_t> boards_seen;
    for (auto& e : events)
      if (e.event == "newBoard")
        boards_seen.insert(int_at(json::parse(e.data), "board_id"));
    EXPECT_EQ(boards_seen, created_boards);
  }
  for (std::size_t i = 0; i < board_streams.size(); ++i) {
    SCOPED_TRACE("newBoard stream on instance " + std::to_string(i));
    ASSERT_TRUE(board_streams[i]->wait_events(total / 2, 30s));
    std::this_thread::sleep_for(100ms);
    auto events = board_streams[i]->events();
    EXPECT_EQ(events.size(), total / 2);
    for (auto& e : events)
      EXPECT_EQ(e.event, "newBoard");
  }
}

TEST(Cluster, AResumeAheadOfALaggingInstanceIsNotAFalseReset) {
  dots::test::pg_database db;
  cluster c{db.url()};
  c.start();
  // The second instance hears of commits only through its slow poll: its
  // LISTEN still wakes it, so the race below is short, but a resume that
  // lands before the wake-up must still not be told to reset.
  c.start({"--event-poll", "3600000"});
  auto token = c.sign_up("ahead", 0, 0);
  for (int round = 0; round < 10; ++round) {
    auto r = http_json("POST", c.url(0, "/api/boards"),
                       board_body("r" + std::to_string(round)), token);
    ASSERT_EQ(r.status, 201) << r.body;
    // The id the client has just seen on instance 0's stream.
    sse_client first{c.url(0, sse_path)};
    ASSERT_TRUE(eventually(
        [&] { return first.raw().find("\n\n", 15) != std::string::npos; },
        10s));
    first.stop();
    auto head = first.raw();
    auto at = head.find("id: ");
    ASSERT_NE(at, std::string::npos) << head;
    const auto last = head.substr(at + 4, head.find('\n', at) - at - 4);
    sse_client resumed{c.url(1, sse_path), {"Last-Event-ID: " + last}};
    ASSERT_TRUE(eventually(
        [&] { return resumed.raw().find("retry:") != std::string::npos; },
        10s));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(resumed.raw().find("event: reset"), std::string::npos)
        << "round " << round << ", Last-Event-ID " << last << ":\n"
        << resumed.raw();
  }
}

// -- a crashed instance
// ---------------------------------------------------------

TEST(Cluster,
     ClientsOfAKilledInstanceResumeOnAnotherWithNothingMissedOrRepeated) {
  dots::test::pg_database db;
  cluster c{db.url()};
  c.start();
  c.start();
  auto token = c.sign_up("survivor", 1, 1);
  sse_client on_doomed{c.url(0, sse_path)};
  ASSERT_TRUE(eventually([&] { return on_doomed.status() == 200; }, 10s));

  constexpr int total = 150;
  std::atomic<int> written{0};
  std::atomic<int> failures{0};
  std::thread writer{[&] {
    for (int i = 0; i < total; ++i) {
      auto r = http_json("POST", c.url(1, "/api/boards"),
                         board_body("b" + std::to_string(i)), token);
      if (r.status != 201)
        ++failures;
      ++written;
      std::this_thread::sleep_for(5ms);
    }
  }};
  ASSERT_TRUE(on_doomed.wait_events(40, 30s));
  EXPECT_EQ(c.at(0).stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(on_doomed.wait_closed(10s));
  auto before = on_doomed.events();
  ASSERT_FALSE(before.empty());
  // What a browser does: reconnect (here to the other instance, as a load
  // balancer would) with the last id it saw.
  sse_client resumed{c.url(1, sse_path),
                     {"Last-Event-ID: " + before.back().id}};
  writer.join();
  ASSERT_EQ(failures.load(), 0);
  const auto missing = total - before.size();
  ASSERT_TRUE(resumed.wait_events(missing, 30s))
      << resumed.events().size() << " of " << missing;
  std::this_thread::sleep_for(200ms);
  auto after = resumed.events();
  EXPECT_EQ(resumed.raw().find("event: reset"), std::string::npos);
  auto ids = ids_of(before);
  auto more = ids_of(after);
  ids.insert(ids.end(), more.begin(), more.end());
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(total));
  for (std::size_t k = 1; k < ids.size(); ++k)
    EXPECT_EQ(ids[k], ids[k - 1] + 1) << "at #" << k;
}

// -- the database restarts
// ------------------------------------------------------

TEST(Cluster, InstancesRideOutADatabaseRestartAndDeliverWhatCameMeanwhile) {
  private_postgres pg;
  cluster c{pg.url()};
  c.start({"--event-poll", "500"});
  c.start({"--event-poll", "500"});
  auto token = c.sign_up("steady", 0, 1);
  std::vector<std::unique_ptr<sse_client>> streams;
  for (std::size_t i = 0; i < c.size(); ++i)
    streams.push_back(std::make_unique<sse_client>(c.url(i, sse_path)));
  for (auto& s : streams)
    ASSERT_TRUE(eventually([&] { return s->status() == 200; }, 10s));
  auto r =
      http_json("POST", c.url(0, "/api/boards"), board_body("before"), token);
  ASSERT_EQ(r.status, 201) << r.body;
  for (auto& s : streams)
    ASSERT_TRUE(s->wait_events(1, 10s));

  pg.run("kill");
  // While the database is down: not ready, writes refused with a JSON 503,
  // and the streams stay open.
  for (std::size_t i = 0; i < c.size(); ++i)
    EXPECT_TRUE(eventually(
        [&] { return http("GET", c.url(i, "/readyz")).status == 503; }, 10s))
        << "instance " << i;
  auto refused =
      http_json("POST", c.url(1, "/api/boards"), board_body("down"), token);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.error_code(), "database_unavailable") << refused.body;
  EXPECT_FALSE(refused.headers["retry-after"].empty());
  for (auto& s : streams)
    EXPECT_FALSE(s->closed());

  pg.run("start-again");
  for (std::size_t i = 0; i < c.size(); ++i)
    EXPECT_TRUE(eventually(
        [&] { return http("GET", c.url(i, "/readyz")).status == 200; }, 30s))
        << "instance " << i;
  // The same token still works (it lives in the database), and the first
  // request on every instance succeeds: connections the restart cut are
  // replaced before they are used, not discovered by a failing request.
  std::vector<std::int64_t> created;
  for (int i = 0; i < 5; ++i) {
    auto via = static_cast<std::size_t>(i) % c.size();
    auto w = http_json("POST", c.url(via, "/api/boards"),
                       board_body("after" + std::to_string(i)), token);
    EXPECT_EQ(w.status, 201) << "instance " << via << ": " << w.body;
    created.push_back(int_at(w.json(), "id"));
  }
  for (std::size_t i = 0; i < streams.size(); ++i) {
    SCOPED_TRACE("instance " + std::to_string(i));
    ASSERT_TRUE(streams[i]->wait_events(6, 20s)) << streams[i]->events().size();
    auto events = streams[i]->events();
    ASSERT_EQ(events.size(), 6u);
    auto ids = ids_of(events);
    for (std::size_t k = 1; k < ids.size(); ++k)
      EXPECT_EQ(ids[k], ids[k - 1] + 1);
    for (std::size_t k = 0; k < created.size(); ++k)
      EXPECT_EQ(int_at(json::parse(events[k + 1].data), "board_id"),
                created[k]);
  }
}

} // namespace
