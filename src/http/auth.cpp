#include "http/auth.hpp"

#include "security/credentials.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>

namespace dots::http {

namespace {

using domain::error;
using domain::error_kind;
// ASCII case folding: schemes, media types and host names (RFC 9110
// sections 11.1, 8.3.1, 4.2.3) compare without regard to case.
using boost::beast::iequals;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto part = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{}
                                            : header.substr(semi + 1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return part.substr(eq + 1);
  }
  return {};
}

error unauthenticated(std::string code, std::string message) {
  return error{
      error_kind::unauthenticated, std::move(code), std::move(message), {}};
}

} // namespace

domain::result<presented_token> find_credentials(const request& req) {
  if (auto it = req.find(bhttp::field::authorization); it != req.end()) {
    auto value = trim(it->value());
    constexpr std::string_view scheme = "Bearer ";
    if (value.size() <= scheme.size() ||
        !iequals(value.substr(0, scheme.size()), scheme))
      return unauthenticated("invalid_token",
                             "Authorization must be 'Bearer <token>'");
    return presented_token{std::string{trim(value.substr(scheme.size()))},
                           false};
  }
  auto [first, last] = req.equal_range(bhttp::field::cookie);
  for (auto it = first; it != last; ++it) {
    auto token = cookie_value(it->value(), "session");
    if (!token.empty())
      return presented_token{std::string{token}, true};
  }
  return unauthenticated("authentication_required",
                         "sign in first: this needs an account");
}

bool is_unsafe(bhttp::verb method) {
  return method == bhttp::verb::post || method == bhttp::verb::put ||
         method == bhttp::verb::patch || method == bhttp::verb::delete_;
}

bool origin_matches(const request& req) {
  auto origin = req[bhttp::field::origin];
  auto host = req[bhttp::field::host];
  if (origin.empty() || host.empty())
    return false;
  for (std::string_view scheme : {"http://", "https://"})
    if (origin.size() == scheme.size() + host.size() &&
        iequals(origin.substr(0, scheme.size()), scheme) &&
        iequals(origin.substr(scheme.size()), host))
      return true;
  return false;
}

bool is_json_content_type(std::string_view value) {
  auto type = trim(value.substr(0, value.find(';')));
  return iequals(type, "application/json");
}

std::string session_cookie(const std::string& token) {
  // The cookie ends when the token does (RFC 6265 section 5.2.2: seconds).
  const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(
                           security::session_lifetime)
                           .count();
  return "session=" + token +
         "; HttpOnly; SameSite=Lax; Path=/; Max-Age=" + std::to_string(max_age);
}

std::string expired_session_cookie() {
  return "session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0";
}

std::string client_address(const request& req, const std::string& peer,
                           const std::vector<std::string>& trusted_proxies) {
  auto trusted = [&](std::string_view address) {
    return std::find(trusted_proxies.begin(), trusted_proxies.end(), address) !=
           trusted_proxies.end();
  };
  if (!trusted(peer))
    return peer;
  std::string client = peer;
  // Several headers are one list in order (RFC 9110 section 5.3); the
  // rightmost entries were added by the proxies nearest to us.
  std::vector<std::string_view> hops;
  auto [first, last] = req.equal_range("X-Forwarded-For");
  for (auto it = first; it != last; ++it) {
    std::string_view list = it->value();
    while (!list.empty()) {
      auto comma = list.find(',');
      hops.push_back(trim(list.substr(0, comma)));
      list = comma == std::string_view::npos ? std::string_view{}
                                             : list.substr(comma + 1);
    }
  }
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    if (hop->empty())
      break; // a malformed chain: trust nothing further left
    client = std::string{*hop};
    if (!trusted(*hop))
      break;
  }
  return client;
}

} // namespace dots::http
