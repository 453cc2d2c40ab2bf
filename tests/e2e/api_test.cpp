// End-to-end tests of the HTTP API: the real dots-server binary on a free
// loopback port with its own SQLite file, driven by libcurl and raw sockets,
// checked the way a user would notice (status, JSON bodies, headers, the
// rows in the database file, exit statuses).

#include "support/e2e_helpers.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <regex>
#include <set>
#include <sqlite3.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace std::chrono_literals;
using dots::test::account;
using dots::test::create_board;
using dots::test::eventually;
using dots::test::http;
using dots::test::http_json;
using dots::test::http_response;
using dots::test::server_process;
using dots::test::sign_up;
using dots::test::temp_dir;
using dots::test::test_password;
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

// -- the database file --------------------------------------------------------

/// Opens the server's SQLite file read-only (WAL: readers never block the
/// server) and runs `fn` on it.
void with_db(const std::filesystem::path& file,
             const std::function<void(sqlite3*)>& fn) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << file << ": "
                  << (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return;
  }
  sqlite3_busy_timeout(db, 2000);
  fn(db);
  sqlite3_close(db);
}

/// Every row of `sql` as text, one line per row, columns split by '|'.
std::string query_rows(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot prepare " << sql << ": " << sqlite3_errmsg(db);
    return {};
  }
  std::string out;
  int rc = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      if (i > 0)
        out += '|';
      if (sqlite3_column_type(st, i) == SQLITE_NULL)
        out += "NULL";
      else
        out += reinterpret_cast<const char*>(sqlite3_column_text(st, i));
    }
    out += '\n';
  }
  if (rc != SQLITE_DONE)
    ADD_FAILURE() << "cannot read " << sql << ": " << sqlite3_errmsg(db);
  sqlite3_finalize(st);
  return out;
}

/// Every row of every table a request could change, as one string.
std::string dump_db(const std::filesystem::path& file) {
  std::string out;
  with_db(file, [&](sqlite3* db) {
    for (const char* table : {"users", "boards", "paths", "events", "tokens"}) {
      out += "== ";
      out += table;
      out += '\n';
      out +=
          query_rows(db, std::string{"SELECT * FROM "} + table + " ORDER BY 1");
    }
  });
  return out;
}

std::int64_t count_rows(const std::filesystem::path& file,
                        const std::string& sql) {
  std::int64_t n = -1;
  with_db(file, [&](sqlite3* db) {
    auto text = query_rows(db, sql);
    n = text.empty() ? -1 : std::stoll(text);
  });
  return n;
}

// -- small HTTP helpers -------------------------------------------------------

std::string header(const http_response& r, const std::string& lower_name) {
  auto it = r.headers.find(lower_name);
  return it == r.headers.end() ? std::string{} : it->second;
}

std::set<std::string> keys_of(const json::value& v) {
  std::set<std::string> out;
  if (const auto* o = v.if_object())
    for (const auto& kv : *o)
      out.insert(std::string{kv.key()});
  return out;
}

std::int64_t id_of(const json::value& v, const char* key = "id") {
  if (const auto* o = v.if_object())
    if (const auto* id = o->if_contains(key); id && id->is_int64())
      return id->as_int64();
  return 0;
}

std::string str_of(const json::value& v, const char* key) {
  if (const auto* o = v.if_object())
    if (const auto* s = o->if_contains(key); s && s->is_string())
      return std::string{s->as_string()};
  return {};
}

bool is_rfc3339_utc(const std::string& s) {
  static const std::regex re{
      R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$)"};
  return std::regex_match(s, re);
}

/// Ids of the boards of a list page, in order.
std::vector<std::int64_t> page_ids(const http_response& r) {
  std::vector<std::int64_t> out;
  auto v = r.json();
  if (const auto* o = v.if_object())
    if (const auto* b = o->if_contains("boards"); b && b->is_array())
      for (const auto& board : b->as_array())
        out.push_back(id_of(board));
  return out;
}

/// `next` of a list page: its id, 0 for null, -1 when missing or malformed.
std::int64_t page_next(const http_response& r) {
  auto v = r.json();
  if (const auto* o = v.if_object())
    if (const auto* n = o->if_contains("next")) {
      if (n->is_null())
        return 0;
      if (n->is_int64())
        return n->as_int64();
    }
  return -1;
}

json::object dot(int row, int col, const char* color) {
  return {{"row", row}, {"col", col}, {"color", color}};
}

json::object board_body(const std::string& name, int rows, int cols,
                        json::array dots) {
  return {{"name", name}, {"rows", rows}, {"cols", cols}, {"dots", dots}};
}

/// A small valid board: red and blue pairs on a 3x3 grid.
json::object small_board(const std::string& name) {
  return board_body(name, 3, 3,
                    {dot(0, 0, "#ff0000"), dot(0, 2, "#ff0000"),
                     dot(2, 0, "#0000ff"), dot(2, 2, "#0000ff")});
}

json::object segment(const char* color,
                     std::initializer_list<std::pair<int, int>> cells) {
  json::array arr;
  for (auto [r, c] : cells)
    arr.push_back(json::array{r, c});
  return {{"color", color}, {"cells", arr}};
}

json::object path_body(json::array segments) {
  return {{"segments", segments}};
}

std::string board_url(const std::string& base, std::int64_t id) {
  return base + "/api/boards/" + std::to_string(id);
}

// -- raw sockets and processes ------------------------------------------------

/// A TCP connection to "HOST:PORT", or -1.
int connect_to(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port =
      htons(static_cast<std::uint16_t>(std::stoi(host_port.substr(colon + 1))));
  if (::inet_pton(AF_INET, host_port.substr(0, colon).c_str(),
                  &addr.sin_addr) != 1)
    return -1;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& data) {
  return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(data.size());
}

/// Waits up to `timeout` for the peer to close `fd` (EOF or reset); what it
/// reads meanwhile is appended to `got`.
bool wait_peer_closed(int fd, std::chrono::milliseconds timeout,
                      std::string* got = nullptr) {
  auto deadline = clock_type::now() + timeout;
  char buf[4096];
  while (clock_type::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0)
      continue;
    auto n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
      return true;
    if (n > 0 && got != nullptr)
      got->append(buf, static_cast<std::size_t>(n));
  }
  return false;
}

struct run_result {
  int status = -1; ///< exit status; -1 when it had to be killed
  std::string out;
  std::string err;
};

