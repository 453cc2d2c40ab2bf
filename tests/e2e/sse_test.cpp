// End-to-end tests of the live notifications (GET /sse/notifications/) and
// of the operations around them (/metrics, capacity, shutdown): the real
// dots-server binary on a loopback port, real HTTP and SSE clients.
//
// Every test starts its own server on its own temporary database, so ctest
// can run them in parallel. Every wait is bounded in time, every loop in
// count and time.

#include "support/e2e_helpers.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

#include <algorithm>
#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <curl/curl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
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
using dots::test::int_at;
using dots::test::log_in;
using dots::test::path_body;
using dots::test::server_process;
using dots::test::sign_up;
using dots::test::sse_client;
using dots::test::sse_event;
using dots::test::sse_path;
using dots::test::string_at;
using dots::test::temp_dir;
using clock_type = std::chrono::steady_clock;

// -- small helpers ------------------------------------------------------------

/// One dots-server on a fresh database; the folder outlives the server.
struct test_server {
  explicit test_server(std::vector<std::string> extra = {})
      : server{std::make_unique<server_process>(db(), std::move(extra))} {}
  ~test_server() { print_log_on_failure(); }
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  std::filesystem::path db() const { return dir.path() / "dots.db"; }
  std::string base() const { return server->base_url(); }
  std::string url(std::string_view path) const {
    return server->base_url() + std::string{path};
  }

  /// Stops with SIGTERM (expecting a clean exit) and starts a new server on
  /// the same database and address.
  void restart(std::vector<std::string> extra = {}) {
    auto address = server->address();
    EXPECT_EQ(server->stop(SIGTERM), 0) << server->log();
    print_log_on_failure();
    server.reset();
    server = std::make_unique<server_process>(db(), std::move(extra), address);
  }

  /// What the server printed (an ASan report, say), when the test failed.
  void print_log_on_failure() const {
    if (server && ::testing::Test::HasFailure())
      std::cerr << "---- dots-server log ----\n"
                << server->log() << "---- end of log ----\n";
  }

  temp_dir dir;
  std::unique_ptr<server_process> server;
};

std::int64_t create_board(const test_server& s, const account& a,
                          std::string_view name) {
  return dots::test::create_board(s.base(), a.token, board_body(name));
}

std::string board_url(const test_server& s, std::int64_t id) {
  return s.url("/api/boards/" + std::to_string(id));
}

/// Saves the caller's path on `board`; returns the response (201 or 200).
http_response save_path(const test_server& s, const account& a,
                        std::int64_t board, bool complete) {
  return http_json("PUT", board_url(s, board) + "/path", path_body(complete),
                   a.token);
}

/// The event's data as a JSON object (an empty one, and a failure, if not).
json::object data_of(const sse_event& e) {
  boost::system::error_code ec;
  auto v = json::parse(e.data, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "event data is not a JSON object: '" << e.data << "'";
    return {};
  }
  return v.as_object();
}

json::object board_data(std::int64_t board, std::string_view name,
                        std::string_view creator) {
  return json::object{
      {"board_id", board}, {"board_name", name}, {"creator_username", creator}};
}

json::object path_data(std::int64_t path, std::int64_t board,
                       std::string_view board_name, std::string_view user) {
  return json::object{{"path_id", path},
                      {"board_id", board},
                      {"board_name", board_name},
                      {"user_username", user}};
}

struct expected_event {
  std::string name;
  json::object data;
};

/// `got` holds exactly `want`, in order, with strictly increasing ids.
void expect_events(const std::vector<sse_event>& got,
                   const std::vector<expected_event>& want,
                   const std::string& who) {
  SCOPED_TRACE(who);
  ASSERT_EQ(got.size(), want.size());
  std::int64_t last = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("event #" + std::to_string(i) + " id '" + got[i].id + "'");
    EXPECT_EQ(got[i].event, want[i].name);
    EXPECT_EQ(data_of(got[i]), want[i].data) << got[i].data;
    auto id = id_of(got[i]);
    EXPECT_GT(id, last) << "ids must increase strictly";
    last = id;
  }
}

/// Ids are consecutive: no gap and no duplicate.
void expect_consecutive(const std::vector<sse_event>& events,
                        std::int64_t first) {
  for (std::size_t i = 0; i < events.size(); ++i)
    EXPECT_EQ(id_of(events[i]), first + static_cast<std::int64_t>(i))
        << "event #" << i << " (" << events[i].event << " " << events[i].data
        << ")";
}

/// The SSE frames of a raw stream (the server ends lines with LF).
std::vector<std::string> frames_of(const std::string& raw) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    auto end = raw.find("\n\n", at);
    if (end == std::string::npos)
      break;
    out.push_back(raw.substr(at, end - at));
    at = end + 2;
  }
  return out;
}

/// Opens a stream and waits until it has started: its `retry:` hint came
/// and, for a fresh stream (no resume), the opening `id:` line that names
/// the newest event (documented in the README).
std::unique_ptr<sse_client> open_stream(const test_server& s,
                                        const std::string& query = {},
                                        std::vector<std::string> headers = {}) {
  bool fresh = query.find("lastEventId=") == std::string::npos;
  for (auto& h : headers)
    if (h.starts_with("Last-Event-ID:"))
      fresh = false;
  auto c =
      std::make_unique<sse_client>(s.url(sse_path) + query, std::move(headers));
  EXPECT_TRUE(eventually(
      [&] {
        return c->closed() || (!c->retry().empty() &&
                               (!fresh || frames_of(c->raw()).size() >= 2));
      },
      5s))
      << "the stream did not start within 5 s: " << c->raw();
  EXPECT_EQ(c->status(), 200) << c->raw();
  EXPECT_FALSE(c->closed()) << c->raw();
  return c;
}

/// Closes clients at once (each takes up to a second to notice).
void stop_all(const std::vector<sse_client*>& clients) {
  std::vector<std::thread> threads;
  for (auto* c : clients)
    threads.emplace_back([c] { c->stop(); });
  for (auto& t : threads)
    t.join();
}

/// The samples of /metrics: "name" or "name{labels}" to value.
std::map<std::string, double> scrape(const test_server& s) {
  auto r = http("GET", s.url("/metrics"));
  EXPECT_EQ(r.status, 200) << r.body;
  std::map<std::string, double> out;
  std::istringstream in{r.body};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#')
      continue;
    auto sp = line.rfind(' ');
    if (sp == std::string::npos) {
      ADD_FAILURE() << "bad metrics line: " << line;
      continue;
    }
    out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
  }
  return out;
}

double metric(const test_server& s, const std::string& name) {
  auto m = scrape(s);
  auto it = m.find(name);
  return it == m.end() ? -1 : it->second;
}

double value_or_zero(const std::map<std::string, double>& m,
                     const std::string& name) {
  auto it = m.find(name);
  return it == m.end() ? 0 : it->second;
}

/// Scrapes until `pred` holds for the samples (counters are updated just
/// after the bytes go out, so a client may see an event a moment before the
/// counter moves) or `timeout` passes; returns the last samples.
template <class Pred>
std::map<std::string, double>
scrape_until(const test_server& s, Pred pred,
             std::chrono::milliseconds timeout = 2s) {
  std::map<std::string, double> m;
  eventually(
      [&] {
        m = scrape(s);
        return pred(m);
      },
      timeout);
  return m;
}

