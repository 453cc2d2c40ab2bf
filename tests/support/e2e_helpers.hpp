#pragma once

#include "support/http_client.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// Small pieces the end-to-end suites share: bounded polling, reading JSON
// fields and event ids, signing up, and the request bodies of a minimal
// board and path.

namespace dots::test {

/// Whether this build runs under ThreadSanitizer, which slows the server
/// 5-15 times: load tests scale their counts down with it, keeping their
/// checks (GCC defines the macro with -fsanitize=thread).
#if defined(__SANITIZE_THREAD__)
inline constexpr bool under_tsan = true;
#else
inline constexpr bool under_tsan = false;
#endif

/// The stream's path (api.md, "Notifications").
inline constexpr std::string_view sse_path = "/sse/notifications/";

/// The password every test account uses: long enough for the rule of
/// api.md, "Accounts".
inline constexpr std::string_view test_password = "correct horse battery";

/// Polls `pred` every 10 ms until it holds or `timeout` passes; returns
/// whether it held. Bounded: never waits past `timeout`.
template <class Pred>
bool eventually(Pred pred,
                std::chrono::milliseconds timeout = std::chrono::seconds{5}) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

/// The string at `key` of a JSON object; "" when absent or not a string.
inline std::string string_at(const boost::json::value& v,
                             std::string_view key) {
  if (auto* o = v.if_object())
    if (auto* s = o->if_contains(key); s && s->is_string())
      return std::string{s->as_string()};
  return {};
}

/// The integer at `key` of a JSON object; 0 when absent or not an integer.
inline std::int64_t int_at(const boost::json::value& v, std::string_view key) {
  if (auto* o = v.if_object())
    if (auto* n = o->if_contains(key); n && n->is_int64())
      return n->as_int64();
  return 0;
}

/// An event's `id:` as a number; -1 when it is not one.
inline std::int64_t id_of(const sse_event& e) {
  std::int64_t v = -1;
  auto [end, ec] = std::from_chars(e.id.data(), e.id.data() + e.id.size(), v);
  if (ec != std::errc{} || end != e.id.data() + e.id.size())
    return -1;
  return v;
}

/// The ids of the events a stream received, in arrival order (a `reset`
/// frame's too, so that an unexpected one shows as a gap).
inline std::vector<std::int64_t> ids_of(const std::vector<sse_event>& events) {
  std::vector<std::int64_t> out;
  out.reserve(events.size());
  for (const auto& e : events)
    out.push_back(id_of(e));
  return out;
}

/// A signed-up user: name, bearer token and account id.
struct account {
  std::string username;
  std::string token;
  std::int64_t id = 0;
};

/// Logs `username` in (password `password`) at the server of `base_url`
/// ("http://host:port"); returns the token. Fails the test on anything but
/// 200 with a token.
inline std::string log_in(const std::string& base_url,
                          std::string_view username,
                          std::string_view password = test_password) {
  const boost::json::object body{{"username", username},
                                 {"password", password}};
  auto login = http_json("POST", base_url + "/api/auth/login", body);
  EXPECT_EQ(login.status, 200) << login.body;
  auto token = string_at(login.json(), "token");
  EXPECT_FALSE(token.empty()) << login.body;
  return token;
}

/// Registers `username` at `base_url` and logs in at `login_url` (the same
/// server unless given: tokens of the PostgreSQL backend work on every
/// instance). Fails the test when either step fails. Each call costs two
/// argon2id hashes, about a second here: few accounts per test.
inline account sign_up(const std::string& base_url, std::string_view username,
                       std::string_view password = test_password,
                       const std::string& login_url = {}) {
  const boost::json::object body{{"username", username},
                                 {"password", password}};
  auto reg = http_json("POST", base_url + "/api/auth/register", body);
  EXPECT_EQ(reg.status, 201) << reg.body;
  account a{std::string{username}, {}, int_at(reg.json(), "id")};
  a.token =
      log_in(login_url.empty() ? base_url : login_url, username, password);
  return a;
}

/// Creates the board `body` with `token`; returns its id. Fails the test on
/// anything but 201 with an id.
inline std::int64_t create_board(const std::string& base_url,
                                 const std::string& token,
                                 const boost::json::value& body) {
  auto r = http_json("POST", base_url + "/api/boards", body, token);
  EXPECT_EQ(r.status, 201) << r.body;
  auto id = int_at(r.json(), "id");
  EXPECT_GT(id, 0) << r.body;
  return id;
}

/// A 5x5 board with one colour on (0,0) and (0,4).
inline boost::json::value board_body(std::string_view name) {
  namespace json = boost::json;
  return json::object{
      {"name", name},
      {"rows", 5},
      {"cols", 5},
      {"dots",
       json::array{
           json::object{{"row", 0}, {"col", 0}, {"color", "#ff0000"}},
           json::object{{"row", 0}, {"col", 4}, {"color", "#ff0000"}}}}};
}

/// A path on such a board: two cells (unfinished) or the whole top row.
inline boost::json::value path_body(bool complete) {
  namespace json = boost::json;
  json::array cells;
  for (int col = 0; col <= (complete ? 4 : 1); ++col)
    cells.push_back(json::array{0, col});
  return json::object{
      {"segments",
       json::array{json::object{{"color", "#ff0000"}, {"cells", cells}}}}};
}

} // namespace dots::test