/// Runs dots-server with `args` and collects its output; kills it after
/// `timeout` (an option that was wrongly accepted starts a server).
run_result run_binary(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = 10s) {
  std::vector<std::string> all{dots::test::server_binary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  int err[2];
  run_result res;
  if (::pipe(out) != 0 || ::pipe(err) != 0) {
    ADD_FAILURE() << "pipe failed";
    return res;
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::close(err[0]);
    ::close(err[1]);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  auto deadline = clock_type::now() + timeout;
  bool out_open = true;
  bool err_open = true;
  bool killed = false;
  while (out_open || err_open) {
    if (clock_type::now() > deadline) {
      ::kill(pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd p[2] = {{out_open ? out[0] : -1, POLLIN, 0},
                   {err_open ? err[0] : -1, POLLIN, 0}};
    if (::poll(p, 2, 50) <= 0)
      continue;
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
      if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
        continue;
      auto n = ::read(p[i].fd, buf, sizeof(buf));
      if (n <= 0)
        (i == 0 ? out_open : err_open) = false;
      else
        (i == 0 ? res.out : res.err).append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!killed && WIFEXITED(status))
    res.status = WEXITSTATUS(status);
  return res;
}

/// The server's log, to print when a test fails (ASan reports land there).
std::string log_of(const server_process& s) {
  return "\n--- server log ---\n" + s.log();
}

/// No sanitizer report in the server's log (under DOTS_SANITIZE a report
/// goes there, not to the client).
void expect_clean_log(const server_process& s) {
  const auto log = s.log();
  for (const char* marker : {"AddressSanitizer", "LeakSanitizer",
                             "ThreadSanitizer", "runtime error:"})
    EXPECT_EQ(log.find(marker), std::string::npos) << "--- server log ---\n"
                                                   << log;
}

/// Stops the server as an operator would and checks that it went cleanly:
/// exit status 0 and nothing for a sanitizer to report.
void expect_clean_stop(server_process& s) {
  const int status = s.stop(SIGTERM, 10s);
  EXPECT_EQ(status, 0) << log_of(s);
  expect_clean_log(s);
}

// =============================================================================
// 1. Accounts
// =============================================================================

TEST(E2eApiAccounts, RegisterLoginMeLogout) {
  temp_dir dir;
  auto db = dir.path() / "dots.db";
  server_process srv{db};
  const auto& base = srv.base_url();

  auto reg = http_json("POST", base + "/api/auth/register",
                       {{"username", "Alice_1"}, {"password", "s3cret pass"}});
  ASSERT_EQ(reg.status, 201) << reg.body << log_of(srv);
  EXPECT_EQ(header(reg, "content-type"), "application/json");
  EXPECT_EQ(keys_of(reg.json()), (std::set<std::string>{"id", "username"}));
  const auto id = id_of(reg.json());
  EXPECT_GT(id, 0);
  EXPECT_EQ(str_of(reg.json(), "username"), "Alice_1");

  // Usernames are unique regardless of case.
  auto dup = http_json("POST", base + "/api/auth/register",
                       {{"username", "alice_1"}, {"password", "other pass"}});
  EXPECT_EQ(dup.status, 409) << dup.body;
  EXPECT_EQ(dup.error_code(), "username_taken");
  EXPECT_EQ(dup.error_field(), "username");

  auto login =
      http_json("POST", base + "/api/auth/login",
                {{"username", "Alice_1"}, {"password", "s3cret pass"}});
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(keys_of(login.json()),
            (std::set<std::string>{"token", "username"}));
  EXPECT_EQ(str_of(login.json(), "username"), "Alice_1");
  const auto token = str_of(login.json(), "token");
  // At least 128 random bits, however they are encoded.
  EXPECT_GE(token.size(), 22u);
  const auto cookie = header(login, "set-cookie");
  EXPECT_TRUE(cookie.starts_with("session=" + token + ";")) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Lax"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;

  // Neither the password nor the token is stored as is.
  with_db(db, [&](sqlite3* h) {
    auto users = query_rows(h, "SELECT password_hash FROM users");
    EXPECT_EQ(users.find("s3cret pass"), std::string::npos) << users;
    EXPECT_GT(users.size(), 20u);
    auto tokens = query_rows(h, "SELECT * FROM tokens");
    EXPECT_EQ(tokens.find(token), std::string::npos) << tokens;
    EXPECT_FALSE(tokens.empty());
  });

  auto wrong = http_json("POST", base + "/api/auth/login",
                         {{"username", "Alice_1"}, {"password", "wrong pass"}});
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(wrong.error_code(), "invalid_credentials");
  EXPECT_EQ(header(wrong, "set-cookie"), "");
  // An unknown user looks exactly like a wrong password.
  auto nobody = http_json("POST", base + "/api/auth/login",
                          {{"username", "nobody"}, {"password", "wrong pass"}});
  EXPECT_EQ(nobody.status, 401) << nobody.body;
  EXPECT_EQ(nobody.error_code(), wrong.error_code());

  auto me = http("GET", base + "/api/auth/me", {},
                 {"Authorization: Bearer " + token});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(keys_of(me.json()), (std::set<std::string>{"id", "username"}));
  EXPECT_EQ(id_of(me.json()), id);
  EXPECT_EQ(str_of(me.json(), "username"), "Alice_1");

  // The session cookie authenticates too.
  auto me_cookie =
      http("GET", base + "/api/auth/me", {}, {"Cookie: session=" + token});
  EXPECT_EQ(me_cookie.status, 200) << me_cookie.body;
  EXPECT_EQ(id_of(me_cookie.json()), id);

  // A second session survives the logout of the first.
  auto login2 =
      http_json("POST", base + "/api/auth/login",
                {{"username", "Alice_1"}, {"password", "s3cret pass"}});
  ASSERT_EQ(login2.status, 200) << login2.body;
  const auto token2 = str_of(login2.json(), "token");
  EXPECT_NE(token2, token);

  auto out = http("POST", base + "/api/auth/logout", {},
                  {"Authorization: Bearer " + token});
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_TRUE(out.body.empty());
  EXPECT_TRUE(header(out, "set-cookie").starts_with("session=;"))
      << header(out, "set-cookie");

  auto after = http("GET", base + "/api/auth/me", {},
                    {"Authorization: Bearer " + token});
  EXPECT_EQ(after.status, 401) << after.body;
  EXPECT_EQ(after.error_code(), "invalid_token");
  EXPECT_EQ(header(after, "www-authenticate"), "Bearer");
  auto again = http("POST", base + "/api/auth/logout", {},
                    {"Authorization: Bearer " + token});
  EXPECT_EQ(again.status, 401) << again.body;

  auto still = http("GET", base + "/api/auth/me", {},
                    {"Authorization: Bearer " + token2});
  EXPECT_EQ(still.status, 200) << still.body;

  // The browser's way out: the cookie, from this site.
  auto cookie_out = http("POST", base + "/api/auth/logout", {},
                         {"Cookie: session=" + token2, "Origin: " + base});
  EXPECT_EQ(cookie_out.status, 204) << cookie_out.body;
  EXPECT_EQ(
      http("GET", base + "/api/auth/me", {}, {"Cookie: session=" + token2})
          .status,
      401);
  with_db(db, [&](sqlite3* h) {
    EXPECT_EQ(query_rows(h, "SELECT COUNT(*) FROM tokens"), "0\n");
  });
  expect_clean_stop(srv);
}

// =============================================================================
// 2. Boards
// =============================================================================

TEST(E2eApiBoards, CreateListGetUpdateDelete) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db"};
  const auto& base = srv.base_url();
  auto alice = sign_up(base, "alice");
  auto bob = sign_up(base, "bob");
  ASSERT_FALSE(alice.token.empty() || bob.token.empty()) << log_of(srv);

  // -- create: trimmed name, lower-case colours, Location
  auto created =
      http_json("POST", base + "/api/boards",
                board_body("  Plansza testowa \t", 5, 6,
                           {dot(0, 0, "#AbCdEf"), dot(4, 5, "#ABCDEF"),
                            dot(1, 1, "#00ff00"), dot(3, 3, "#00FF00")}),
                alice.token);
  ASSERT_EQ(created.status, 201) << created.body << log_of(srv);
  EXPECT_EQ(header(created, "content-type"), "application/json");
  auto b1 = created.json();
  const auto id1 = id_of(b1);
  ASSERT_GT(id1, 0);
  EXPECT_EQ(header(created, "location"), "/api/boards/" + std::to_string(id1));
  EXPECT_EQ(keys_of(b1), (std::set<std::string>{"id", "name", "rows", "cols",
                                                "dots", "creator_username",
                                                "created_at", "updated_at"}));
  EXPECT_EQ(str_of(b1, "name"), "Plansza testowa");
  EXPECT_EQ(b1.at("rows"), 5);
  EXPECT_EQ(b1.at("cols"), 6);
  EXPECT_EQ(b1.at("dots"),
            (json::array{dot(0, 0, "#abcdef"), dot(4, 5, "#abcdef"),
                         dot(1, 1, "#00ff00"), dot(3, 3, "#00ff00")}));
  EXPECT_EQ(str_of(b1, "creator_username"), "alice");
  EXPECT_TRUE(is_rfc3339_utc(str_of(b1, "created_at"))) << b1;
  EXPECT_EQ(str_of(b1, "created_at"), str_of(b1, "updated_at"));

  auto got = http("GET", board_url(base, id1));
  EXPECT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json(), b1);

  // A cookie-authenticated write from this site (matching Origin) works.
  auto via_cookie =
      http("POST", base + "/api/boards", json::serialize(small_board("two")),
           {"Content-Type: application/json", "Cookie: session=" + alice.token,
            "Origin: " + base});
  EXPECT_EQ(via_cookie.status, 201) << via_cookie.body;
  const auto id2 = id_of(via_cookie.json());
  // A charset parameter on the JSON media type is fine.
  auto with_charset =
      http("POST", base + "/api/boards", json::serialize(small_board("three")),
           {"Content-Type: application/json; charset=utf-8",
            "Authorization: Bearer " + bob.token});
  EXPECT_EQ(with_charset.status, 201) << with_charset.body;
  const auto id3 = id_of(with_charset.json());
  const auto id4 = create_board(base, alice.token, small_board("four"));
  ASSERT_TRUE(id1 < id2 && id2 < id3 && id3 < id4);

  // -- the limits themselves are allowed: 2x2, 50x50, 100 characters
  std::string hundred;
  for (int i = 0; i < 100; ++i)
    hundred += "\xc3\xa9"; // é
  auto edge =
      http_json("POST", base + "/api/boards",
                board_body("  " + hundred + "  ", 2, 50,
                           {dot(0, 0, "#000000"), dot(1, 49, "#000000")}),
                bob.token);
  EXPECT_EQ(edge.status, 201) << edge.body;
  EXPECT_EQ(str_of(edge.json(), "name"), hundred);
  auto edge2 = http_json(
      "PUT", board_url(base, id_of(edge.json())),
      board_body("x", 50, 2, {dot(49, 0, "#ffffff"), dot(0, 1, "#FFFFFF")}),
      bob.token);
  EXPECT_EQ(edge2.status, 200) << edge2.body;
  auto edge_del = http("DELETE", board_url(base, id_of(edge.json())), {},
                       {"Authorization: Bearer " + bob.token});
  EXPECT_EQ(edge_del.status, 204) << edge_del.body;

  // -- list: newest first, paged by `after` with `next`
  auto all = http("GET", base + "/api/boards");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(keys_of(all.json()), (std::set<std::string>{"boards", "next"}));
  EXPECT_EQ(page_ids(all), (std::vector<std::int64_t>{id4, id3, id2, id1}));
  EXPECT_EQ(page_next(all), 0);
  EXPECT_EQ(all.json().at("boards").as_array().back(), b1);

  auto p1 = http("GET", base + "/api/boards?limit=3");
  EXPECT_EQ(page_ids(p1), (std::vector<std::int64_t>{id4, id3, id2}));
  EXPECT_EQ(page_next(p1), id2);
  auto p2 =
      http("GET",
           base + "/api/boards?limit=3&after=" + std::to_string(page_next(p1)));
  EXPECT_EQ(p2.status, 200) << p2.body;
  EXPECT_EQ(page_ids(p2), (std::vector<std::int64_t>{id1}));
  EXPECT_EQ(page_next(p2), 0);

  // Exactly `limit` left: no next page is announced.
  auto q1 = http("GET", base + "/api/boards?limit=2");
  EXPECT_EQ(page_ids(q1), (std::vector<std::int64_t>{id4, id3}));
  EXPECT_EQ(page_next(q1), id3);
  auto q2 =
      http("GET",
           base + "/api/boards?limit=2&after=" + std::to_string(page_next(q1)));
  EXPECT_EQ(page_ids(q2), (std::vector<std::int64_t>{id2, id1}));
  EXPECT_EQ(page_next(q2), 0);

  // -- mine=1 needs an account and shows only the caller's boards
  auto anon_mine = http("GET", base + "/api/boards?mine=1");
  EXPECT_EQ(anon_mine.status, 401) << anon_mine.body;
  EXPECT_EQ(anon_mine.error_code(), "authentication_required");
  auto bob_mine = http("GET", base + "/api/boards?mine=1", {},
                       {"Authorization: Bearer " + bob.token});
  EXPECT_EQ(bob_mine.status, 200) << bob_mine.body;
  EXPECT_EQ(page_ids(bob_mine), (std::vector<std::int64_t>{id3}));
  EXPECT_EQ(page_next(bob_mine), 0);
  const std::vector<std::string> alice_auth{"Authorization: Bearer " +
                                            alice.token};
  auto m1 = http("GET", base + "/api/boards?mine=1&limit=1", {}, alice_auth);
  EXPECT_EQ(page_ids(m1), (std::vector<std::int64_t>{id4}));
  EXPECT_EQ(page_next(m1), id4);
  auto m2 = http(
      "GET", base + "/api/boards?mine=1&limit=1&after=" + std::to_string(id4),
      {}, alice_auth);
  EXPECT_EQ(page_ids(m2), (std::vector<std::int64_t>{id2}));
  EXPECT_EQ(page_next(m2), id2);
  auto m3 = http(
      "GET", base + "/api/boards?mine=1&limit=1&after=" + std::to_string(id2),
      {}, alice_auth);
  EXPECT_EQ(page_ids(m3), (std::vector<std::int64_t>{id1}));
  EXPECT_EQ(page_next(m3), 0);
  auto mine_cookie = http("GET", base + "/api/boards?mine=1", {},
                          {"Cookie: session=" + alice.token});
  EXPECT_EQ(page_ids(mine_cookie), (std::vector<std::int64_t>{id4, id2, id1}));
  auto not_mine = http("GET", base + "/api/boards?mine=0");
  EXPECT_EQ(page_ids(not_mine),
            (std::vector<std::int64_t>{id4, id3, id2, id1}));

  // -- update by the creator
  auto upd = http_json(
      "PUT", board_url(base, id1),
      board_body("Renamed", 4, 4, {dot(0, 0, "#123ABC"), dot(3, 3, "#123abc")}),
      alice.token);
  ASSERT_EQ(upd.status, 200) << upd.body;
  auto b1u = upd.json();
  EXPECT_EQ(id_of(b1u), id1);
  EXPECT_EQ(str_of(b1u, "name"), "Renamed");
  EXPECT_EQ(b1u.at("rows"), 4);
  EXPECT_EQ(b1u.at("cols"), 4);
  EXPECT_EQ(b1u.at("dots"),
            (json::array{dot(0, 0, "#123abc"), dot(3, 3, "#123abc")}));
  EXPECT_EQ(str_of(b1u, "creator_username"), "alice");
  EXPECT_EQ(str_of(b1u, "created_at"), str_of(b1, "created_at"));
  EXPECT_TRUE(is_rfc3339_utc(str_of(b1u, "updated_at")));
  EXPECT_GE(str_of(b1u, "updated_at"), str_of(b1, "updated_at"));
  EXPECT_EQ(http("GET", board_url(base, id1)).json(), b1u);

  // -- someone else may neither change nor delete it
  auto bob_upd = http_json("PUT", board_url(base, id1), small_board("mine now"),
                           bob.token);
  EXPECT_EQ(bob_upd.status, 403) << bob_upd.body;
  EXPECT_EQ(bob_upd.error_code(), "not_creator");
  auto bob_del = http("DELETE", board_url(base, id1), {},
                      {"Authorization: Bearer " + bob.token});
  EXPECT_EQ(bob_del.status, 403) << bob_del.body;
  EXPECT_EQ(bob_del.error_code(), "not_creator");
  EXPECT_EQ(http("GET", board_url(base, id1)).json(), b1u);

  // -- delete
  auto del = http("DELETE", board_url(base, id1), {}, alice_auth);
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(del.body.empty());
  auto gone = http("GET", board_url(base, id1));
  EXPECT_EQ(gone.status, 404) << gone.body;
  EXPECT_EQ(gone.error_code(), "not_found");
  auto del_again = http("DELETE", board_url(base, id1), {}, alice_auth);
  EXPECT_EQ(del_again.status, 404) << del_again.body;
  EXPECT_EQ(page_ids(http("GET", base + "/api/boards")),
            (std::vector<std::int64_t>{id4, id3, id2}));
  expect_clean_stop(srv);
}

// =============================================================================
// 3. Paths
// =============================================================================

TEST(E2eApiPaths, SaveGetCompleteDeleteAndCascade) {
  temp_dir dir;
  auto db = dir.path() / "dots.db";
  server_process srv{db};
  const auto& base = srv.base_url();
  auto alice = sign_up(base, "alice");
  auto bob = sign_up(base, "bob");
  ASSERT_FALSE(alice.token.empty() || bob.token.empty()) << log_of(srv);
  const auto board = create_board(base, alice.token, small_board("paths"));
  const auto other = create_board(base, alice.token, small_board("other"));
  ASSERT_GT(board, 0);
  const auto url = board_url(base, board) + "/path";
  const std::vector<std::string> bob_auth{"Authorization: Bearer " + bob.token};
  const std::vector<std::string> alice_auth{"Authorization: Bearer " +
                                            alice.token};

  auto none = http("GET", url, {}, bob_auth);
  EXPECT_EQ(none.status, 404) << none.body;
  EXPECT_EQ(none.error_code(), "not_found");

  // First save: 201, unfinished, colour stored lower-case.
  auto first = http_json(
      "PUT", url, path_body({segment("#FF0000", {{0, 0}, {0, 1}})}), bob.token);
  ASSERT_EQ(first.status, 201) << first.body << log_of(srv);
  auto p = first.json();
  EXPECT_EQ(keys_of(p), (std::set<std::string>{
                            "id", "board_id", "user_username", "segments",
                            "complete", "created_at", "updated_at"}));
  const auto path_id = id_of(p);
  EXPECT_GT(path_id, 0);
  EXPECT_EQ(id_of(p, "board_id"), board);
  EXPECT_EQ(str_of(p, "user_username"), "bob");
  EXPECT_EQ(p.at("segments"),
            (json::array{segment("#ff0000", {{0, 0}, {0, 1}})}));
  EXPECT_EQ(p.at("complete"), false);
  EXPECT_TRUE(is_rfc3339_utc(str_of(p, "created_at"))) << p;

  // Later saves: 200, same path; one colour joined is not yet complete.
  auto second = http_json(
      "PUT", url, path_body({segment("#ff0000", {{0, 0}, {0, 1}, {0, 2}})}),
      bob.token);
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(id_of(second.json()), path_id);
  EXPECT_EQ(second.json().at("complete"), false);

  // Every colour joined (blue drawn from its far end): complete.
  auto full =
      http_json("PUT", url,
                path_body({segment("#ff0000", {{0, 0}, {0, 1}, {0, 2}}),
                           segment("#0000ff", {{2, 2}, {2, 1}, {2, 0}})}),
                bob.token);
  ASSERT_EQ(full.status, 200) << full.body;
  EXPECT_EQ(id_of(full.json()), path_id);
  EXPECT_EQ(full.json().at("complete"), true);
  EXPECT_EQ(str_of(full.json(), "created_at"), str_of(p, "created_at"));

  auto own = http("GET", url, {}, bob_auth);
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.json(), full.json());

  // Paths are private: alice sees none, anonymous callers are asked to log in.
  auto alice_get = http("GET", url, {}, alice_auth);
  EXPECT_EQ(alice_get.status, 404) << alice_get.body;
  auto anon_get = http("GET", url);
  EXPECT_EQ(anon_get.status, 401) << anon_get.body;

  auto alice_put = http_json(
      "PUT", url, path_body({segment("#0000ff", {{2, 0}})}), alice.token);
  EXPECT_EQ(alice_put.status, 201) << alice_put.body;
  EXPECT_NE(id_of(alice_put.json()), path_id);
  EXPECT_EQ(str_of(alice_put.json(), "user_username"), "alice");
  EXPECT_EQ(http("GET", url, {}, bob_auth).json(), full.json());

  // DELETE: 204, then the path is gone (and a second DELETE finds nothing).
  auto del = http("DELETE", url, {}, bob_auth);
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_EQ(http("GET", url, {}, bob_auth).status, 404);
  EXPECT_EQ(http("DELETE", url, {}, bob_auth).status, 404);
  EXPECT_EQ(http("GET", url, {}, alice_auth).status, 200);

  // Saving again after a delete is a first save again.
  auto resave = http_json(
      "PUT", url, path_body({segment("#ff0000", {{0, 2}, {0, 1}})}), bob.token);
  EXPECT_EQ(resave.status, 201) << resave.body;
  auto on_other =
      http_json("PUT", board_url(base, other) + "/path",
                path_body({segment("#ff0000", {{0, 0}})}), bob.token);
  EXPECT_EQ(on_other.status, 201) << on_other.body;

  const auto count_for = [&](std::int64_t b) {
    return count_rows(db, "SELECT COUNT(*) FROM paths WHERE board_id = " +
                              std::to_string(b));
  };
  EXPECT_EQ(count_for(board), 2);
  EXPECT_EQ(count_for(other), 1);

  // Deleting the board deletes its paths, and only its paths.
  auto del_board = http("DELETE", board_url(base, board), {}, alice_auth);
  EXPECT_EQ(del_board.status, 204) << del_board.body;
  EXPECT_EQ(count_for(board), 0);
  EXPECT_EQ(count_for(other), 1);
  EXPECT_EQ(http("GET", url, {}, bob_auth).status, 404);
  EXPECT_EQ(http("GET", board_url(base, other) + "/path", {}, bob_auth).status,
            200);
  expect_clean_stop(srv);
}

// The contract: "`complete` is true when every colour of the board has a
// segment that joins its two dots". The board meant is the board as it is
// now: after its creator changes it, a stored path must not go on claiming
// to solve it.
TEST(E2eApiPaths, CompleteFollowsTheBoardAfterAnUpdate) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db"};
  const auto& base = srv.base_url();
  auto alice = sign_up(base, "alice");
  ASSERT_FALSE(alice.token.empty()) << log_of(srv);
  const auto board =
      create_board(base, alice.token,
                   board_body("one pair", 3, 3,
                              {dot(0, 0, "#ff0000"), dot(0, 2, "#ff0000")}));
  ASSERT_GT(board, 0);
  const auto url = board_url(base, board) + "/path";
  auto solved = http_json(
      "PUT", url, path_body({segment("#ff0000", {{0, 0}, {0, 1}, {0, 2}})}),
      alice.token);
  ASSERT_EQ(solved.status, 201) << solved.body;
  ASSERT_EQ(solved.json().at("complete"), true);

  // The red pair is replaced by a green one on a smaller grid.
  auto changed =
      http_json("PUT", board_url(base, board),
                board_body("one pair", 2, 2,
                           {dot(0, 0, "#00ff00"), dot(1, 1, "#00ff00")}),
                alice.token);
  ASSERT_EQ(changed.status, 200) << changed.body;

  // Changing the board's size or dots deletes the paths saved on it: they
  // would break the path rules (colours of the board, cells inside the
  // grid) and their `complete` would lie (DEVELOPERS.md, "Decisions the
  // contract leaves open"). So the path is gone.
  auto now = http("GET", url, {}, {"Authorization: Bearer " + alice.token});
  EXPECT_EQ(now.status, 404) << "after PUT /api/boards/" << board
                             << " replaced the red pair: " << now.body;
  EXPECT_EQ(now.error_code(), "not_found") << now.body;
  expect_clean_stop(srv);
}