std::string status_key(int status) {
  return "dots_http_responses_total{status=\"" + std::to_string(status) + "\"}";
}

/// Sends JSON with a bearer token over one kept-alive connection (libcurl
/// reuses it), for the tests that need thousands of events quickly.
class json_poster {
public:
  explicit json_poster(const std::string& token)
      : curl_{curl_easy_init()} {
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
    auto auth = "Authorization: Bearer " + token;
    headers_ = curl_slist_append(headers_, auth.c_str());
    headers_ = curl_slist_append(headers_, "Expect:");
  }
  ~json_poster() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  json_poster(const json_poster&) = delete;
  json_poster& operator=(const json_poster&) = delete;

  /// The response status (0 when the request failed); its body in `reply`.
  long send(const char* method, const std::string& url, const std::string& body,
            std::string& reply) {
    reply.clear();
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &append);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(curl_) != CURLE_OK)
      return 0;
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

private:
  static std::size_t append(char* p, std::size_t size, std::size_t n,
                            void* out) {
    static_cast<std::string*>(out)->append(p, size * n);
    return size * n;
  }

  CURL* curl_;
  curl_slist* headers_ = nullptr;
};

// -- 1. the basic check -------------------------------------------------------

TEST(Sse, NewBoardReachesAnOpenStream) {
  test_server s;
  auto alice = sign_up(s.base(), "alice");
  auto c = open_stream(s);
  EXPECT_EQ(c->status(), 200);
  EXPECT_EQ(c->header("content-type"), "text/event-stream");
  EXPECT_EQ(c->header("cache-control"), "no-cache");
  EXPECT_EQ(c->header("x-accel-buffering"), "no");
  // The retry hint comes at once, before any event, then the opening id
  // line: the newest event's id, 0 on a fresh database.
  const auto head = c->raw();
  EXPECT_TRUE(head.starts_with("retry: ")) << head;
  EXPECT_TRUE(head.ends_with("\n\nid: 0\n\n")) << head;
  EXPECT_EQ(head, "retry: " + c->retry() + "\n\nid: 0\n\n");
  EXPECT_TRUE(c->events().empty());
  std::int64_t retry = -1;
  auto r = c->retry();
  auto [end, ec] = std::from_chars(r.data(), r.data() + r.size(), retry);
  EXPECT_TRUE(ec == std::errc{} && end == r.data() + r.size() && retry > 0)
      << "retry: '" << r << "'";

  auto board = create_board(s, alice, "Nowa Plansza");
  ASSERT_TRUE(c->wait_events(1)) << c->raw();
  auto events = c->events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "newBoard");
  EXPECT_GT(id_of(events[0]), 0) << events[0].id;
  EXPECT_EQ(data_of(events[0]), board_data(board, "Nowa Plansza", "alice"));
  // On the wire: exactly the id, event and data fields, nothing else.
  EXPECT_EQ(c->raw(), head + "id: " + events[0].id +
                          "\nevent: newBoard\ndata: " + events[0].data +
                          "\n\n");
}

// -- 2. every client gets every event, in the same order ----------------------

TEST(Sse, ConcurrentClientsReceiveEveryEventInTheSameOrder) {
  test_server s;
  auto bob = sign_up(s.base(), "bob");
  constexpr std::size_t clients = 5;
  std::vector<std::unique_ptr<sse_client>> streams;
  for (std::size_t i = 0; i < clients; ++i)
    streams.push_back(open_stream(s));

  auto a = create_board(s, bob, "Plansza A");
  auto b = create_board(s, bob, "Plansza B");
  // Requests that fail emit nothing.
  auto bad = board_body("Zla");
  bad.as_object()["dots"].as_array()[0].as_object()["color"] = "red";
  EXPECT_EQ(http_json("POST", s.url("/api/boards"), bad, bob.token).status,
            400);
  EXPECT_EQ(http_json("POST", s.url("/api/boards"), board_body("Anon")).status,
            401);
  auto first = save_path(s, bob, a, false);
  EXPECT_EQ(first.status, 201) << first.body;
  auto path_id = int_at(first.json(), "id");
  auto second = save_path(s, bob, a, true);
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(int_at(second.json(), "id"), path_id);
  EXPECT_EQ(save_path(s, bob, 999999, false).status, 404);
  auto upd =
      http_json("PUT", board_url(s, a), board_body("Plansza A2"), bob.token);
  EXPECT_EQ(upd.status, 200) << upd.body;
  auto del = http("DELETE", board_url(s, b), {},
                  {"Authorization: Bearer " + bob.token});
  EXPECT_EQ(del.status, 204) << del.body;
  // A last board marks the end: events arrive in order, so once it is in,
  // anything extra (a duplicate, an event of a failed request) is in too.
  auto marker = create_board(s, bob, "marker");

  auto updated = path_data(path_id, a, "Plansza A", "bob");
  updated["complete"] = true;
  const std::vector<expected_event> want{
      {"newBoard", board_data(a, "Plansza A", "bob")},
      {"newBoard", board_data(b, "Plansza B", "bob")},
      {"newPath", path_data(path_id, a, "Plansza A", "bob")},
      {"pathUpdated", updated},
      {"boardUpdated", board_data(a, "Plansza A2", "bob")},
      {"boardDeleted", board_data(b, "Plansza B", "bob")},
      {"newBoard", board_data(marker, "marker", "bob")},
  };
  for (auto& c : streams)
    EXPECT_TRUE(c->wait_for(
        [&](const std::vector<sse_event>& got) {
          return !got.empty() && got.back().event == "newBoard" &&
                 data_of(got.back()) == want.back().data;
        },
        5s))
        << c->raw();
  const auto reference = streams[0]->events();
  for (std::size_t i = 0; i < clients; ++i) {
    auto got = streams[i]->events();
    expect_events(got, want, "client " + std::to_string(i));
    ASSERT_EQ(got.size(), reference.size());
    for (std::size_t k = 0; k < got.size(); ++k)
      EXPECT_EQ(got[k].id, reference[k].id) << "client " << i << " event " << k;
  }
  if (!reference.empty())
    expect_consecutive(reference, id_of(reference[0]));
  std::vector<sse_client*> all;
  for (auto& c : streams)
    all.push_back(c.get());
  stop_all(all);
}

// -- 3. keep-alives -----------------------------------------------------------

TEST(Sse, KeepAliveCommentsAtTheConfiguredInterval) {
  test_server s{{"--keepalive-seconds", "1"}};
  auto c = open_stream(s);
  // Two within 10 s: the configured second, not the default 15 s; the
  // margin is for a loaded machine (or ThreadSanitizer), not a latency.
  EXPECT_TRUE(eventually([&] { return c->comments() >= 2; }, 10s))
      << "comments: " << c->comments() << " raw: " << c->raw();
  EXPECT_NE(c->raw().find("\n\n: keep-alive\n\n"), std::string::npos)
      << c->raw();
  EXPECT_TRUE(c->events().empty());
  EXPECT_FALSE(c->closed());
}

