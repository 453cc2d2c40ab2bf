#pragma once

#include "domain/error.hpp"
#include "http/net.hpp"

#include <string>
#include <string_view>

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

/// The Set-Cookie value that starts a browser session.
std::string session_cookie(const std::string& token);

/// The Set-Cookie value that ends it.
std::string expired_session_cookie();

} // namespace dots::http