// Renaming changes neither the grid nor the colours: the saved path still
// fits, so it stays, and still solves the board.
TEST(E2eApiPaths, RenamingTheBoardKeepsItsPaths) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db"};
  const auto& base = srv.base_url();
  auto alice = sign_up(base, "alice");
  ASSERT_FALSE(alice.token.empty()) << log_of(srv);
  const json::array pair{dot(0, 0, "#ff0000"), dot(0, 2, "#ff0000")};
  const auto board =
      create_board(base, alice.token, board_body("one pair", 3, 3, pair));
  ASSERT_GT(board, 0);
  const auto url = board_url(base, board) + "/path";
  auto solved = http_json(
      "PUT", url, path_body({segment("#ff0000", {{0, 0}, {0, 1}, {0, 2}})}),
      alice.token);
  ASSERT_EQ(solved.status, 201) << solved.body;

  auto renamed = http_json("PUT", board_url(base, board),
                           board_body("renamed", 3, 3, pair), alice.token);
  ASSERT_EQ(renamed.status, 200) << renamed.body;

  auto now = http("GET", url, {}, {"Authorization: Bearer " + alice.token});
  ASSERT_EQ(now.status, 200) << now.body;
  EXPECT_EQ(now.json().at("id"), solved.json().at("id"));
  EXPECT_EQ(now.json().at("complete"), true) << now.body;
  expect_clean_stop(srv);
}