// -- 4. resume ----------------------------------------------------------------

TEST(Sse, ResumeWithLastEventIdHeaderOrQuery) {
  test_server s;
  auto erin = sign_up(s.base(), "erin");
  std::vector<std::int64_t> boards;
  auto c1 = open_stream(s);
  for (int i = 0; i < 3; ++i)
    boards.push_back(create_board(s, erin, "before " + std::to_string(i)));
  ASSERT_TRUE(c1->wait_events(3)) << c1->raw();
  const auto seen = c1->events();
  const auto last_seen = id_of(seen.back());
  c1->stop();
  EXPECT_TRUE(c1->closed());

  for (int i = 0; i < 3; ++i)
    boards.push_back(create_board(s, erin, "missed " + std::to_string(i)));
  std::vector<expected_event> want;
  for (int i = 0; i < 3; ++i)
    want.push_back(
        {"newBoard",
         board_data(boards[3 + i], "missed " + std::to_string(i), "erin")});

  // Header.
  auto c2 = open_stream(s, {}, {"Last-Event-ID: " + std::to_string(last_seen)});
  ASSERT_TRUE(c2->wait_events(3)) << c2->raw();
  expect_events(c2->events(), want, "Last-Event-ID replay");
  expect_consecutive(c2->events(), last_seen + 1);

  // Then live ones.
  boards.push_back(create_board(s, erin, "live 0"));
  want.push_back({"newBoard", board_data(boards.back(), "live 0", "erin")});
  ASSERT_TRUE(c2->wait_events(4)) << c2->raw();

  // Query parameter, the same.
  auto c3 = open_stream(s, "?lastEventId=" + std::to_string(last_seen));
  ASSERT_TRUE(c3->wait_events(4)) << c3->raw();
  expect_events(c3->events(), want, "lastEventId replay");

  // Resuming from the newest id replays nothing.
  auto newest = id_of(c3->events().back());
  auto c4 = open_stream(s, {}, {"Last-Event-ID: " + std::to_string(newest)});
  // A fresh stream gets no history: it opens with the newest id.
  auto c5 = open_stream(s);
  auto opening = frames_of(c5->raw());
  ASSERT_GE(opening.size(), 2u) << c5->raw();
  EXPECT_EQ(opening[1], "id: " + std::to_string(newest));

  boards.push_back(create_board(s, erin, "live 1"));
  want.push_back({"newBoard", board_data(boards.back(), "live 1", "erin")});
  // A last board marks the end: once it is in, a duplicate of "live 1" (a
  // replayed frame sent live again) would be in too.
  boards.push_back(create_board(s, erin, "marker"));
  const expected_event marker{"newBoard",
                              board_data(boards.back(), "marker", "erin")};
  const auto until_marker = [&](const std::vector<sse_event>& got) {
    return !got.empty() && data_of(got.back()) == marker.data;
  };
  for (auto* c : {c2.get(), c3.get(), c4.get(), c5.get()})
    ASSERT_TRUE(c->wait_for(until_marker)) << c->raw();
  want.push_back(marker);
  expect_events(c2->events(), want, "Last-Event-ID, then live");
  expect_consecutive(c2->events(), last_seen + 1);
  expect_events(c3->events(), want, "lastEventId, then live");
  expect_consecutive(c3->events(), last_seen + 1);
  const std::vector<expected_event> live(want.end() - 2, want.end());
  expect_events(c4->events(), live, "resumed at the newest id");
  expect_events(c5->events(), live, "fresh stream");
  stop_all({c2.get(), c3.get(), c4.get(), c5.get()});
}

TEST(Sse, ResumeAcrossARestartOnTheSameDatabase) {
  test_server s;
  auto fay = sign_up(s.base(), "fay");
  auto c1 = open_stream(s);
  std::vector<std::int64_t> boards;
  for (int i = 0; i < 4; ++i)
    boards.push_back(create_board(s, fay, "old " + std::to_string(i)));
  ASSERT_TRUE(c1->wait_events(4)) << c1->raw();
  const auto before = c1->events();
  c1->stop();
  const auto old_max = id_of(before.back());
  // The client saw only the first two.
  const auto resume_from = id_of(before[1]);

  s.restart();
  fay.token = log_in(s.base(), fay.username);
  for (int i = 0; i < 2; ++i)
    boards.push_back(create_board(s, fay, "new " + std::to_string(i)));

  auto c2 =
      open_stream(s, {}, {"Last-Event-ID: " + std::to_string(resume_from)});
  ASSERT_TRUE(c2->wait_events(4)) << c2->raw() << s.server->log();
  auto got = c2->events();
  ASSERT_EQ(got.size(), 4u) << c2->raw();
  // The two old events, byte for byte as before the restart.
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(got[i].id, before[2 + i].id);
    EXPECT_EQ(got[i].event, before[2 + i].event);
    EXPECT_EQ(got[i].data, before[2 + i].data);
  }
  // The new ones continue above the old ids.
  EXPECT_GT(id_of(got[2]), old_max);
  EXPECT_GT(id_of(got[3]), id_of(got[2]));
  expect_events(got,
                {{"newBoard", board_data(boards[2], "old 2", "fay")},
                 {"newBoard", board_data(boards[3], "old 3", "fay")},
                 {"newBoard", board_data(boards[4], "new 0", "fay")},
                 {"newBoard", board_data(boards[5], "new 1", "fay")}},
                "after restart");
  expect_consecutive(got, resume_from + 1);

  // And live ones follow.
  auto live = create_board(s, fay, "new live");
  ASSERT_TRUE(c2->wait_events(5)) << c2->raw();
  auto last = c2->events().back();
  EXPECT_EQ(data_of(last), board_data(live, "new live", "fay"));
  EXPECT_EQ(id_of(last), id_of(got[3]) + 1);
}

TEST(Sse, ResumeFromAnIdAheadOfTheLogStillGetsNewEvents) {
  // A client that saw ids this server has not reached (a restored or
  // replaced database): it is connected, so it must get the next events,
  // after a reset telling it to reload (its id names events this log never
  // had), not silence.
  test_server s;
  auto max = sign_up(s.base(), "max");
  auto ahead = open_stream(s, {}, {"Last-Event-ID: 1000"});
  auto board = create_board(s, max, "after the restore");
  // A second board marks the end: once it is in, anything sent twice or
  // out of order would be in too.
  auto marker = create_board(s, max, "marker");
  ASSERT_TRUE(ahead->wait_events(3))
      << "a connected client got nothing: " << ahead->raw();
  const auto got = ahead->events();
  ASSERT_EQ(got.size(), 3u) << ahead->raw();
  // The log is empty until the board: its event is the oldest retained,
  // whether the reset was decided before or after it committed.
  EXPECT_EQ(got[0].event, "reset");
  EXPECT_EQ(data_of(got[0]), (json::object{{"oldest_id", id_of(got[1])}}));
  EXPECT_EQ(got[1].event, "newBoard");
  EXPECT_EQ(data_of(got[1]), board_data(board, "after the restore", "max"));
  EXPECT_EQ(got[2].event, "newBoard");
  EXPECT_EQ(data_of(got[2]), board_data(marker, "marker", "max"));
  EXPECT_EQ(id_of(got[2]), id_of(got[1]) + 1);
}

