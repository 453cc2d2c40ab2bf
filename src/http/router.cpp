#include "http/router.hpp"

#include <array>
#include <charconv>

namespace dots::http {

namespace {

using boost::beast::http::verb;

constexpr std::string_view boards_prefix = "/api/boards/";

bool allowed(route_id id, verb m) {
  switch (id) {
  case route_id::healthz:
  case route_id::readyz:
  case route_id::metrics:
  case route_id::static_file:
  case route_id::notifications:
  case route_id::auth_me:
    return m == verb::get || (m == verb::head && id != route_id::auth_me);
  case route_id::auth_register:
  case route_id::auth_login:
  case route_id::auth_logout:
    return m == verb::post;
  case route_id::boards:
    return m == verb::get || m == verb::post;
  case route_id::board:
  case route_id::board_path:
    return m == verb::get || m == verb::put || m == verb::delete_;
  case route_id::not_found:
    return true;
  }
  return false;
}

std::string_view allow_header(route_id id) {
  switch (id) {
  case route_id::auth_register:
  case route_id::auth_login:
  case route_id::auth_logout:
    return "POST";
  case route_id::auth_me:
    return "GET";
  case route_id::boards:
    return "GET, POST";
  case route_id::board:
  case route_id::board_path:
    return "GET, PUT, DELETE";
  default:
    return "GET, HEAD";
  }
}

route_id match_path(std::string_view path, std::int64_t& board_id) {
  static constexpr std::array<std::pair<std::string_view, route_id>, 10> fixed{{
      {"/healthz", route_id::healthz},
      {"/readyz", route_id::readyz},
      {"/metrics", route_id::metrics},
      {"/sse/notifications/", route_id::notifications},
      {"/sse/notifications", route_id::notifications},
      {"/api/auth/register", route_id::auth_register},
      {"/api/auth/login", route_id::auth_login},
      {"/api/auth/logout", route_id::auth_logout},
      {"/api/auth/me", route_id::auth_me},
      {"/api/boards", route_id::boards},
  }};
  for (auto& [p, id] : fixed)
    if (path == p)
      return id;
  if (path.starts_with(boards_prefix)) {
    auto rest = path.substr(boards_prefix.size());
    auto slash = rest.find('/');
    auto id_text = rest.substr(0, slash);
    auto id = parse_id(id_text);
    if (!id)
      return route_id::not_found;
    board_id = *id;
    if (slash == std::string_view::npos)
      return route_id::board;
    if (rest.substr(slash) == "/path")
      return route_id::board_path;
    return route_id::not_found;
  }
  if (path.starts_with("/api/") || path.starts_with("/sse/"))
    return route_id::not_found;
  return route_id::static_file;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size())
        return std::nullopt;
      auto hi = hex_value(in[i + 1]);
      auto lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

route match_route(verb method, std::string_view target) {
  route r;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string_view::npos)
    r.query = target.substr(q + 1);
  r.id = match_path(r.path, r.board_id);
  r.method_allowed = allowed(r.id, method);
  r.allow = allow_header(r.id);
  return r;
}

std::optional<std::map<std::string, std::string>>
parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{}
                                                    : pair.substr(eq + 1));
    if (!key || !value)
      return std::nullopt;
    out.try_emplace(std::move(*key), std::move(*value));
  }
  return out;
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 19 || text.front() == '0')
    return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value <= 0)
    return std::nullopt;
  return value;
}

} // namespace dots::http