// =============================================================================
// 4. Bad requests: the right error, and the database untouched
// =============================================================================

enum class who {
  anonymous,
  alice,             ///< Bearer token of the board's creator
  bob,               ///< Bearer token of another user
  bogus,             ///< Bearer with a token the server never issued
  alice_cookie,      ///< session cookie, no Origin
  alice_cookie_evil, ///< session cookie, Origin of another site
  alice_cookie_port, ///< session cookie, Origin of another port
  alice_basic,       ///< "Authorization: Basic …"
};

struct bad_request {
  std::string name;
  std::string method;
  std::string target; ///< "{board}" and "{missing}" are replaced
  std::string body;
  who auth;
  std::string content_type; ///< "" sends none
  long status;
  std::string code;
  std::string field; ///< "" expects no field
  std::string allow; ///< expected Allow header of a 405

  bad_request(std::string name, std::string method, std::string target,
              std::string body, who auth, std::string content_type, long status,
              std::string code, std::string field = {}, std::string allow = {})
      : name(std::move(name))
      , method(std::move(method))
      , target(std::move(target))
      , body(std::move(body))
      , auth(auth)
      , content_type(std::move(content_type))
      , status(status)
      , code(std::move(code))
      , field(std::move(field))
      , allow(std::move(allow)) {}
};

/// A board body as raw text, so that numbers JSON libraries cannot hold
/// (1e400, 99999999999999999999) can be sent too. Dots of the default: a
/// 5x5 grid with red, blue and green pairs.
struct board_text {
  std::string name = R"("Table")";
  std::string rows = "5";
  std::string cols = "5";
  std::string dots = R"([{"row":0,"col":0,"color":"#ff0000"},)"
                     R"({"row":0,"col":4,"color":"#ff0000"},)"
                     R"({"row":4,"col":0,"color":"#0000ff"},)"
                     R"({"row":4,"col":4,"color":"#0000ff"},)"
                     R"({"row":2,"col":0,"color":"#00ff00"},)"
                     R"({"row":2,"col":4,"color":"#00ff00"}])";
  std::string str() const {
    return R"({"name":)" + name + R"(,"rows":)" + rows + R"(,"cols":)" + cols +
           R"(,"dots":)" + dots + "}";
  }
};

std::string valid_board() {
  return board_text{}.str();
}

std::string segments_text(const std::string& segments) {
  return R"({"segments":)" + segments + "}";
}

std::string creds(const std::string& username, const std::string& password) {
  return json::serialize(
      json::object{{"username", username}, {"password", password}});
}

class E2eApiBadRequests : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<temp_dir>();
    db_ = dir_->path() / "dots.db";
    server_ = std::make_unique<server_process>(db_);
    const auto& base = server_->base_url();
    alice_ = sign_up(base, "alice");
    bob_ = sign_up(base, "bob");
    auto r = http("POST", base + "/api/boards", valid_board(),
                  {"Content-Type: application/json",
                   "Authorization: Bearer " + alice_.token});
    EXPECT_EQ(r.status, 201) << r.body;
    board_ = id_of(r.json());
  }

  static void TearDownTestSuite() {
    if (server_)
      expect_clean_stop(*server_);
    server_.reset();
    dir_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(server_ && board_ > 0 && !alice_.token.empty() &&
                !bob_.token.empty())
        << "the fixture could not be set up"
        << (server_ ? log_of(*server_) : std::string{});
  }

  static std::string fill(std::string target) {
    for (auto [key, value] :
         {std::pair{std::string{"{board}"}, std::to_string(board_)},
          std::pair{std::string{"{missing}"}, std::to_string(board_ + 1000)}})
      for (auto at = target.find(key); at != std::string::npos;
           at = target.find(key))
        target.replace(at, key.size(), value);
    return target;
  }

  static std::vector<std::string> headers_for(const bad_request& c) {
    std::vector<std::string> h;
    if (!c.content_type.empty())
      h.push_back("Content-Type: " + c.content_type);
    const auto cookie = "Cookie: session=" + alice_.token;
    switch (c.auth) {
    case who::anonymous:
      break;
    case who::alice:
      h.push_back("Authorization: Bearer " + alice_.token);
      break;
    case who::bob:
      h.push_back("Authorization: Bearer " + bob_.token);
      break;
    case who::bogus:
      h.push_back(
          "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
      break;
    case who::alice_cookie:
      h.push_back(cookie);
      break;
    case who::alice_cookie_evil:
      h.push_back(cookie);
      h.push_back("Origin: http://evil.example");
      break;
    case who::alice_cookie_port:
      h.push_back(cookie);
      h.push_back("Origin: http://127.0.0.1:1");
      break;
    case who::alice_basic:
      h.push_back("Authorization: Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==");
      break;
    }
    return h;
  }

  static void run(const std::vector<bad_request>& cases) {
    const auto& base = server_->base_url();
    for (const auto& c : cases) {
      SCOPED_TRACE(c.name + ": " + c.method + " " + c.target);
      const auto before = dump_db(db_);
      auto res = http(c.method, base + fill(c.target), c.body, headers_for(c));
      const auto after = dump_db(db_);
      EXPECT_EQ(res.status, c.status) << res.body;
      EXPECT_EQ(res.error_code(), c.code) << res.body;
      EXPECT_EQ(res.error_field(), c.field) << res.body;
      EXPECT_EQ(header(res, "content-type"), "application/json");
      auto v = res.json();
      const json::value* message = nullptr;
      if (auto* o = v.if_object())
        if (auto* e = o->if_contains("error"); e && e->is_object())
          message = e->as_object().if_contains("message");
      EXPECT_TRUE(message && message->is_string() &&
                  !message->as_string().empty())
          << res.body;
      // Allow only on a 405, WWW-Authenticate only on a 401 (none: "").
      EXPECT_EQ(header(res, "allow"), c.allow);
      EXPECT_EQ(header(res, "www-authenticate"),
                c.status == 401 ? "Bearer" : "");
      EXPECT_EQ(before, after) << "the database changed";
    }
    // The server is still well after all of that.
    EXPECT_EQ(http("GET", base + "/healthz").status, 200) << log_of(*server_);
  }

  static inline std::unique_ptr<temp_dir> dir_;
  static inline std::filesystem::path db_;
  static inline std::unique_ptr<server_process> server_;
  static inline account alice_;
  static inline account bob_;
  static inline std::int64_t board_ = 0;
};