TEST(Sse, ParallelBoardAndPathWritesArriveInOrderWithoutGaps) {
  // Boards and paths commit on separate connections; their events may reach
  // the notifier crossed, yet streams see one gap-free, increasing sequence,
  // and a replay of the log is the same sequence as the live one.
  test_server s;
  auto nia = sign_up(s.base(), "nia");
  auto live = open_stream(s);
  auto board = create_board(s, nia, "shared");
  constexpr int per_writer = 150;
  json_poster boards_writer{nia.token};
  json_poster paths_writer{nia.token};
  std::atomic<int> failures{0};
  // Bounded in count and time: on a slow machine (or under ThreadSanitizer)
  // fewer writes are made, and exactly those are expected.
  const auto deadline = clock_type::now() + 20s;
  int boards_made = 0;
  int paths_saved = 0;
  std::thread boards_thread{[&] {
    const auto body = json::serialize(board_body("parallel"));
    std::string reply;
    for (; boards_made < per_writer && clock_type::now() < deadline;
         ++boards_made)
      if (boards_writer.send("POST", s.url("/api/boards"), body, reply) != 201)
        ++failures;
  }};
  std::thread paths_thread{[&] {
    std::string reply;
    for (; paths_saved < per_writer && clock_type::now() < deadline;
         ++paths_saved) {
      auto body = json::serialize(path_body(paths_saved % 2 == 1));
      auto status =
          paths_writer.send("PUT", board_url(s, board) + "/path", body, reply);
      if (status != (paths_saved == 0 ? 201 : 200))
        ++failures;
    }
  }};
  boards_thread.join();
  paths_thread.join();
  EXPECT_EQ(failures.load(), 0);
  // Enough of both to cross on the way to the notifier.
  ASSERT_GE(boards_made, 10);
  ASSERT_GE(paths_saved, 10);

  const std::size_t total = 1 + static_cast<std::size_t>(boards_made) +
                            static_cast<std::size_t>(paths_saved);
  ASSERT_TRUE(live->wait_events(total, 10s))
      << live->events().size() << " of " << total;
  auto got = live->events();
  EXPECT_EQ(got.size(), total);
  expect_consecutive(got, id_of(got[0]));
  std::map<std::string, int> by_name;
  for (auto& e : got)
    ++by_name[e.event];
  EXPECT_EQ(by_name["newBoard"], 1 + boards_made);
  EXPECT_EQ(by_name["newPath"], 1);
  EXPECT_EQ(by_name["pathUpdated"], paths_saved - 1);

  auto replay = open_stream(s, {}, {"Last-Event-ID: 0"});
  ASSERT_TRUE(replay->wait_events(total, 10s))
      << replay->events().size() << " of " << total;
  auto replayed = replay->events();
  ASSERT_EQ(replayed.size(), got.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(replayed[i].id, got[i].id) << i;
    EXPECT_EQ(replayed[i].event, got[i].event) << i;
    EXPECT_EQ(replayed[i].data, got[i].data) << i;
  }
  stop_all({live.get(), replay.get()});
}

TEST(Sse, EventsCreatedAfterTheStreamOpenedAreDeliveredUnderLoad) {
  // "Every connected client receives every event": once a client has the
  // response head and the retry hint, every event created after that must
  // reach it, also while the I/O threads are busy. Writers create boards
  // without pause, streams that never read keep the I/O threads writing,
  // and fresh probe streams open one after another; for each probe, every
  // board whose request started after the probe saw its retry hint must
  // arrive.
  // Queues large enough that no stream is dropped as slow meanwhile.
  test_server s{{"--threads", "2", "--stream-queue-frames", "1000000",
                 "--stream-queue-bytes", "1073741824"}};
  auto ola = sign_up(s.base(), "ola");
  std::vector<std::unique_ptr<dots::test::stuck_client>> load;
  for (int i = 0; i < 1000; ++i)
    load.push_back(std::make_unique<dots::test::stuck_client>(
        s.server->address(), std::string{sse_path}));

  struct started_board {
    clock_type::time_point started;
    std::int64_t id;
  };
  constexpr int writers = 3;
  constexpr int max_boards = 6000;
  const auto deadline = clock_type::now() + 15s;
  std::atomic<bool> done{false};
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::mutex mtx;
  std::vector<started_board> created;
  std::vector<std::unique_ptr<json_poster>> posters;
  for (int w = 0; w < writers; ++w)
    posters.push_back(std::make_unique<json_poster>(ola.token));
  const auto body = json::serialize(board_body("under load"));
  const auto url = s.url("/api/boards");
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, &poster = *posters[static_cast<std::size_t>(w)]] {
      std::string reply;
      while (!done.load() && clock_type::now() < deadline &&
             next.fetch_add(1) < max_boards) {
        auto started = clock_type::now();
        if (poster.send("POST", url, body, reply) != 201) {
          ++failures;
          continue;
        }
        auto id = int_at(json::parse(reply), "id");
        std::lock_guard<std::mutex> guard{mtx};
        created.push_back({started, id});
      }
    });

  constexpr int probes = 50;
  std::vector<std::unique_ptr<sse_client>> clients;
  std::vector<clock_type::time_point> saw_head;
  for (int i = 0; i < probes && clock_type::now() < deadline; ++i) {
    std::this_thread::sleep_for(20ms);
    auto c = std::make_unique<sse_client>(s.url(sse_path));
    // Spin (briefly) rather than sleep: the sooner the hint is seen, the
    // more boards count as created after it.
    const auto limit = clock_type::now() + 5s;
    while (c->retry().empty() && !c->closed() && clock_type::now() < limit)
      std::this_thread::yield();
    saw_head.push_back(clock_type::now());
    EXPECT_FALSE(c->retry().empty()) << "probe " << i << ": " << c->raw();
    clients.push_back(std::move(c));
  }
  std::this_thread::sleep_for(100ms);
  done = true;
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);

  std::int64_t last = 0;
  for (auto& b : created)
    last = std::max(last, b.id);
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto& c = *clients[i];
    EXPECT_TRUE(c.wait_for(
        [last](const std::vector<sse_event>& events) {
          return !events.empty() && id_of(events.back()) >= last;
        },
        10s))
        << "probe " << i << " did not catch up";
    std::set<std::int64_t> got;
    for (auto& e : c.events())
      got.insert(int_at(json::parse(e.data), "board_id"));
    std::vector<std::int64_t> missed;
    for (auto& b : created)
      if (b.started > saw_head[i] && !got.contains(b.id))
        missed.push_back(b.id);
    std::sort(missed.begin(), missed.end());
    auto frames = frames_of(c.raw());
    EXPECT_TRUE(missed.empty())
        << "probe " << i << " (opening frame '"
        << (frames.size() > 1 ? frames[1] : std::string{}) << "') missed "
        << missed.size()
        << " boards created after it had the response head, first "
        << (missed.empty() ? 0 : missed.front());
  }
  std::vector<sse_client*> all;
  for (auto& c : clients)
    all.push_back(c.get());
  stop_all(all);
}

// -- 5. reset -----------------------------------------------------------------

