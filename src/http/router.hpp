#pragma once

#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream> // boost/core string_view needs it complete
#include <string>
#include <string_view>

// Routing is a pure function of the method and target, testable without
// sockets: it names the endpoint, extracts ids and says which methods the
// endpoint allows.

namespace dots::http {

enum class route_id {
  not_found,
  healthz,
  readyz,
  metrics,
  notifications,
  auth_register,
  auth_login,
  auth_logout,
  auth_me,
  boards,
  board,
  board_path,
  static_file,
};

struct route {
  route_id id = route_id::not_found;
  std::int64_t board_id = 0;   ///< for board and board_path
  std::string_view path;       ///< the target's path, without the query
  std::string_view query;      ///< the part after '?', without it
  bool method_allowed = false; ///< false: answer 405 with `allow`
  std::string_view allow;      ///< the Allow header of this endpoint
};

/// Matches a request target (path and query) and method to an endpoint.
route match_route(boost::beast::http::verb method, std::string_view target);

/// Parses "a=1&b=x%20y" (percent-decoding, '+' as space). Repeated keys keep
/// the first value. nullopt when an escape is malformed.
std::optional<std::map<std::string, std::string>>
parse_query(std::string_view query);

/// A positive decimal int64 with no sign, spaces or leading zeros; nullopt
/// otherwise (including overflow).
std::optional<std::int64_t> parse_id(std::string_view text);

} // namespace dots::http