TEST_F(E2eApiBadRequests, BoardBodies) {
  const std::string post = "POST";
  const std::string boards = "/api/boards";
  auto big_name = R"(")" + std::string(101, 'n') + R"(")";
  std::string wide_name = "\"";
  for (int i = 0; i < 101; ++i)
    wide_name += "\xc5\x82"; // ł: 101 characters, 202 bytes
  wide_name += "\"";
  const auto red = [](int r, int c, const char* color = "#ff0000") {
    return R"({"row":)" + std::to_string(r) + R"(,"col":)" + std::to_string(c) +
           R"(,"color":")" + color + R"("})";
  };
  const auto dots = [](std::initializer_list<std::string> items) {
    std::string s = "[";
    for (const auto& i : items)
      s += (s.size() > 1 ? "," : "") + i;
    return s + "]";
  };
  run({
      {"malformed JSON", post, boards, R"({"name": "x", "rows": )", who::alice,
       "application/json", 400, "invalid_json"},
      {"trailing garbage", post, boards, valid_board() + " x", who::alice,
       "application/json", 400, "invalid_json"},
      {"two JSON values", post, boards, valid_board() + valid_board(),
       who::alice, "application/json", 400, "invalid_json"},
      {"empty body", post, boards, "", who::alice, "application/json", 400,
       "invalid_json"},
      {"array instead of object", post, boards, "[" + valid_board() + "]",
       who::alice, "application/json", 400, "invalid_type"},
      {"rows as string", post, boards, board_text{.rows = R"("5")"}.str(),
       who::alice, "application/json", 400, "invalid_type", "rows"},
      {"dots not an array", post, boards, board_text{.dots = "{}"}.str(),
       who::alice, "application/json", 400, "invalid_type", "dots"},
      {"dot not an object", post, boards, board_text{.dots = "[1, 2]"}.str(),
       who::alice, "application/json", 400, "invalid_type", "dots[0]"},
      {"name missing", post, boards, R"({"rows":5,"cols":5,"dots":[]})",
       who::alice, "application/json", 400, "invalid_type", "name"},
      {"name null", post, boards, board_text{.name = "null"}.str(), who::alice,
       "application/json", 400, "invalid_type", "name"},
      {"rows 2.5", post, boards, board_text{.rows = "2.5"}.str(), who::alice,
       "application/json", 400, "invalid_type", "rows"},
      {"rows 5.0", post, boards, board_text{.rows = "5.0"}.str(), who::alice,
       "application/json", 400, "invalid_type", "rows"},
      {"rows 1e400", post, boards, board_text{.rows = "1e400"}.str(),
       who::alice, "application/json", 400, "invalid_type", "rows"},
      {"cols 99999999999999999999", post, boards,
       board_text{.cols = "99999999999999999999"}.str(), who::alice,
       "application/json", 400, "invalid_type", "cols"},
      {"cols beyond 32 bits", post, boards,
       board_text{.cols = "4294967301"}.str(), who::alice, "application/json",
       400, "invalid_type", "cols"},
      {"rows true", post, boards, board_text{.rows = "true"}.str(), who::alice,
       "application/json", 400, "invalid_type", "rows"},
      {"deeply nested JSON", post, boards,
       std::string(5000, '[') + std::string(5000, ']'), who::alice,
       "application/json", 400, "invalid_json"},
      {"NUL in name", post, boards, board_text{.name = R"("a\u0000b")"}.str(),
       who::alice, "application/json", 400, "invalid_board", "name"},
      {"rows 1", post, boards, board_text{.rows = "1"}.str(), who::alice,
       "application/json", 400, "invalid_board", "rows"},
      {"cols 51", post, boards, board_text{.cols = "51"}.str(), who::alice,
       "application/json", 400, "invalid_board", "cols"},
      {"rows negative", post, boards, board_text{.rows = "-5"}.str(),
       who::alice, "application/json", 400, "invalid_board", "rows"},
      {"empty name", post, boards, board_text{.name = R"("")"}.str(),
       who::alice, "application/json", 400, "invalid_board", "name"},
      {"whitespace name", post, boards,
       board_text{.name = R"(" \t\n\u00a0 ")"}.str(), who::alice,
       "application/json", 400, "invalid_board", "name"},
      {"101-char name", post, boards, board_text{.name = big_name}.str(),
       who::alice, "application/json", 400, "invalid_board", "name"},
      {"101 two-byte chars", post, boards, board_text{.name = wide_name}.str(),
       who::alice, "application/json", 400, "invalid_board", "name"},
      {"control character in name", post, boards,
       board_text{.name = R"("a\u0001b")"}.str(), who::alice,
       "application/json", 400, "invalid_board", "name"},
      {"DEL in name", post, boards, board_text{.name = R"("a\u007fb")"}.str(),
       who::alice, "application/json", 400, "invalid_board", "name"},
      // Not text at all: refused by the JSON parser already.
      {"lone surrogate in name", post, boards,
       board_text{.name = R"("a\ud800b")"}.str(), who::alice,
       "application/json", 400, "invalid_json"},
      {"invalid UTF-8 in name", post, boards,
       board_text{.name = "\"a\xff\xfe\""}.str(), who::alice,
       "application/json", 400, "invalid_json"},
      {"colour #ff00", post, boards,
       board_text{.dots = dots({red(0, 0, "#ff00"), red(0, 4, "#ff00")})}.str(),
       who::alice, "application/json", 400, "invalid_board", "dots[0].color"},
      {"colour red", post, boards,
       board_text{.dots = dots({red(0, 0), red(0, 4, "red")})}.str(),
       who::alice, "application/json", 400, "invalid_board", "dots[1].color"},
      {"colour #gggggg", post, boards,
       board_text{.dots = dots({red(0, 0, "#gggggg"), red(0, 4, "#gggggg")})}
           .str(),
       who::alice, "application/json", 400, "invalid_board", "dots[0].color"},
      {"colour used once", post, boards,
       board_text{.dots = dots({red(0, 0), red(0, 4), red(4, 4, "#0000ff")})}
           .str(),
       who::alice, "application/json", 400, "invalid_board", "dots[2].color"},
      {"colour used three times", post, boards,
       board_text{.dots = dots({red(0, 0), red(0, 4), red(4, 4)})}.str(),
       who::alice, "application/json", 400, "invalid_board", "dots[2].color"},
      {"dot outside the grid", post, boards,
       board_text{.dots = dots({red(0, 0), red(5, 0)})}.str(), who::alice,
       "application/json", 400, "invalid_board", "dots[1]"},
      {"dot at a negative column", post, boards,
       board_text{.dots = dots({red(0, -1), red(1, 1)})}.str(), who::alice,
       "application/json", 400, "invalid_board", "dots[0]"},
      {"two dots on one cell", post, boards,
       board_text{.dots = dots({red(1, 1), red(1, 1)})}.str(), who::alice,
       "application/json", 400, "invalid_board", "dots[1]"},
      {"no dots", post, boards, board_text{.dots = "[]"}.str(), who::alice,
       "application/json", 400, "invalid_board", "dots"},
      {"bad update of own board", "PUT", "/api/boards/{board}",
       board_text{.cols = "51"}.str(), who::alice, "application/json", 400,
       "invalid_board", "cols"},
  });
}