TEST(Sse, ResumeFromBeforeTheRetainedEventsStartsWithReset) {
  test_server s{{"--event-retention", "3"}};
  auto gus = sign_up(s.base(), "gus");
  auto watcher = open_stream(s);
  std::vector<std::int64_t> boards;
  for (int i = 0; i < 6; ++i)
    boards.push_back(create_board(s, gus, "b" + std::to_string(i)));
  ASSERT_TRUE(watcher->wait_events(6)) << watcher->raw();
  const auto all = watcher->events();
  const auto first_id = id_of(all[0]);
  const auto oldest = id_of(all[3]);

  auto check_reset = [&](sse_client& c, const std::string& who) {
    SCOPED_TRACE(who);
    ASSERT_TRUE(c.wait_events(4)) << c.raw();
    std::this_thread::sleep_for(100ms);
    auto got = c.events();
    ASSERT_EQ(got.size(), 4u) << c.raw();
    EXPECT_EQ(got[0].event, "reset");
    EXPECT_EQ(data_of(got[0]), (json::object{{"oldest_id", oldest}}));
    for (std::size_t i = 1; i < 4; ++i) {
      EXPECT_EQ(got[i].id, all[2 + i].id);
      EXPECT_EQ(got[i].event, "newBoard");
      EXPECT_EQ(got[i].data, all[2 + i].data);
    }
    // The reset frame carries no id (it is not an event of the log).
    auto frames = frames_of(c.raw());
    ASSERT_GE(frames.size(), 2u) << c.raw();
    EXPECT_TRUE(frames[0].starts_with("retry: ")) << frames[0];
    EXPECT_EQ(frames[1], "event: reset\ndata: " + got[0].data);
    EXPECT_EQ(frames[1].find("id:"), std::string::npos) << frames[1];
  };

  auto c = open_stream(s, {}, {"Last-Event-ID: " + std::to_string(first_id)});
  check_reset(*c, "Last-Event-ID before the window");
  auto q = open_stream(s, "?lastEventId=" + std::to_string(first_id));
  check_reset(*q, "lastEventId before the window");

  // Resuming right before the oldest retained event needs no reset.
  auto fine =
      open_stream(s, {}, {"Last-Event-ID: " + std::to_string(oldest - 1)});
  ASSERT_TRUE(fine->wait_events(3)) << fine->raw();
  std::this_thread::sleep_for(100ms);
  auto got = fine->events();
  ASSERT_EQ(got.size(), 3u) << fine->raw();
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(got[i].id, all[3 + i].id);

  // The same after a restart: retention applies to the durable log too.
  stop_all({c.get(), q.get(), fine.get(), watcher.get()});
  s.restart({"--event-retention", "3"});
  auto again =
      open_stream(s, {}, {"Last-Event-ID: " + std::to_string(first_id)});
  check_reset(*again, "after a restart");
}

// -- 6. filters ---------------------------------------------------------------

TEST(Sse, FiltersByEventNameAndBoard) {
  test_server s;
  auto hal = sign_up(s.base(), "hal");
  auto everything = open_stream(s);
  auto by_name = open_stream(s, "?events=newBoard,newPath");
  auto a = create_board(s, hal, "A");
  auto b = create_board(s, hal, "B");
  auto by_board = open_stream(s, "?board=" + std::to_string(a));
  auto by_both =
      open_stream(s, "?events=boardUpdated&board=" + std::to_string(a));

  auto p1 = save_path(s, hal, a, false);
  EXPECT_EQ(p1.status, 201) << p1.body;
  auto path_a = int_at(p1.json(), "id");
  EXPECT_EQ(save_path(s, hal, a, true).status, 200);
  auto p2 = save_path(s, hal, b, false);
  EXPECT_EQ(p2.status, 201) << p2.body;
  auto path_b = int_at(p2.json(), "id");
  EXPECT_EQ(
      http_json("PUT", board_url(s, b), board_body("B2"), hal.token).status,
      200);
  EXPECT_EQ(http("DELETE", board_url(s, b), {},
                 {"Authorization: Bearer " + hal.token})
                .status,
            204);
  EXPECT_EQ(
      http_json("PUT", board_url(s, a), board_body("A2"), hal.token).status,
      200);
  auto c = create_board(s, hal, "C");
  // Markers of the end: events arrive in order, so once a stream has its
  // marker, any event its filter should have dropped before it is in too.
  // One that ends board=A and boardUpdated&board=A, then one that ends
  // events=newBoard,newPath.
  EXPECT_EQ(
      http_json("PUT", board_url(s, a), board_body("A3"), hal.token).status,
      200);
  auto d = create_board(s, hal, "D");

  ASSERT_TRUE(everything->wait_events(11)) << everything->raw();
  auto completed = path_data(path_a, a, "A", "hal");
  completed["complete"] = true;
  const std::vector<expected_event> want_names{
      {"newBoard", board_data(a, "A", "hal")},
      {"newBoard", board_data(b, "B", "hal")},
      {"newPath", path_data(path_a, a, "A", "hal")},
      {"newPath", path_data(path_b, b, "B", "hal")},
      {"newBoard", board_data(c, "C", "hal")},
      {"newBoard", board_data(d, "D", "hal")},
  };
  const std::vector<expected_event> want_board{
      {"newPath", path_data(path_a, a, "A", "hal")},
      {"pathUpdated", completed},
      {"boardUpdated", board_data(a, "A2", "hal")},
      {"boardUpdated", board_data(a, "A3", "hal")},
  };
  const std::vector<expected_event> want_both{
      {"boardUpdated", board_data(a, "A2", "hal")},
      {"boardUpdated", board_data(a, "A3", "hal")},
  };
  const auto until = [](const expected_event& last) {
    return [&last](const std::vector<sse_event>& got) {
      return !got.empty() && got.back().event == last.name &&
             data_of(got.back()) == last.data;
    };
  };
  EXPECT_TRUE(by_name->wait_for(until(want_names.back()))) << by_name->raw();
  EXPECT_TRUE(by_board->wait_for(until(want_board.back()))) << by_board->raw();
  EXPECT_TRUE(by_both->wait_for(until(want_both.back()))) << by_both->raw();
  EXPECT_EQ(everything->events().size(), 11u);
  expect_events(by_name->events(), want_names, "events=newBoard,newPath");
  expect_events(by_board->events(), want_board, "board=A");
  expect_events(by_both->events(), want_both, "events=boardUpdated&board=A");
  stop_all({everything.get(), by_name.get(), by_board.get(), by_both.get()});

  // Unknown names and malformed values are refused, as JSON errors.
  struct bad_query {
    std::string query;
    std::string field;
  };
  for (const auto& [query, field] :
       std::vector<bad_query>{{"?events=bogus", "events"},
                              {"?events=newBoard,bogus", "events"},
                              {"?events=", "events"},
                              {"?board=abc", "board"},
                              {"?board=-1", "board"},
                              {"?lastEventId=abc", "lastEventId"}}) {
    auto r = http("GET", s.url(sse_path) + query);
    EXPECT_EQ(r.status, 400) << query << ": " << r.body;
    EXPECT_TRUE(r.headers["content-type"].starts_with("application/json"))
        << query << ": " << r.headers["content-type"];
    EXPECT_EQ(r.error_code(), "invalid_query") << query << ": " << r.body;
    EXPECT_EQ(r.error_field(), field) << query << ": " << r.body;
  }
}

