#pragma once

#include "domain/error.hpp"
#include "http/net.hpp"

#include <boost/json/value.hpp>
#include <chrono>
#include <string_view>

// How answers are written: the JSON and empty responses handlers build, and
// the one conversion from an error to what the client reads. Every error a
// request meets (from a handler, the route table or the parser) goes
// through error_response; nothing else writes an error body.

namespace dots::http {

// -- errors only the HTTP layer raises -----------------------------------

/// The `code` of a 405: a method the endpoint does not take (RFC 9110
/// section 15.5.6). The domain has no kind for it; its code sets the status.
inline constexpr std::string_view method_not_allowed_code =
    "method_not_allowed";

/// The `code` of a 431: request headers over `--max-header-bytes` (RFC 6585
/// section 5). The domain's `too_large` is a 413; this code makes it a 431.
inline constexpr std::string_view header_too_large_code = "header_too_large";

/// The `code` of a 417: an `Expect` the server cannot meet, anything but
/// `100-continue` (RFC 9110 section 10.1.1). A 400 but for this code.
inline constexpr std::string_view expectation_failed_code =
    "expectation_failed";

/// 405 for an endpoint whose methods are `allow` ("GET, HEAD, POST").
domain::error method_not_allowed(std::string_view allow);

/// 431: the request's headers are over the limit.
domain::error header_too_large();

/// 417: the request's `Expect` is not `100-continue`.
domain::error expectation_failed();

/// 400 `invalid_query`: a request target or query string that is not valid
/// RFC 3986 origin-form (a bad percent escape, a character that must be
/// escaped).
domain::error malformed_target();

// -- Retry-After -----------------------------------------------------------

/// The wait sent with a 429 whose error does not know its own (every login
/// refusal does; this is the fallback): the login limit refills per minute.
inline constexpr std::chrono::seconds rate_limited_retry_after{60};

/// The wait sent with a 503 whose error does not know its own (a stream
/// refused at capacity, an actor that did not answer): a guess at how long
/// a busy or restarting server takes to free a slot.
inline constexpr std::chrono::seconds unavailable_retry_after{5};

/// The wait a `/readyz` 503 names: how often it is worth probing a server
/// that is starting or draining again (start-up takes a second or two; a
/// drain ends in seconds, and a balancer then stops probing anyway).
inline constexpr std::chrono::seconds readiness_retry_after{5};

// -- responses -------------------------------------------------------------

/// The status of an error: by its kind (invalid → 400, unauthenticated →
/// 401, ...), except the HTTP layer's own codes above (405, 417, 431).
bhttp::status status_of(const domain::error& err);

/// A JSON response that answers `req` (same version and keep-alive).
response json_response(const request& req, bhttp::status status,
                       const boost::json::value& body);

/// The one conversion from an error to a response: `{"error": {...}}` with
/// the error's status and the headers the contract asks for:
/// WWW-Authenticate on 401, Retry-After on 429/503 (the error's own
/// `retry_after` when set, else the fallbacks above), and on 405 `Allow`
/// set to `allow`, the methods of the endpoint the request reached.
response error_response(const request& req, const domain::error& err,
                        std::string_view allow = {});

/// A response with no body (204).
response empty_response(const request& req, bhttp::status status);

/// The answer to a HEAD: the GET response's status and headers, and no body
/// (RFC 9110 section 9.3.2). Its Content-Length is the GET body's, which
/// every handler's prepare_payload set; a close-delimited GET (the stream)
/// has none, and neither has its HEAD.
template <class Body>
bhttp::response<bhttp::empty_body> head_of(bhttp::response<Body>&& get) {
  return bhttp::response<bhttp::empty_body>{std::move(get.base())};
}

} // namespace dots::http