TEST_F(E2eApiBadRequests, PathBodies) {
  // The board: 5x5, red (0,0)-(0,4), blue (4,0)-(4,4), green (2,0)-(2,4).
  const std::string put = "PUT";
  const std::string path = "/api/boards/{board}/path";
  const auto seg = [](const char* color, const std::string& cells) {
    return std::string{R"({"color":")"} + color + R"(","cells":)" + cells + "}";
  };
  run({
      {"malformed JSON", put, path, R"({"segments": [)", who::bob,
       "application/json", 400, "invalid_json"},
      {"array instead of object", put, path, "[]", who::bob, "application/json",
       400, "invalid_type"},
      {"segments not an array", put, path, segments_text(R"("red")"), who::bob,
       "application/json", 400, "invalid_type", "segments"},
      {"cell not a pair", put, path,
       segments_text("[" + seg("#ff0000", "[[0]]") + "]"), who::bob,
       "application/json", 400, "invalid_type", "segments[0].cells[0]"},
      {"cell with a fraction", put, path,
       segments_text("[" + seg("#ff0000", "[[0,0],[0,0.5]]") + "]"), who::bob,
       "application/json", 400, "invalid_type", "segments[0].cells[1]"},
      {"no segments", put, path, segments_text("[]"), who::bob,
       "application/json", 400, "invalid_path", "segments"},
      {"non-adjacent cells", put, path,
       segments_text("[" + seg("#ff0000", "[[0,0],[0,2]]") + "]"), who::bob,
       "application/json", 400, "invalid_path", "segments[0].cells[1]"},
      {"diagonal step", put, path,
       segments_text("[" + seg("#ff0000", "[[0,0],[1,1]]") + "]"), who::bob,
       "application/json", 400, "invalid_path", "segments[0].cells[1]"},
      {"segment crossing itself", put, path,
       segments_text("[" + seg("#ff0000", "[[0,0],[0,1],[1,1],[1,0],[0,0]]") +
                     "]"),
       who::bob, "application/json", 400, "invalid_path",
       "segments[0].cells[4]"},
      {"segment crossing another", put, path,
       segments_text("[" + seg("#ff0000", "[[0,0],[1,0],[1,1]]") + "," +
                     seg("#0000ff", "[[4,0],[3,0],[3,1],[2,1],[1,1]]") + "]"),
       who::bob, "application/json", 400, "invalid_path",
       "segments[1].cells[4]"},
      {"segment starting off its dots", put, path,
       segments_text("[" + seg("#ff0000", "[[1,0],[0,0]]") + "]"), who::bob,
       "application/json", 400, "invalid_path", "segments[0].cells[0]"},
      {"segment starting on another colour's dot", put, path,
       segments_text("[" + seg("#ff0000", "[[4,0],[3,0]]") + "]"), who::bob,
       "application/json", 400, "invalid_path", "segments[0].cells[0]"},
      {"entering another colour's dot", put, path,
       segments_text("[" + seg("#ff0000", "[[0,0],[1,0],[2,0]]") + "]"),
       who::bob, "application/json", 400, "invalid_path",
       "segments[0].cells[2]"},
      {"going on past the other dot", put, path,
       segments_text(
           "[" + seg("#ff0000", "[[0,0],[0,1],[0,2],[0,3],[0,4],[1,4]]") + "]"),
       who::bob, "application/json", 400, "invalid_path",
       "segments[0].cells[5]"},
      {"cell outside the grid", put, path,
       segments_text("[" + seg("#ff0000", "[[0,0],[-1,0]]") + "]"), who::bob,
       "application/json", 400, "invalid_path", "segments[0].cells[1]"},
      {"unknown colour", put, path,
       segments_text("[" + seg("#123456", "[[0,0]]") + "]"), who::bob,
       "application/json", 400, "invalid_path", "segments[0].color"},
      {"malformed colour", put, path,
       segments_text("[" + seg("#ff", "[[0,0]]") + "]"), who::bob,
       "application/json", 400, "invalid_path", "segments[0].color"},
      {"two segments of one colour", put, path,
       segments_text("[" + seg("#ff0000", "[[0,0]]") + "," +
                     seg("#FF0000", "[[0,4]]") + "]"),
       who::bob, "application/json", 400, "invalid_path", "segments[1].color"},
      {"segment without cells", put, path,
       segments_text("[" + seg("#ff0000", "[]") + "]"), who::bob,
       "application/json", 400, "invalid_path", "segments[0].cells"},
      {"path on a missing board", put, "/api/boards/{missing}/path",
       segments_text("[" + seg("#ff0000", "[[0,0]]") + "]"), who::bob,
       "application/json", 404, "not_found"},
      {"get path on a missing board", "GET", "/api/boards/{missing}/path", "",
       who::bob, "", 404, "not_found"},
      {"no path saved yet", "GET", path, "", who::bob, "", 404, "not_found"},
      {"delete a path never saved", "DELETE", path, "", who::bob, "", 404,
       "not_found"},
      {"path without an account", put, path,
       segments_text("[" + seg("#ff0000", "[[0,0]]") + "]"), who::anonymous,
       "application/json", 401, "authentication_required"},
      {"path as text/plain", put, path,
       segments_text("[" + seg("#ff0000", "[[0,0]]") + "]"), who::bob,
       "text/plain", 415, "unsupported_media_type"},
  });
}

TEST_F(E2eApiBadRequests, AuthAndAccess) {
  const std::string post = "POST";
  run({
      {"create without an account", post, "/api/boards", valid_board(),
       who::anonymous, "application/json", 401, "authentication_required"},
      {"bad bearer token", post, "/api/boards", valid_board(), who::bogus,
       "application/json", 401, "invalid_token"},
      {"Basic instead of Bearer", post, "/api/boards", valid_board(),
       who::alice_basic, "application/json", 401, "invalid_token"},
      {"mine=1 with a bad token", "GET", "/api/boards?mine=1", "", who::bogus,
       "", 401, "invalid_token"},
      {"me without an account", "GET", "/api/auth/me", "", who::anonymous, "",
       401, "authentication_required"},
      {"logout without an account", post, "/api/auth/logout", "",
       who::anonymous, "", 401, "authentication_required"},
      {"someone else's board: update", "PUT", "/api/boards/{board}",
       valid_board(), who::bob, "application/json", 403, "not_creator"},
      {"someone else's board: delete", "DELETE", "/api/boards/{board}", "",
       who::bob, "", 403, "not_creator"},
      {"cookie POST without Origin", post, "/api/boards", valid_board(),
       who::alice_cookie, "application/json", 403, "origin_mismatch"},
      {"cookie POST from a foreign Origin", post, "/api/boards", valid_board(),
       who::alice_cookie_evil, "application/json", 403, "origin_mismatch"},
      {"cookie POST from another port", post, "/api/boards", valid_board(),
       who::alice_cookie_port, "application/json", 403, "origin_mismatch"},
      {"cookie DELETE from a foreign Origin", "DELETE", "/api/boards/{board}",
       "", who::alice_cookie_evil, "", 403, "origin_mismatch"},
      {"cookie PUT path without Origin", "PUT", "/api/boards/{board}/path",
       segments_text(R"([{"color":"#ff0000","cells":[[0,0]]}])"),
       who::alice_cookie, "application/json", 403, "origin_mismatch"},
      {"cookie logout from a foreign Origin", post, "/api/auth/logout", "",
       who::alice_cookie_evil, "", 403, "origin_mismatch"},
      {"update a missing board", "PUT", "/api/boards/{missing}", valid_board(),
       who::alice, "application/json", 404, "not_found"},
      {"delete a missing board", "DELETE", "/api/boards/{missing}", "",
       who::alice, "", 404, "not_found"},
  });
}

TEST_F(E2eApiBadRequests, AccountBodies) {
  const std::string post = "POST";
  const std::string reg = "/api/auth/register";
  run({
      {"username of 2 chars", post, reg, creds("ab", "long enough"),
       who::anonymous, "application/json", 400, "invalid_username", "username"},
      {"username of 33 chars", post, reg,
       creds(std::string(33, 'u'), "long enough"), who::anonymous,
       "application/json", 400, "invalid_username", "username"},
      {"username with a space", post, reg, creds("bad name", "long enough"),
       who::anonymous, "application/json", 400, "invalid_username", "username"},
      {"username with a non-ASCII letter", post, reg,
       creds("zo\xc5\xbc", "long enough"), who::anonymous, "application/json",
       400, "invalid_username", "username"},
      {"short password", post, reg, creds("carol", "short"), who::anonymous,
       "application/json", 400, "invalid_password", "password"},
      {"password of 129 bytes", post, reg,
       creds("carol", std::string(129, 'p')), who::anonymous,
       "application/json", 400, "invalid_password", "password"},
      {"username not a string", post, reg,
       R"({"username":5,"password":"long enough"})", who::anonymous,
       "application/json", 400, "invalid_type", "username"},
      {"password missing", post, reg, R"({"username":"carol"})", who::anonymous,
       "application/json", 400, "invalid_type", "password"},
      {"register as text/plain", post, reg, creds("carol", "long enough"),
       who::anonymous, "text/plain", 415, "unsupported_media_type"},
      {"register malformed JSON", post, reg, R"({"username":)", who::anonymous,
       "application/json", 400, "invalid_json"},
      {"username taken in other case", post, reg, creds("ALICE", "long enough"),
       who::anonymous, "application/json", 409, "username_taken", "username"},
      {"login with a wrong password", post, "/api/auth/login",
       creds("alice", "not the password"), who::anonymous, "application/json",
       401, "invalid_credentials"},
      {"login body not an object", post, "/api/auth/login", R"("alice")",
       who::anonymous, "application/json", 400, "invalid_type"},
  });
}

TEST_F(E2eApiBadRequests, HttpLayer) {
  const std::string huge =
      board_text{.name = "\"" + std::string(70 * 1024, 'x') + "\""}.str();
  run({
      {"body over 64 KiB", "POST", "/api/boards", huge, who::alice,
       "application/json", 413, "payload_too_large"},
      {"text/plain body", "POST", "/api/boards", valid_board(), who::alice,
       "text/plain", 415, "unsupported_media_type"},
      {"no content type", "POST", "/api/boards", valid_board(), who::alice, "",
       415, "unsupported_media_type"},
      {"form content type", "PUT", "/api/boards/{board}", valid_board(),
       who::alice, "application/x-www-form-urlencoded", 415,
       "unsupported_media_type"},
      {"limit=0", "GET", "/api/boards?limit=0", "", who::anonymous, "", 400,
       "invalid_query", "limit"},
      {"limit=101", "GET", "/api/boards?limit=101", "", who::anonymous, "", 400,
       "invalid_query", "limit"},
      {"limit=abc", "GET", "/api/boards?limit=abc", "", who::anonymous, "", 400,
       "invalid_query", "limit"},
      {"mine=maybe", "GET", "/api/boards?mine=maybe", "", who::alice, "", 400,
       "invalid_query", "mine"},
      {"after=0", "GET", "/api/boards?after=0", "", who::anonymous, "", 400,
       "invalid_query", "after"},
      {"bad percent-encoding", "GET", "/api/boards?limit=%zz", "",
       who::anonymous, "", 400, "invalid_query"},
      {"unknown route", "GET", "/api/nope", "", who::alice, "", 404,
       "not_found"},
      {"unknown route below a board", "GET", "/api/boards/{board}/nope", "",
       who::alice, "", 404, "not_found"},
      {"board id not a number", "GET", "/api/boards/abc", "", who::anonymous,
       "", 404, "not_found"},
      {"board id 0", "GET", "/api/boards/0", "", who::anonymous, "", 404,
       "not_found"},
      {"board id with a leading zero", "GET", "/api/boards/0{board}", "",
       who::anonymous, "", 404, "not_found"},
      {"board id past 64 bits", "GET", "/api/boards/99999999999999999999", "",
       who::anonymous, "", 404, "not_found"},
      {"missing board", "GET", "/api/boards/{missing}", "", who::anonymous, "",
       404, "not_found"},
      {"DELETE on the board list", "DELETE", "/api/boards", "", who::alice, "",
       405, "method_not_allowed", "", "GET, HEAD, POST, OPTIONS"},
      {"PATCH on a board", "PATCH", "/api/boards/{board}", valid_board(),
       who::alice, "application/json", 405, "method_not_allowed", "",
       "GET, HEAD, PUT, DELETE, OPTIONS"},
      {"POST on a path", "POST", "/api/boards/{board}/path", "{}", who::alice,
       "application/json", 405, "method_not_allowed", "",
       "GET, HEAD, PUT, DELETE, OPTIONS"},
      {"GET on login", "GET", "/api/auth/login", "", who::anonymous, "", 405,
       "method_not_allowed", "", "POST, OPTIONS"},
      {"POST on me", "POST", "/api/auth/me", "", who::alice, "", 405,
       "method_not_allowed", "", "GET, HEAD, OPTIONS"},
  });
}

// =============================================================================
// 5. Operations and limits
// =============================================================================

TEST(E2eApiOperations, HealthAndReadiness) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db"};
  auto health = http("GET", srv.base_url() + "/healthz");
  EXPECT_EQ(health.status, 200) << health.body << log_of(srv);
  EXPECT_EQ(str_of(health.json(), "status"), "ok");
  auto ready = http("GET", srv.base_url() + "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(str_of(ready.json(), "status"), "ok");
  auto head = http("HEAD", srv.base_url() + "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  expect_clean_stop(srv);
}

TEST(E2eApiOperations, LoginRateLimitAnswers429WithRetryAfter) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db", {"--login-limit", "3"}};
  const auto& base = srv.base_url();
  auto reg = http_json("POST", base + "/api/auth/register",
                       {{"username", "alice"}, {"password", "correct horse"}});
  ASSERT_EQ(reg.status, 201) << reg.body << log_of(srv);
  // 3 a minute: the bucket holds 3 attempts and refills one every 20 s.
  constexpr int refill_seconds = 20;
  const auto first_attempt = clock_type::now();
  for (int i = 0; i < 3; ++i) {
    auto r = http_json("POST", base + "/api/auth/login",
                       {{"username", "alice"}, {"password", "wrong guess"}});
    EXPECT_EQ(r.status, 401) << "attempt " << i + 1 << ": " << r.body;
  }
  // The 4th attempt is refused even with the right password.
  auto limited =
      http_json("POST", base + "/api/auth/login",
                {{"username", "alice"}, {"password", "correct horse"}});
  const auto elapsed =
      std::chrono::duration<double>(clock_type::now() - first_attempt);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.error_code(), "too_many_attempts");
  EXPECT_EQ(header(limited, "set-cookie"), "");
  const auto retry = header(limited, "retry-after");
  ASSERT_FALSE(retry.empty());
  ASSERT_TRUE(std::all_of(retry.begin(), retry.end(), ::isdigit)) << retry;
  // The real wait: the next attempt is due one refill after the first one,
  // which is at most `elapsed` ago, rounded up to whole seconds.
  const int wait = std::stoi(retry);
  EXPECT_LE(wait, refill_seconds);
  EXPECT_GE(wait, refill_seconds - elapsed.count())
      << "elapsed " << elapsed.count() << " s";
  EXPECT_GT(wait, 0);
  // The header and the message name the same wait.
  EXPECT_NE(limited.body.find("try again in " + retry + " s"),
            std::string::npos)
      << retry << " vs " << limited.body;

  // A second later the wait is shorter by at least that second: the
  // header counts down to the next slot rather than repeating one figure.
  std::this_thread::sleep_for(1100ms);
  auto later = http_json("POST", base + "/api/auth/login",
                         {{"username", "alice"}, {"password", "wrong guess"}});
  EXPECT_EQ(later.status, 429) << later.body;
  const auto retry_later = header(later, "retry-after");
  ASSERT_FALSE(retry_later.empty());
  ASSERT_TRUE(std::all_of(retry_later.begin(), retry_later.end(), ::isdigit))
      << retry_later;
  EXPECT_LE(std::stoi(retry_later), wait - 1);
  EXPECT_GT(std::stoi(retry_later), 0);
  // Other requests are not limited.
  EXPECT_EQ(http("GET", base + "/healthz").status, 200);
  expect_clean_stop(srv);
}

/// A login as sent through a reverse proxy on behalf of `client`.
http_response login_from(const std::string& base, const std::string& client,
                         const char* password) {
  const std::string body = json::serialize(
      json::object{{"username", "alice"}, {"password", password}});
  return http("POST", base + "/api/auth/login", body,
              {"Content-Type: application/json", "X-Forwarded-For: " + client});
}

TEST(E2eApiOperations, BehindATrustedProxyTheLoginLimitCountsEachClient) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db",
                     {"--login-limit", "2", "--trusted-proxies", "127.0.0.1"}};
  const auto& base = srv.base_url();
  auto reg = http_json("POST", base + "/api/auth/register",
                       {{"username", "alice"}, {"password", "correct horse"}});
  ASSERT_EQ(reg.status, 201) << reg.body;
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(login_from(base, "203.0.113.7", "wrong guess").status, 401);
  EXPECT_EQ(login_from(base, "203.0.113.7", "wrong guess").status, 429);
  // Another client behind the same proxy is not held back by the first.
  EXPECT_EQ(login_from(base, "198.51.100.2", "correct horse").status, 200);
  expect_clean_stop(srv);
}