TEST(Sse, AFilteredStreamThatSkippedOthersEventsResumesWithoutReset) {
  // Issue example: a stream on ?board=X sees 15 events about other boards go
  // by, with a retention of 10, then resumes. api.md, "Live notifications":
  // its resume point keeps moving (a bare `id:`, with the next keep-alive),
  // so it is not told to reset though it missed nothing it asked for.
  test_server s{{"--event-retention", "10", "--keepalive-seconds", "1"}};
  auto ivy = sign_up(s.base(), "ivy");
  const auto x = create_board(s, ivy, "watched"); // event 1
  const auto query = "?board=" + std::to_string(x);
  auto watcher = open_stream(s, query);
  ASSERT_EQ(watcher->last_event_id(), "1") << watcher->raw();
  for (int i = 0; i < 15; ++i) // events 2-16
    create_board(s, ivy, "other " + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return watcher->last_event_id() == "16"; }, 5s))
      << watcher->raw();
  EXPECT_TRUE(watcher->events().empty()) << "a bare id fires no event";
  EXPECT_NE(watcher->raw().find("\n\nid: 16\n\n: keep-alive\n\n"),
            std::string::npos)
      << watcher->raw();
  watcher->stop();

  auto p = save_path(s, ivy, x, false); // event 17, about X
  ASSERT_EQ(p.status, 201) << p.body;
  // Resumed from where EventSource would: no reset, the missed event once.
  auto resumed = open_stream(s, query, {"Last-Event-ID: 16"});
  ASSERT_TRUE(resumed->wait_events(1)) << resumed->raw();
  auto got = resumed->events();
  EXPECT_EQ(got.front().event, "newPath") << resumed->raw();
  EXPECT_EQ(id_of(got.front()), 17);
  EXPECT_EQ(resumed->raw().find("event: reset"), std::string::npos)
      << resumed->raw();
  // Without the moving resume point the client would have come back with
  // the id of its last event, 1, which is past the retained window.
  auto stale = open_stream(s, query, {"Last-Event-ID: 1"});
  ASSERT_TRUE(stale->wait_events(1)) << stale->raw();
  EXPECT_EQ(stale->events().front().event, "reset") << stale->raw();
  stop_all({resumed.get(), stale.get()});
}

// -- 7. a slow client is dropped, the others get everything -------------------

TEST(Sse, SlowClientIsDroppedWhileOthersReceiveEverything) {
  // Small limits, but with room for a client that does read while the
  // writers flood it on a loaded machine: the queue bytes also size each
  // stream's socket send buffer.
  test_server s{
      {"--stream-queue-frames", "64", "--stream-queue-bytes", "65536"}};
  auto ivy = sign_up(s.base(), "ivy");
  auto normal = open_stream(s);
  dots::test::stuck_client stuck{s.server->address(), std::string{sse_path}};
  ASSERT_TRUE(eventually([&] { return metric(s, "dots_open_streams") == 2; }))
      << "the stuck client's stream did not open";

  // Many events with long names (100 four-byte characters, so ~0.5 KB a
  // frame), from a few threads on kept-alive connections, until the server
  // drops the stuck client. The kernel buffers megabytes on loopback before
  // the server sees a full socket, so this takes thousands of events;
  // bounded by count and time.
  std::string name;
  for (int i = 0; i < 100; ++i)
    name += "\xF0\x9F\x98\x80"; // U+1F600
  const auto body = json::serialize(board_body(name));
  const auto url = s.url("/api/boards");
  constexpr int max_boards = 15000;
  constexpr int writers = 4;
  const auto deadline = clock_type::now() + 30s;
  std::atomic<int> next{0};
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::mutex mtx;
  std::set<std::int64_t> created;
  std::vector<std::unique_ptr<json_poster>> posters;
  for (int w = 0; w < writers; ++w)
    posters.push_back(std::make_unique<json_poster>(ivy.token));
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, &poster = *posters[static_cast<std::size_t>(w)]] {
      std::string reply;
      while (!done.load() && clock_type::now() < deadline) {
        if (next.fetch_add(1) >= max_boards)
          break;
        if (poster.send("POST", url, body, reply) != 201) {
          ++failures;
          continue;
        }
        auto id = int_at(json::parse(reply), "id");
        std::lock_guard<std::mutex> guard{mtx};
        created.insert(id);
      }
    });
  bool dropped = false;
  while (!dropped && clock_type::now() < deadline && next.load() < max_boards) {
    std::this_thread::sleep_for(50ms);
    dropped = metric(s, "dots_slow_clients_dropped_total") >= 1;
  }
  done = true;
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(dropped) << "no slow client dropped after " << created.size()
                       << " events";
  // The stuck client, and only it.
  EXPECT_EQ(metric(s, "dots_slow_clients_dropped_total"), 1);
  EXPECT_TRUE(stuck.closed_by_server(5s)) << "the stuck client is still open";

  // The reading client got every event, in order, and was not dropped.
  const auto n = created.size();
  EXPECT_TRUE(normal->wait_events(n, 10s))
      << normal->events().size() << " of " << n;
  std::this_thread::sleep_for(100ms);
  auto got = normal->events();
  EXPECT_EQ(got.size(), n);
  EXPECT_FALSE(normal->closed());
  if (!got.empty())
    expect_consecutive(got, id_of(got[0]));
  std::set<std::int64_t> seen;
  for (auto& e : got) {
    EXPECT_EQ(e.event, "newBoard");
    seen.insert(int_at(json::parse(e.data), "board_id"));
  }
  EXPECT_EQ(seen, created);
  EXPECT_TRUE(eventually([&] { return metric(s, "dots_open_streams") == 1; }));
}

// -- 8. capacity --------------------------------------------------------------

TEST(Sse, StreamsPastTheCapAreRefusedWith503) {
  test_server s{{"--max-streams", "2"}};
  auto jan = sign_up(s.base(), "jan");
  auto c1 = open_stream(s);
  auto c2 = open_stream(s);

  sse_client third{s.url(sse_path)};
  ASSERT_TRUE(third.wait_closed(5s)) << "the third stream was not refused";
  EXPECT_EQ(third.status(), 503);
  EXPECT_FALSE(third.header("retry-after").empty());
  EXPECT_TRUE(third.header("content-type").starts_with("application/json"))
      << third.header("content-type");
  http_response as_json;
  as_json.body = third.raw();
  EXPECT_FALSE(as_json.error_code().empty()) << third.raw();
  EXPECT_TRUE(third.events().empty());

  // Ordinary requests still work at the cap.
  EXPECT_EQ(http("GET", s.url("/healthz")).status, 200)
      << "the server is gone after refusing a stream:\n"
      << s.server->log();
  EXPECT_EQ(http("GET", s.url("/readyz")).status, 200);
  EXPECT_EQ(http("GET", s.url("/api/boards")).status, 200);
  auto board = create_board(s, jan, "at capacity");
  ASSERT_TRUE(c1->wait_events(1)) << c1->raw();
  ASSERT_TRUE(c2->wait_events(1)) << c2->raw();
  EXPECT_EQ(data_of(c1->events()[0]), board_data(board, "at capacity", "jan"));
  EXPECT_EQ(metric(s, "dots_streams_refused_total"), 1);
  EXPECT_EQ(metric(s, status_key(503)), 1);

  // One closes: a new one is accepted.
  c1->stop();
  ASSERT_TRUE(eventually([&] { return metric(s, "dots_open_streams") == 1; }))
      << "the closed stream is still counted";
  auto c3 = open_stream(s);
  EXPECT_EQ(c3->status(), 200);
  EXPECT_FALSE(c3->closed());
  stop_all({c2.get(), c3.get()});
}

