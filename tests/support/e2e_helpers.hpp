#pragma once

#include "support/http_client.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

// Small pieces the end-to-end suites share: bounded polling, reading JSON
// fields and event ids, and the request bodies of a minimal board and path.

namespace dots::test {

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