TEST(E2eApiOperations, WithoutTrustedProxiesXForwardedForIsIgnored) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db", {"--login-limit", "2"}};
  const auto& base = srv.base_url();
  auto reg = http_json("POST", base + "/api/auth/register",
                       {{"username", "alice"}, {"password", "correct horse"}});
  ASSERT_EQ(reg.status, 201) << reg.body;
  // A client cannot dodge its limit by naming someone else each time.
  EXPECT_EQ(login_from(base, "203.0.113.1", "wrong guess").status, 401);
  EXPECT_EQ(login_from(base, "203.0.113.2", "wrong guess").status, 401);
  EXPECT_EQ(login_from(base, "203.0.113.3", "correct horse").status, 429);
  expect_clean_stop(srv);
}

TEST(E2eApiOperations, TricklingClientIsCutWhileOthersAreServed) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db", {"--request-timeout", "1"}};
  const int fd = connect_to(srv.address());
  ASSERT_GE(fd, 0);
  const auto start = clock_type::now();
  ASSERT_TRUE(send_all(fd, "GET /heal"));
  // An idle keep-alive connection is closed after the same time.
  const int idle = connect_to(srv.address());
  ASSERT_GE(idle, 0);
  ASSERT_TRUE(send_all(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));

  // Someone else is served meanwhile.
  auto other = http("GET", srv.base_url() + "/healthz");
  EXPECT_EQ(other.status, 200) << log_of(srv);

  const bool closed = wait_peer_closed(fd, 4s);
  const auto took = clock_type::now() - start;
  ::close(fd);
  EXPECT_TRUE(closed) << "the half-sent request held its connection open";
  EXPECT_LT(took, 3s);
  EXPECT_GE(took, 500ms) << "closed before the timeout";

  std::string answer;
  EXPECT_TRUE(wait_peer_closed(idle, 3s, &answer))
      << "an idle keep-alive connection was kept";
  ::close(idle);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  expect_clean_stop(srv);
}

TEST(E2eApiOperations, ByteByByteClientIsCutAtTheRequestDeadline) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db", {"--request-timeout", "1"}};
  const int fd = connect_to(srv.address());
  ASSERT_GE(fd, 0);
  const std::string request =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a') +
      "\r\n\r\n";
  const auto start = clock_type::now();
  bool closed = false;
  // One byte every 100 ms: each byte alone is well within the timeout, but
  // the whole request is not.
  for (std::size_t i = 0; i < request.size() && !closed; ++i) {
    if (clock_type::now() - start > 4s)
      break;
    if (!send_all(fd, request.substr(i, 1))) {
      closed = true;
      break;
    }
    closed = wait_peer_closed(fd, 100ms);
  }
  const auto took = clock_type::now() - start;
  ::close(fd);
  EXPECT_TRUE(closed) << "a trickling client held its connection";
  EXPECT_LT(took, 3s);
  EXPECT_EQ(http("GET", srv.base_url() + "/healthz").status, 200);
  expect_clean_stop(srv);
}

TEST(E2eApiOperations, OversizedHeaderGets431NotAHang) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db"};
  const auto start = clock_type::now();
  auto r = http("GET", srv.base_url() + "/healthz", {},
                {"X-Big: " + std::string(20 * 1024, 'h')});
  EXPECT_LT(clock_type::now() - start, 5s);
  EXPECT_EQ(r.status, 431) << r.body << log_of(srv);
  EXPECT_EQ(r.error_code(), "header_too_large");
  EXPECT_EQ(http("GET", srv.base_url() + "/healthz").status, 200);
  expect_clean_stop(srv);
}

TEST(E2eApiOperations, GarbageRequestGets400) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db"};
  const int fd = connect_to(srv.address());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "GARBAGE\r\n\r\n"));
  std::string got;
  EXPECT_TRUE(wait_peer_closed(fd, 3s, &got)) << got;
  ::close(fd);
  EXPECT_TRUE(got.starts_with("HTTP/1.1 400 ")) << got << log_of(srv);
  EXPECT_NE(got.find("Content-Type: application/json"), std::string::npos);
  EXPECT_NE(got.find(R"({"error":{"code":"bad_request")"), std::string::npos)
      << got;
  EXPECT_EQ(http("GET", srv.base_url() + "/healthz").status, 200);
  expect_clean_stop(srv);
}

/// Reads from `fd` until `got` holds a whole response head ("\r\n\r\n"),
/// for at most `timeout`; whether it does.
bool read_head(int fd, std::string& got,
               std::chrono::milliseconds timeout = 5s) {
  const auto deadline = clock_type::now() + timeout;
  char buf[4096];
  while (got.find("\r\n\r\n") == std::string::npos &&
         clock_type::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0)
      continue;
    auto n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
      break;
    if (n > 0)
      got.append(buf, static_cast<std::size_t>(n));
  }
  return got.find("\r\n\r\n") != std::string::npos;
}

TEST(E2eApiHttp, ExpectContinueGets100BeforeTheBody) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db"};
  const std::string body = R"({"username":"erin","password":"correct horse"})";
  const int fd = connect_to(srv.address());
  ASSERT_GE(fd, 0);
  // The head alone, as curl sends it, then nothing until the server speaks.
  ASSERT_TRUE(send_all(fd, "POST /api/auth/register HTTP/1.1\r\n"
                           "Host: dots\r\nContent-Type: application/json\r\n"
                           "Expect: 100-continue\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n"));
  std::string interim;
  ASSERT_TRUE(read_head(fd, interim)) << interim << log_of(srv);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(send_all(fd, body));
  std::string final_head;
  ASSERT_TRUE(read_head(fd, final_head)) << final_head << log_of(srv);
  EXPECT_TRUE(final_head.starts_with("HTTP/1.1 201 ")) << final_head;
  ::close(fd);
  // libcurl, told to expect: it reads the 100 and sends the body.
  auto r = http("POST", srv.base_url() + "/api/auth/login", body,
                {"Content-Type: application/json", "Expect: 100-continue"});
  EXPECT_EQ(r.status, 200) << r.body;
  expect_clean_stop(srv);
}

TEST(E2eApiHttp, ARefusedUploadGetsItsStatusWithout100) {
  temp_dir dir;
  const auto db = dir.path() / "dots.db";
  server_process srv{db};
  struct refused_case {
    const char* head;
    const char* status_line;
  };
  for (const auto& k : std::vector<refused_case>{
           {"POST /api/boards HTTP/1.1\r\nHost: dots\r\n"
            "Content-Type: application/json\r\n",
            "HTTP/1.1 401 "},
           {"POST /api/boards HTTP/1.1\r\nHost: dots\r\n"
            "Authorization: Bearer anything\r\nContent-Type: text/plain\r\n",
            "HTTP/1.1 415 "},
           {"PUT /api/boards/1 HTTP/1.1\r\nHost: dots\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 1000000\r\n",
            "HTTP/1.1 413 "}}) {
    SCOPED_TRACE(k.status_line);
    const int fd = connect_to(srv.address());
    ASSERT_GE(fd, 0);
    std::string head = std::string{k.head} + "Expect: 100-continue\r\n";
    if (head.find("Content-Length") == std::string::npos)
      head += "Content-Length: 100\r\n";
    ASSERT_TRUE(send_all(fd, head + "\r\n"));
    std::string got;
    // The final answer, then the server closes: the body never came.
    EXPECT_TRUE(wait_peer_closed(fd, 5s, &got)) << got;
    ::close(fd);
    EXPECT_TRUE(got.starts_with(k.status_line)) << got << log_of(srv);
    EXPECT_EQ(got.find("100 Continue"), std::string::npos) << got;
    EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
  }
  EXPECT_EQ(count_rows(db, "SELECT count(*) FROM boards"), 0);
  expect_clean_stop(srv);
}