// -- 9. shutdown --------------------------------------------------------------

TEST(Sse, SigtermEndsEveryStreamAndExitsZero) {
  test_server s;
  constexpr std::size_t n = 50;
  std::vector<std::unique_ptr<sse_client>> streams;
  for (std::size_t i = 0; i < n; ++i)
    streams.push_back(std::make_unique<sse_client>(s.url(sse_path)));
  for (auto& c : streams)
    ASSERT_TRUE(eventually([&] { return !c->retry().empty(); }))
        << "stream not open: " << c->status() << " " << c->raw();
  EXPECT_EQ(metric(s, "dots_open_streams"), static_cast<double>(n));

  const auto start = clock_type::now();
  auto status = s.server->stop(SIGTERM, 10s);
  const auto took = clock_type::now() - start;
  EXPECT_EQ(status, 0) << s.server->log();
  EXPECT_LT(took, 4s) << s.server->log();
  std::size_t ended = 0;
  for (auto& c : streams)
    if (c->wait_closed(2s))
      ++ended;
  EXPECT_EQ(ended, n);
}

// -- 10. metrics --------------------------------------------------------------

TEST(Sse, MetricsFollowStreamsEventsAndResponses) {
  test_server s;
  auto kim = sign_up(s.base(), "kim");
  auto page = http("GET", s.url("/metrics"));
  ASSERT_EQ(page.status, 200);
  EXPECT_TRUE(page.headers["content-type"].starts_with("text/plain"))
      << page.headers["content-type"];
  const std::vector<std::string> names{
      "dots_open_streams",
      "dots_events_published_total",
      "dots_frames_delivered_total",
      "dots_bytes_delivered_total",
      "dots_slow_clients_dropped_total",
      "dots_replays_served_total",
      "dots_http_responses_total",
  };
  for (auto& name : names)
    EXPECT_NE(page.body.find("# TYPE " + name + " "), std::string::npos)
        << name << "\n"
        << page.body;
  auto m0 = scrape(s);
  for (auto& name : names) {
    if (name != "dots_http_responses_total") {
      EXPECT_EQ(value_or_zero(m0, name), 0) << name;
    }
  }
  EXPECT_TRUE(m0.contains("dots_open_streams"));
  EXPECT_EQ(value_or_zero(m0, status_key(201)), 1); // the registration

  // Three clients, four events.
  std::vector<std::unique_ptr<sse_client>> streams;
  for (int i = 0; i < 3; ++i)
    streams.push_back(open_stream(s));
  EXPECT_EQ(metric(s, "dots_open_streams"), 3);
  std::vector<std::int64_t> boards;
  for (int i = 0; i < 4; ++i)
    boards.push_back(create_board(s, kim, "m" + std::to_string(i)));
  for (auto& c : streams)
    ASSERT_TRUE(c->wait_events(4)) << c->raw();
  // Every byte of the event frames (events and keep-alives are counted; the
  // retry hint and the opening id line are not).
  double bytes = 0;
  for (auto& c : streams) {
    auto frames = frames_of(c->raw());
    ASSERT_EQ(frames.size(), 6u) << c->raw();
    for (auto& f : frames)
      if (f.find("\nevent: ") != std::string::npos)
        bytes += static_cast<double>(f.size() + 2);
  }
  auto m1 = scrape_until(s, [&](auto& m) {
    return value_or_zero(m, "dots_events_published_total") >= 4 &&
           value_or_zero(m, "dots_frames_delivered_total") >= 12 &&
           value_or_zero(m, "dots_bytes_delivered_total") >= bytes;
  });
  EXPECT_EQ(value_or_zero(m1, "dots_events_published_total"), 4);
  EXPECT_EQ(value_or_zero(m1, "dots_frames_delivered_total"), 12);
  EXPECT_EQ(value_or_zero(m1, "dots_bytes_delivered_total"), bytes);
  EXPECT_EQ(value_or_zero(m1, "dots_replays_served_total"), 0);
  EXPECT_EQ(value_or_zero(m1, "dots_slow_clients_dropped_total"), 0);
  EXPECT_EQ(value_or_zero(m1, status_key(201)) -
                value_or_zero(m0, status_key(201)),
            4);

  // A resume is a replay served.
  auto resumed =
      open_stream(s, {}, {"Last-Event-ID: " + streams[0]->events()[0].id});
  ASSERT_TRUE(resumed->wait_events(3)) << resumed->raw();
  auto m2 = scrape(s);
  EXPECT_EQ(value_or_zero(m2, "dots_replays_served_total"), 1);
  EXPECT_EQ(value_or_zero(m2, "dots_open_streams"), 4);

  // Refused and failed requests are counted by status.
  EXPECT_EQ(http("GET", s.url(sse_path) + "?events=bogus").status, 400);
  EXPECT_EQ(http("GET", board_url(s, 999999)).status, 404);
  auto m3 = scrape(s);
  EXPECT_EQ(value_or_zero(m3, status_key(400)) -
                value_or_zero(m2, status_key(400)),
            1);
  EXPECT_EQ(value_or_zero(m3, status_key(404)) -
                value_or_zero(m2, status_key(404)),
            1);
  EXPECT_GE(value_or_zero(m3, status_key(200)) -
                value_or_zero(m2, status_key(200)),
            1); // the scrape before

  // Closed streams leave the gauge.
  stop_all({streams[0].get(), streams[1].get()});
  EXPECT_TRUE(eventually([&] { return metric(s, "dots_open_streams") == 2; }))
      << "open streams: " << metric(s, "dots_open_streams");
  stop_all({streams[2].get(), resumed.get()});
}

