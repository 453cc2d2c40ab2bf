// The disk fails under the real dots-server: it fills up (a small tmpfs) or
// is read-only (a read-only bind mount; root ignores file modes). Each test
// runs again in a private mount namespace (support/mount_namespace.hpp), so
// nothing it mounts is seen outside and its mounts go with its process.
// Expected, as a user sees it: writes answer 503 with a JSON error and
// Retry-After, nothing half-done is stored (no row without its event, no
// event without its row, no event id used up), reads and open streams keep
// working, and writes work again once there is room. Loopback only; every
// wait is bounded. PostgreSQL made read-only (default_transaction_read_only)
// needs no mount: that case runs on the test run's cluster.

#include "support/e2e_helpers.hpp"
#include "support/http_client.hpp"
#include "support/mount_namespace.hpp"
#include "support/pg_database.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using dots::test::account;
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
using dots::test::sign_up;
using dots::test::sse_client;
using dots::test::sse_event;
using dots::test::sse_path;
using dots::test::string_at;
using dots::test::temp_dir;

json::object credentials(const std::string& username) {
  return json::object{{"username", username},
                      {"password", dots::test::test_password}};
}

std::string url(const server_process& s, std::string_view path) {
  return s.base_url() + std::string{path};
}

/// What a refused write must look like: 503, a JSON error body (api.md,
/// "Errors") with the stable code, and a positive Retry-After.
::testing::AssertionResult refused(const http_response& r) {
  if (r.status != 503)
    return ::testing::AssertionFailure()
           << "status " << r.status << ", not 503: " << r.body;
  if (r.headers.count("content-type") == 0 ||
      r.headers.at("content-type") != "application/json")
    return ::testing::AssertionFailure() << "not JSON: " << r.body;
  if (r.error_code() != "database_unavailable")
    return ::testing::AssertionFailure() << "error code: " << r.body;
  const auto doc = r.json();
  const auto* error =
      doc.is_object() ? doc.as_object().if_contains("error") : nullptr;
  if (error == nullptr || string_at(*error, "message").empty())
    return ::testing::AssertionFailure() << "no error message: " << r.body;
  const auto wait = r.headers.count("retry-after") != 0
                        ? std::atoi(r.headers.at("retry-after").c_str())
                        : 0;
  if (wait <= 0)
    return ::testing::AssertionFailure() << "no Retry-After";
  return ::testing::AssertionSuccess();
}

/// The state the tests start from: one board with one path, events 1 and 2.
struct seeded {
  account alice;
  std::int64_t board = 0;
  std::string board_json; ///< the board as GET returned it
  std::string path_json;  ///< alice's path as GET returned it
};

seeded seed(const server_process& s) {
  seeded out;
  out.alice = sign_up(s.base_url(), "alice");
  auto b = http_json("POST", url(s, "/api/boards"), board_body("steady"),
                     out.alice.token);
  EXPECT_EQ(b.status, 201) << b.body;
  out.board = int_at(b.json(), "id");
  const auto board = "/api/boards/" + std::to_string(out.board);
  auto p = http_json("PUT", url(s, board + "/path"), path_body(false),
                     out.alice.token);
  EXPECT_EQ(p.status, 201) << p.body;
  out.board_json = http("GET", url(s, board)).body;
  out.path_json = http("GET", url(s, board + "/path"), {},
                       {"Authorization: Bearer " + out.alice.token})
                      .body;
  return out;
}

/// Every kind of write the API has, each answered 503 with a JSON error.
void expect_writes_refused(const server_process& s, const seeded& before) {
  const auto board = "/api/boards/" + std::to_string(before.board);
  const auto& token = before.alice.token;
  EXPECT_TRUE(refused(
      http_json("POST", url(s, "/api/boards"), board_body("refused"), token)))
      << "create board";
  EXPECT_TRUE(
      refused(http_json("PUT", url(s, board), board_body("renamed"), token)))
      << "update board";
  EXPECT_TRUE(refused(
      http_json("PUT", url(s, board + "/path"), path_body(true), token)))
      << "save path";
  EXPECT_TRUE(refused(
      http("DELETE", url(s, board), {}, {"Authorization: Bearer " + token})))
      << "delete board";
  EXPECT_TRUE(refused(
      http_json("POST", url(s, "/api/auth/register"), credentials("bob"))))
      << "register";
  // A login stores its token: a write too.
  EXPECT_TRUE(refused(
      http_json("POST", url(s, "/api/auth/login"), credentials("alice"))))
      << "login";
}