TEST(E2eApiHttp, RepeatedQueryParametersFollowOneRule) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db"};
  const auto& base = srv.base_url();
  auto alice = sign_up(base, "alice");
  // A list parameter merges its values: the issue's example now delivers
  // the newBoard it asks for.
  dots::test::sse_client stream{
      base + "/sse/notifications/?events=boardDeleted&events=newBoard"};
  ASSERT_TRUE(eventually([&] { return stream.status() != 0; })) << log_of(srv);
  ASSERT_EQ(stream.status(), 200);
  const auto id = create_board(base, alice.token, small_board("Merged"));
  ASSERT_TRUE(
      stream.wait_for([&](const std::vector<dots::test::sse_event>& events) {
        return std::any_of(
            events.begin(), events.end(), [&](const dots::test::sse_event& e) {
              return e.event == "newBoard" &&
                     e.data.find("\"board_id\":" + std::to_string(id)) !=
                         std::string::npos;
            });
      }))
      << stream.raw() << log_of(srv);
  stream.stop();
  // A single-valued one repeated is a 400 naming it, on each endpoint.
  for (auto [url, field] :
       {std::pair{"/api/boards?limit=1&limit=2", "limit"},
        {"/api/boards?mine=1&mine=1", "mine"},
        {"/sse/notifications/?lastEventId=1&lastEventId=2", "lastEventId"}}) {
    auto r =
        http("GET", base + url, {}, {"Authorization: Bearer " + alice.token});
    EXPECT_EQ(r.status, 400) << url << " " << r.body;
    EXPECT_EQ(r.error_code(), "invalid_query") << url;
    EXPECT_EQ(r.error_field(), field) << url;
  }
  // The Last-Event-ID header wins over the query, and one that is no event
  // id is refused rather than read as a fresh stream.
  auto bad = http("GET", base + "/sse/notifications/?lastEventId=1", {},
                  {"Last-Event-ID: not-an-id"});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.error_field(), "Last-Event-ID");
  expect_clean_stop(srv);
}

// =============================================================================
// 6. The process
// =============================================================================

TEST(E2eApiProcess, HelpMentionsEveryOption) {
  auto r = run_binary({"--help"});
  EXPECT_EQ(r.status, 0) << r.err;
  for (const char* option :
       {"--listen", "--db", "--threads", "--log-level", "--web-dir",
        "--keepalive-seconds", "--event-retention", "--max-streams",
        "--stream-queue-frames", "--stream-queue-bytes", "--login-limit",
        "--request-timeout", "--cors-origins", "--help", "--version"})
    EXPECT_NE(r.out.find(option), std::string::npos)
        << option << " is missing from:\n"
        << r.out;
}

TEST(E2eApiProcess, BadCommandLinesFailWithAMessage) {
  temp_dir dir;
  const auto db = (dir.path() / "dots.db").string();
  const std::vector<std::vector<std::string>> cases{
      {"--listen", "127.0.0.1:0", "--db", db, "--no-such-option"},
      {"--listen", "127.0.0.1:0", "--db", db, "--threads", "abc"},
      {"--listen", "127.0.0.1:0", "--db", db, "--threads=0"},
      {"--db", db, "--listen", "nope"},
      {"--db", db, "--listen", "127.0.0.1:99999"},
      {"--listen", "127.0.0.1:0", "--db", db, "--login-limit", "-1"},
      {"--listen", "127.0.0.1:0", "--db", db, "--request-timeout"},
      {"--listen", "127.0.0.1:0", "--db", db, "stray"},
  };
  for (const auto& args : cases) {
    std::string shown;
    for (const auto& a : args)
      shown += a + " ";
    SCOPED_TRACE(shown);
    auto r = run_binary(args, 5s);
    EXPECT_NE(r.status, 0) << "accepted (or hung)";
    EXPECT_NE(r.status, -1) << "it started instead of refusing";
    EXPECT_FALSE(r.err.empty());
    EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
  }
}

TEST(E2eApiProcess, ASecondServerOnTheSameSqliteFileIsRefused) {
  // api.md, "Operations": a SQLite file serves one server process. Two
  // would each keep their own copy of the log's tail, and a client resuming
  // on one would miss what was written through the other.
  temp_dir dir;
  const auto db = dir.path() / "dots.db";
  server_process first{db};
  auto second =
      run_binary({"--db", db.string(), "--listen", "127.0.0.1:0"}, 10s);
  EXPECT_EQ(second.status, 1) << second.err;
  EXPECT_NE(second.err.find("in use by another dots-server"), std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find(db.string()), std::string::npos) << second.err;
  EXPECT_EQ(second.out.find("listening"), std::string::npos) << second.out;
  // The first one never noticed.
  EXPECT_EQ(http("GET", first.base_url() + "/readyz").status, 200);
  // A crash lets the file go: the kernel drops the lock with the process.
  EXPECT_EQ(first.stop(SIGKILL), 128 + SIGKILL);
  server_process after_crash{db};
  EXPECT_EQ(http("GET", after_crash.base_url() + "/readyz").status, 200);
  // And so does a clean stop.
  EXPECT_EQ(after_crash.stop(SIGTERM), 0) << log_of(after_crash);
  server_process after_stop{db};
  EXPECT_EQ(http("GET", after_stop.base_url() + "/readyz").status, 200);
}

TEST(E2eApiProcess, TheAppIsFoundNextToTheExecutableWhateverTheFolder) {
  // The layout `cmake --install` and the Debian package make: bin/ and
  // share/dots/web/ side by side. The test runs from its own folder, which
  // holds no web/dist: only the executable's place can lead to the app.
  temp_dir prefix;
  std::filesystem::create_directories(prefix.path() / "bin");
  const auto web = prefix.path() / "share" / "dots" / "web";
  std::filesystem::create_directories(web);
  const std::string page = "<!doctype html><title>installed Dots</title>\n";
  std::ofstream{web / "index.html"} << page;
  const auto binary = prefix.path() / "bin" / "dots-server";
  std::filesystem::copy_file(dots::test::server_binary(), binary);
  ASSERT_EQ(::setenv("DOTS_SERVER", binary.c_str(), 1), 0);
  struct restore {
    ~restore() { ::unsetenv("DOTS_SERVER"); }
  } restore_env;
  server_process srv{prefix.path() / "dots.db"};
  auto got = http("GET", srv.base_url() + "/");
  EXPECT_EQ(got.status, 200) << log_of(srv);
  EXPECT_EQ(got.body, page);
  EXPECT_NE(srv.log().find("browser app from " + web.string()),
            std::string::npos)
      << log_of(srv);
}

TEST(E2eApiProcess, AWebDirWithoutAnAppStopsTheStart) {
  temp_dir dir;
  const auto db = (dir.path() / "dots.db").string();
  const auto missing = (dir.path() / "no-such-folder").string();
  auto r = run_binary(
      {"--db", db, "--listen", "127.0.0.1:0", "--web-dir", missing}, 10s);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find(missing + " does not exist"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
  // A folder, but no built app in it (web/ before `npm run build`, say).
  auto empty = run_binary(
      {"--db", db, "--listen", "127.0.0.1:0", "--web-dir", dir.path().string()},
      10s);
  EXPECT_EQ(empty.status, 2) << empty.err;
  EXPECT_NE(empty.err.find("holds no index.html"), std::string::npos)
      << empty.err;
}

TEST(E2eApiProcess, SigtermWithClientsConnectedExitsZero) {
  temp_dir dir;
  server_process srv{dir.path() / "dots.db"};
  dots::test::sse_client stream{srv.base_url() + "/sse/notifications/"};
  ASSERT_TRUE(eventually([&] { return !stream.retry().empty(); }))
      << "the stream did not open" << log_of(srv);
  // An idle keep-alive connection after one complete exchange.
  const int idle = connect_to(srv.address());
  ASSERT_GE(idle, 0);
  ASSERT_TRUE(send_all(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string got;
  EXPECT_FALSE(wait_peer_closed(idle, 300ms, &got));
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200")) << got;

  // A request in flight (a registration hashes its password for a while)
  // is finished, not dropped.
  http_response in_flight;
  std::thread registering{[&] {
    in_flight = http_json("POST", srv.base_url() + "/api/auth/register",
                          {{"username", "late"}, {"password", "just in time"}});
  }};
  std::this_thread::sleep_for(30ms);

  const auto start = clock_type::now();
  const int status = srv.stop(SIGTERM, 8s);
  const auto took = clock_type::now() - start;
  EXPECT_EQ(status, 0) << log_of(srv);
  expect_clean_log(srv);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(stream.wait_closed(2s));
  EXPECT_TRUE(wait_peer_closed(idle, 1s));
  ::close(idle);
  registering.join();
  EXPECT_EQ(in_flight.status, 201) << in_flight.body;

  // What it answered was committed.
  server_process again{dir.path() / "dots.db"};
  auto dup = http_json("POST", again.base_url() + "/api/auth/register",
                       {{"username", "late"}, {"password", "just in time"}});
  EXPECT_EQ(dup.status, 409) << dup.body << log_of(again);
  expect_clean_stop(again);
}

TEST(E2eApiProcess, DataSurvivesARestart) {
  temp_dir dir;
  const auto db = dir.path() / "dots.db";
  std::int64_t board = 0;
  std::string token;
  json::value board_json;
  json::value path_json;
  {
    server_process srv{db};
    auto alice = sign_up(srv.base_url(), "alice");
    ASSERT_FALSE(alice.token.empty()) << log_of(srv);
    token = alice.token;
    board = create_board(srv.base_url(), token, small_board("kept"));
    ASSERT_GT(board, 0);
    board_json = http("GET", board_url(srv.base_url(), board)).json();
    auto p =
        http_json("PUT", board_url(srv.base_url(), board) + "/path",
                  path_body({segment("#ff0000", {{0, 0}, {0, 1}})}), token);
    ASSERT_EQ(p.status, 201) << p.body;
    path_json = p.json();
    expect_clean_stop(srv);
  }
  server_process again{db};
  const auto& base = again.base_url();
  auto login = http_json("POST", base + "/api/auth/login",
                         {{"username", "alice"}, {"password", test_password}});
  EXPECT_EQ(login.status, 200) << login.body << log_of(again);
  auto got = http("GET", board_url(base, board));
  EXPECT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json(), board_json);
  // Sessions are durable too.
  auto path = http("GET", board_url(base, board) + "/path", {},
                   {"Authorization: Bearer " + token});
  EXPECT_EQ(path.status, 200) << path.body;
  EXPECT_EQ(path.json(), path_json);
  // Username uniqueness survives too.
  auto dup = http_json("POST", base + "/api/auth/register",
                       {{"username", "ALICE"}, {"password", "correct horse"}});
  EXPECT_EQ(dup.status, 409) << dup.body;
  // New ids continue after the old ones.
  auto next =
      create_board(base, str_of(login.json(), "token"), small_board("new"));
  EXPECT_GT(next, board);
  expect_clean_stop(again);
}

} // namespace