TEST(Sse, MetricsCountReplayedFramesAsDelivered) {
  test_server s;
  auto lou = sign_up(s.base(), "lou");
  auto live = open_stream(s);
  for (int i = 0; i < 3; ++i)
    create_board(s, lou, "r" + std::to_string(i));
  ASSERT_TRUE(live->wait_events(3)) << live->raw();
  auto before = scrape_until(s, [](auto& m) {
    return value_or_zero(m, "dots_frames_delivered_total") >= 3;
  });
  EXPECT_EQ(value_or_zero(before, "dots_frames_delivered_total"), 3);

  // A client that resumes from the first event gets two frames written.
  auto resumed = open_stream(s, {}, {"Last-Event-ID: " + live->events()[0].id});
  ASSERT_TRUE(resumed->wait_events(2)) << resumed->raw();
  auto after = scrape_until(s, [&](auto& m) {
    return value_or_zero(m, "dots_frames_delivered_total") >
           value_or_zero(before, "dots_frames_delivered_total");
  });
  EXPECT_EQ(value_or_zero(after, "dots_frames_delivered_total") -
                value_or_zero(before, "dots_frames_delivered_total"),
            2)
      << "replayed frames are SSE frames written to a client";
  auto frames = frames_of(resumed->raw());
  ASSERT_EQ(frames.size(), 3u) << resumed->raw();
  EXPECT_EQ(value_or_zero(after, "dots_bytes_delivered_total") -
                value_or_zero(before, "dots_bytes_delivered_total"),
            static_cast<double>(resumed->raw().size() - frames[0].size() - 2));
  stop_all({live.get(), resumed.get()});
}

} // namespace

// -- 10. stalled readers
// -------------------------------------------------------

/// The server's resident memory in bytes (VmRSS of /proc/PID/status).
std::int64_t rss_bytes(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:"))
      return std::stoll(line.substr(6)) * 1024;
  ADD_FAILURE() << "no VmRSS for " << pid;
  return 0;
}

/// Creates `count` boards with `name` from four kept-alive connections;
/// returns their ids. Bounded by count and 60 s.
std::set<std::int64_t> create_boards(const test_server& s, const account& a,
                                     int count, const std::string& name) {
  const auto body = json::serialize(board_body(name));
  const auto url = s.url("/api/boards");
  const auto deadline = clock_type::now() + 60s;
  std::atomic<int> next{0};
  std::mutex mtx;
  std::set<std::int64_t> created;
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w)
    threads.emplace_back([&] {
      json_poster poster{a.token};
      std::string reply;
      while (next.fetch_add(1) < count && clock_type::now() < deadline) {
        const auto status = poster.send("POST", url, body, reply);
        EXPECT_EQ(status, 201) << reply;
        if (status != 201)
          break;
        std::lock_guard<std::mutex> guard{mtx};
        created.insert(int_at(json::parse(reply), "id"));
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(created.size(), static_cast<std::size_t>(count));
  return created;
}

TEST(Sse, StalledReadersAreDroppedAndTheirMemoryComesBack) {
  // Issue example: thousands of retained events, hundreds of clients that
  // resume from 0 with a 4 KB receive buffer and never read, and more that
  // open fresh streams and never read; one client reads normally. With a
  // write timeout of 1 s every stalled stream must be dropped within a few
  // checks once its socket is full, while the reader gets every event.
  test_server s{{"--event-retention", "10000", "--stream-write-timeout", "1"}};
  auto mo = sign_up(s.base(), "moe");
  // ~0.5 KB a frame: 3,000 of them are 1.5 MB of replay per resuming client.
  std::string name;
  for (int i = 0; i < 100; ++i)
    name += "\xF0\x9F\x98\x80"; // U+1F600
  // Under TSan fewer, so that the setup fits its bound; 600 frames are
  // still 300 KB of replay against a 4 KB receive buffer.
  constexpr int retained = dots::test::under_tsan ? 600 : 3000;
  create_boards(s, mo, retained, name);
  auto reader = open_stream(s);
  std::this_thread::sleep_for(500ms);
  const auto idle_rss = rss_bytes(s.server->pid());
  // The highest RSS while the stalled clients are held, sampled.
  std::atomic<bool> sampling{true};
  std::atomic<std::int64_t> peak_rss{idle_rss};
  std::thread sampler{[&] {
    while (sampling.load()) {
      peak_rss = std::max(peak_rss.load(), rss_bytes(s.server->pid()));
      std::this_thread::sleep_for(20ms);
    }
  }};
  // Joined however the test ends (an ASSERT returns early): a joinable
  // thread's destructor would end the process, and the server's log with
  // it.
  struct join_sampler {
    std::atomic<bool>& on;
    std::thread& t;
    ~join_sampler() {
      on = false;
      if (t.joinable())
        t.join();
    }
  } sampler_guard{sampling, sampler};

  constexpr int replaying = 300;
  constexpr int live = 200;
  // 4 KB receive buffers, never read.
  const std::string path{sse_path};
  std::vector<std::unique_ptr<dots::test::stuck_client>> stalled;
  for (int i = 0; i < replaying; ++i)
    stalled.push_back(std::make_unique<dots::test::stuck_client>(
        s.server->address(), path, "Last-Event-ID: 0\r\n", 4096));
  for (int i = 0; i < live; ++i)
    stalled.push_back(std::make_unique<dots::test::stuck_client>(
        s.server->address(), path, "", 4096));
  ASSERT_TRUE(eventually(
      [&] { return metric(s, "dots_open_streams") == replaying + live + 1; },
      10s))
      << metric(s, "dots_open_streams");

  // Live events: enough to fill the live stalled clients' buffers too.
  auto created = create_boards(s, mo, 300, name);
  ASSERT_EQ(created.size(), 300u) << "the server stopped answering";
  auto m = scrape_until(
      s,
      [&](auto& m) {
        return value_or_zero(m, "dots_stalled_clients_dropped_total") +
                   value_or_zero(m, "dots_slow_clients_dropped_total") ==
               replaying + live;
      },
      20s);
  EXPECT_EQ(value_or_zero(m, "dots_stalled_clients_dropped_total") +
                value_or_zero(m, "dots_slow_clients_dropped_total"),
            replaying + live);
  EXPECT_GE(value_or_zero(m, "dots_stalled_clients_dropped_total"), replaying)
      << "the resuming clients stall in their replay";
  EXPECT_TRUE(eventually([&] { return metric(s, "dots_open_streams") == 1; }));
  sampling = false;
  sampler.join();
  for (auto& c : stalled)
    EXPECT_TRUE(c->closed_by_server(2s));

  // The reader got every live event, in order, once, and stays open.
  ASSERT_TRUE(reader->wait_events(created.size(), 10s))
      << reader->events().size() << " of " << created.size();
  auto got = reader->events();
  EXPECT_EQ(got.size(), created.size());
  expect_consecutive(got, id_of(got.front()));
  EXPECT_FALSE(reader->closed());

  // Memory: what the stalled clients held is bounded while they are held
  // (a replay is read page by page; frames are shared, not copied), and
  // is given back once they are dropped.
  std::this_thread::sleep_for(500ms);
  const auto end_rss = rss_bytes(s.server->pid());
  const auto held_rss = peak_rss.load();
  const auto per_client = (held_rss - idle_rss) / (replaying + live);
  std::cout << "idle RSS " << idle_rss / 1024 << " KiB, with "
            << replaying + live << " stalled clients " << held_rss / 1024
            << " KiB (" << per_client << " B each), after the drops "
            << end_rss / 1024 << " KiB\n";
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  // A sanitizer's quarantine and shadow memory make RSS say nothing about
  // the server's own: the bounds hold for the plain build.
  EXPECT_LT(per_client, 32 * 1024) << "documented bound: 32 KiB per stream";
  EXPECT_LT(end_rss, idle_rss + 8 * 1024 * 1024)
      << "RSS must settle within 8 MiB of its idle level";
#endif
  reader->stop();
}
