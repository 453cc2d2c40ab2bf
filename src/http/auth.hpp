#pragma once

#include "domain/error.hpp"
#include "http/net.hpp"

#include <string>
#include <string_view>
#include <vector>

// How a request presents an account, and the checks around it. Pure
// functions of the request.

namespace dots::http {

struct presented_token {
  std::string token;
  bool from_cookie = false; ///< cookies need the Origin check; Bearer does not
};

/// The Bearer token, else the `session` cookie; 401 when neither is there
/// or the Authorization header is not a Bearer token.
domain::result<presented_token> find_credentials(const request& req);

/// POST, PUT, PATCH and DELETE.
bool is_unsafe(bhttp::verb method);

/// True when the Origin header names the host the request was sent to.
bool origin_matches(const request& req);

/// `application/json`, with optional parameters (charset), any case.
bool is_json_content_type(std::string_view value);

/// The address of the client a request comes from. `peer` is the socket's
/// remote address. When `peer` is one of `trusted_proxies`, the
/// X-Forwarded-For chain (RFC 7239 section 5.2's de-facto predecessor: each
/// proxy appends the address it received from) is read from the right, and
/// the first address that is not a trusted proxy is the client. A chain
/// that is missing, or made only of trusted proxies, leaves the last proxy.
std::string client_address(const request& req, const std::string& peer,
                           const std::vector<std::string>& trusted_proxies);

/// The Set-Cookie value that starts a browser session.
std::string session_cookie(const std::string& token);

/// The Set-Cookie value that ends it.
std::string expired_session_cookie();

} // namespace dots::http