/// Reads see exactly the state before the fault: nothing partial was stored.
void expect_reads_unchanged(const server_process& s, const seeded& before) {
  const auto board = "/api/boards/" + std::to_string(before.board);
  auto list = http("GET", url(s, "/api/boards"));
  ASSERT_EQ(list.status, 200) << list.body;
  const auto doc = list.json();
  const auto& boards = doc.at("boards").as_array();
  ASSERT_EQ(boards.size(), 1u) << list.body;
  EXPECT_EQ(boards[0], json::parse(before.board_json));
  EXPECT_EQ(http("GET", url(s, board)).body, before.board_json);
  auto path = http("GET", url(s, board + "/path"), {},
                   {"Authorization: Bearer " + before.alice.token});
  EXPECT_EQ(path.status, 200);
  EXPECT_EQ(path.body, before.path_json);
  auto me = http("GET", url(s, "/api/auth/me"), {},
                 {"Authorization: Bearer " + before.alice.token});
  EXPECT_EQ(me.status, 200) << me.body;
  // bob was never stored: his login finds no account.
  EXPECT_EQ(
      http_json("POST", url(s, "/api/auth/login"), credentials("bob")).status,
      401);
  // A new stream replays the log: the two events of the seed, no more.
  sse_client replay{url(s, sse_path), {"Last-Event-ID: 0"}};
  ASSERT_TRUE(replay.wait_events(2, 10s));
  EXPECT_EQ(ids_of(replay.events()), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(replay.events()[0].event, "newBoard");
  EXPECT_EQ(replay.events()[1].event, "newPath");
}

/// Writes work again: the next board gets the next event id (no id was
/// used up by the refused writes), and `stream` receives it.
void expect_writes_work(const server_process& s, const seeded& before,
                        sse_client& stream) {
  auto b = http_json("POST", url(s, "/api/boards"), board_body("after"),
                     before.alice.token);
  ASSERT_EQ(b.status, 201) << b.body;
  ASSERT_TRUE(stream.wait_events(3, 10s)) << stream.raw();
  const auto events = stream.events();
  EXPECT_EQ(ids_of(events), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(events.back().event, "newBoard");
  EXPECT_EQ(int_at(json::parse(events.back().data), "board_id"),
            int_at(b.json(), "id"));
  sign_up(s.base_url(), "bob");
}

void dump_log_on_failure(const server_process& s) {
  if (::testing::Test::HasFailure())
    std::cerr << "---- server log ----\n"
              << s.log() << "---- end of log ----\n";
}

// -- a full disk --------------------------------------------------------------

TEST(DiskFault, SqliteOnAFullDiskRefusesWritesKeepsReadsAndRecovers) {
  DOTS_IN_PRIVATE_MOUNT_NAMESPACE();
  temp_dir dir;
  temp_dir logs; // not on the small disk: the server's log must not fill it
  std::filesystem::create_directory(dir.path() / "disk");
  dots::test::tmpfs_mount disk{dir.path() / "disk", 4 << 20};
  server_process s{
      (disk.path() / "dots.db").string(), {}, "127.0.0.1:0", logs.path()};
  const auto before = seed(s);
  ASSERT_FALSE(::testing::Test::HasFailure());
  sse_client live{url(s, sse_path), {"Last-Event-ID: 0"}};
  ASSERT_TRUE(live.wait_events(2, 10s));

  EXPECT_GT(dots::test::fill_disk(disk.path()), 0u);
  expect_writes_refused(s, before);
  expect_reads_unchanged(s, before);
  EXPECT_FALSE(live.closed()) << "the open stream was ended";

  std::filesystem::remove(disk.path() / "filler");
  expect_writes_work(s, before, live);
  EXPECT_FALSE(live.closed());
  dump_log_on_failure(s);
}

/// A throw-away PostgreSQL cluster (scripts/pg.sh) whose data lives in
/// `folder`, e.g. on a small tmpfs; stopped and removed when this goes.
class postgres_in {
public:
  explicit postgres_in(std::filesystem::path folder)
      : dir_(std::move(folder)) {
    run("start");
    std::ifstream in{dir_ / "url"};
    std::getline(in, url_);
    if (url_.empty())
      throw std::runtime_error("scripts/pg.sh start wrote no URL");
  }
  ~postgres_in() { run("stop"); }
  postgres_in(const postgres_in&) = delete;
  postgres_in& operator=(const postgres_in&) = delete;

  const std::string& url() const { return url_; }
  /// The server's own log, to show when a test fails.
  std::string log() const {
    std::ifstream in{dir_ / "log"};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

private:
  void run(const std::string& command) {
    const auto line = std::string{DOTS_SOURCE_DIR} + "/scripts/pg.sh " +
                      command + " '" + dir_.string() + "' >/dev/null";
    EXPECT_EQ(std::system(line.c_str()), 0) << line;
  }

  std::filesystem::path dir_;
  std::string url_;
};

TEST(DiskFault, PostgresOnAFullDiskRefusesWritesKeepsReadsAndRecovers) {
  DOTS_IN_PRIVATE_MOUNT_NAMESPACE();
  temp_dir dir;
  temp_dir logs;
  // The cluster's own user must reach the disk: temp_dir is private.
  std::filesystem::permissions(dir.path(),
                               std::filesystem::perms::owner_all |
                                   std::filesystem::perms::group_exec |
                                   std::filesystem::perms::others_exec);
  std::filesystem::create_directory(dir.path() / "disk");
  // A new cluster takes about 40 MiB (one 16 MiB WAL segment included).
  dots::test::tmpfs_mount disk{dir.path() / "disk", 160 << 20};
  postgres_in pg{disk.path() / "pg"};
  server_process s{pg.url(), {}, "127.0.0.1:0", logs.path()};
  const auto before = seed(s);
  ASSERT_FALSE(::testing::Test::HasFailure());
  sse_client live{url(s, sse_path), {"Last-Event-ID: 0"}};
  ASSERT_TRUE(live.wait_events(2, 10s));

  EXPECT_GT(dots::test::fill_disk(disk.path()), 0u);
  // PostgreSQL writes into pages and WAL segments it already has until one
  // must grow: until then a write succeeds, and must be whole. The first
  // that needs room is refused, and so is every later one.
  std::vector<std::int64_t> stored;
  bool full = false;
  for (int i = 0; i < 1000 && !full; ++i) {
    auto r =
        http_json("POST", url(s, "/api/boards"),
                  board_body("more" + std::to_string(i)), before.alice.token);
    if (r.status == 201)
      stored.push_back(int_at(r.json(), "id"));
    else
      full = refused(r);
    ASSERT_TRUE(r.status == 201 || full) << r.status << ": " << r.body;
  }
  ASSERT_TRUE(full) << "1,000 boards fitted in the space that was left";
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(
        refused(http_json("POST", url(s, "/api/boards"),
                          board_body("still full"), before.alice.token)));

  // Each stored board is there with its event; the refused ones left
  // neither, nor an event id: the stream has 2 + stored events, no more.
  const auto total = 2 + stored.size();
  ASSERT_TRUE(live.wait_events(total, 20s));
  auto events = live.events();
  ASSERT_EQ(events.size(), total);
  for (std::size_t k = 0; k < total; ++k)
    EXPECT_EQ(id_of(events[k]), static_cast<std::int64_t>(k + 1));
  for (std::size_t k = 0; k < stored.size(); ++k) {
    EXPECT_EQ(int_at(json::parse(events[k + 2].data), "board_id"), stored[k]);
    EXPECT_EQ(
        http("GET", url(s, "/api/boards/" + std::to_string(stored[k]))).status,
        200);
  }
  auto list = http("GET", url(s, "/api/boards?limit=100"));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json().at("boards").as_array().size(),
            std::min<std::size_t>(100, 1 + stored.size()));
  EXPECT_EQ(http("GET", url(s, "/api/auth/me"), {},
                 {"Authorization: Bearer " + before.alice.token})
                .status,
            200);
  EXPECT_FALSE(live.closed()) << "the open stream was ended";

  std::filesystem::remove(disk.path() / "filler");
  auto b = http_json("POST", url(s, "/api/boards"), board_body("after"),
                     before.alice.token);
  ASSERT_EQ(b.status, 201) << b.body;
  ASSERT_TRUE(live.wait_events(total + 1, 10s));
  EXPECT_EQ(id_of(live.events().back()), static_cast<std::int64_t>(total + 1));
  sign_up(s.base_url(), "bob");
  EXPECT_FALSE(live.closed());
  dump_log_on_failure(s);
  if (::testing::Test::HasFailure())
    std::cerr << "---- PostgreSQL log ----\n" << pg.log() << "\n";
}

// -- a read-only database -----------------------------------------------------

/// Seeds a database in `folder`, stops the server with `stop_signal`, makes
/// the folder read-only and starts a server there: it serves reads and the
/// stream, and refuses every write. Once the folder is writable again, a
/// server there writes as before.
void read_only_after_stop(int stop_signal, bool wal_left_behind) {
  temp_dir dir;
  temp_dir logs;
  const auto folder = dir.path() / "db";
  std::filesystem::create_directory(folder);
  const auto file = (folder / "dots.db").string();
  seeded before;
  {
    server_process first{file, {}, "127.0.0.1:0", logs.path()};
    before = seed(first);
    EXPECT_EQ(first.stop(stop_signal),
              stop_signal == SIGTERM ? 0 : 128 + SIGKILL);
  }
  ASSERT_FALSE(::testing::Test::HasFailure());
  // A clean stop checkpoints the write-ahead log (SQLite then removes it,
  // or leaves it empty when another connection closed at the same moment);
  // a crash leaves it, with committed changes only it holds.
  std::error_code ec;
  const auto wal_bytes = std::filesystem::exists(file + "-wal")
                             ? std::filesystem::file_size(file + "-wal", ec)
                             : 0;
  ASSERT_EQ(wal_bytes > 0, wal_left_behind) << wal_bytes << " bytes of WAL";
  {
    dots::test::read_only_bind ro{folder};
    server_process s{file, {}, "127.0.0.1:0", logs.path()};
    sse_client live{url(s, sse_path), {"Last-Event-ID: 0"}};
    ASSERT_TRUE(live.wait_events(2, 10s));
    expect_reads_unchanged(s, before);
    expect_writes_refused(s, before);
    EXPECT_FALSE(live.closed()) << "the open stream was ended";
    EXPECT_NE(s.log().find("is read-only"), std::string::npos) << s.log();
    dump_log_on_failure(s);
  }
  server_process again{file, {}, "127.0.0.1:0", logs.path()};
  sse_client live{url(again, sse_path), {"Last-Event-ID: 0"}};
  ASSERT_TRUE(live.wait_events(2, 10s));
  expect_writes_work(again, before, live);
  dump_log_on_failure(again);
}

// A clean stop leaves no write-ahead log with content, however the
// persistence actors' connections happen to close (sqlite_store's
// destructor), so a read-only start afterwards serves everything.
TEST(DiskFault, SqliteReadOnlyAfterACleanStopServesReadsAndRefusesWrites) {
  DOTS_IN_PRIVATE_MOUNT_NAMESPACE();
  read_only_after_stop(SIGTERM, false);
}

TEST(DiskFault, SqliteReadOnlyAfterACrashServesEverythingCommitted) {
  DOTS_IN_PRIVATE_MOUNT_NAMESPACE();
  read_only_after_stop(SIGKILL, true);
}

TEST(DiskFault, PostgresReadOnlyDatabaseServesReadsAndRefusesWrites) {
  // What a standby, or a database an operator has made read-only, looks
  // like to the server: every writing statement fails with SQLSTATE 25006.
  dots::test::pg_database db;
  temp_dir logs;
  seeded before;
  {
    server_process first{db.url(), {}, "127.0.0.1:0", logs.path()};
    before = seed(first);
  }
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_TRUE(db.exec("ALTER DATABASE " + db.name() +
                      " SET default_transaction_read_only = on"));
  {
    server_process s{db.url(), {}, "127.0.0.1:0", logs.path()};
    sse_client live{url(s, sse_path), {"Last-Event-ID: 0"}};
    ASSERT_TRUE(live.wait_events(2, 10s));
    expect_reads_unchanged(s, before);
    expect_writes_refused(s, before);
    EXPECT_FALSE(live.closed()) << "the open stream was ended";
    dump_log_on_failure(s);
  }
  // (The test's own session is read-only too, so it asks to write.)
  ASSERT_TRUE(db.exec("BEGIN READ WRITE; ALTER DATABASE " + db.name() +
                      " RESET default_transaction_read_only; COMMIT"));
  server_process again{db.url(), {}, "127.0.0.1:0", logs.path()};
  sse_client live{url(again, sse_path), {"Last-Event-ID: 0"}};
  ASSERT_TRUE(live.wait_events(2, 10s));
  expect_writes_work(again, before, live);
  dump_log_on_failure(again);
}

} // namespace
