#pragma once

#include "http/auth.hpp"
#include "http/handler.hpp"
#include "http/query.hpp" // the stream endpoint reads its query with it
#include "http/responses.hpp"

#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <optional>
#include <ostream> // boost/core string_view needs it complete
#include <span>
#include <string>
#include <string_view>

// The route table: the one list of endpoints, each with its path pattern
// and its handler for each method it takes. Routing, the 405 with its
// `Allow` header, HEAD, and OPTIONS with the CORS headers of the API and
// the stream all come from it. Matching is a pure function of the path,
// testable without sockets.

namespace dots::http {

/// A set of the methods the table knows (GET, HEAD, POST, PUT, DELETE,
/// OPTIONS), one bit each (method_bit).
using method_set = std::uint8_t;

/// The bit of `m` in a method_set; 0 for a method outside the table.
constexpr method_set method_bit(boost::beast::http::verb m) {
  using boost::beast::http::verb;
  switch (m) {
  case verb::get:
    return 1;
  case verb::head:
    return 2;
  case verb::post:
    return 4;
  case verb::put:
    return 8;
  case verb::delete_:
    return 16;
  case verb::options:
    return 32;
  default:
    return 0;
  }
}

/// One endpoint of the contract (../shared/spec/api.md) and its handlers.
struct endpoint {
  /// The path: literal ("/api/boards"), with one `{id}` segment that
  /// matches a board id (see parse_id), or "/*": any path outside /api/
  /// and /sse/ (the browser app's files).
  std::string_view pattern;
  handler get = nullptr;
  handler post = nullptr;
  handler put = nullptr;
  handler del = nullptr;
  /// HEAD's own handler, where running GET's would do what a HEAD must
  /// not (open a stream). Otherwise HEAD runs GET's handler and the
  /// session drops the body (RFC 9110 section 9.3.2).
  handler head = nullptr;
  /// The methods whose handler needs an account: without credentials
  /// they are a 401, decided from the request head (screen_head).
  method_set account = 0;
  /// The methods whose handler reads a JSON body: any other Content-Type
  /// is a 415, decided from the request head (screen_head).
  method_set json_body = 0;
};

/// Every endpoint, in matching order (the static files' "/*" last).
std::span<const endpoint> route_table();

/// The part of the site `path` (a target's path, or a pattern of the
/// table) is in, for CORS: under `/api/` the API, under `/sse/` the stream,
/// anything else none.
cors_scope cors_scope_of(std::string_view path);

/// The handler of `method` on `e`: HEAD wherever GET is; OPTIONS on the API
/// and the stream (cors_scope_of), answered 204 with `Allow`, plus the
/// preflight's headers for an allowed origin (answer()); nullptr when the
/// endpoint does not take the method (405).
handler handler_for(const endpoint& e, boost::beast::http::verb method);

/// The `Allow` header of `e`: exactly the methods handler_for accepts, in
/// the order GET, HEAD, POST, PUT, DELETE, OPTIONS (RFC 9110 section
/// 10.2.1).
std::string_view allow_of(const endpoint& e);

/// Where a path leads.
struct route {
  const endpoint* to = nullptr; ///< nullptr: no endpoint (404)
  std::int64_t board_id = 0;    ///< the `{id}` of the path, when it has one
};

/// The endpoint whose pattern matches `path` (the target's path as sent,
/// without the query; case-sensitive, so "/api/Boards" is a 404).
route match_route(std::string_view path);

/// The credentials a request presents, checked as far as its head alone
/// can: 401 when there are none (find_credentials), 403 `origin_mismatch`
/// for a cookie on an unsafe request whose Origin is not this site (CSRF;
/// api.md, "Errors"). Whether the token is valid is the accounts actor's
/// to say.
domain::result<presented_token> credentials_of(const request& req);

/// 415 `unsupported_media_type`: the body of a method that takes JSON was
/// sent as something else (api.md, "Errors").
domain::error unsupported_json_type();

/// The handler of a request, or the error that answers it, decided from
/// the request head alone, in the contract's order: 404 for an unknown
/// path, 405 with the endpoint's Allow for a method it does not take, 400
/// `invalid_query` for a target that is not origin-form, then what
/// credentials_of says for a method that needs an account, then 415 for a
/// method that reads a JSON body sent with another Content-Type. answer()
/// runs it on every request before any handler; the session runs it on the
/// head of a request that sent `Expect: 100-continue`, so that a request
/// refused here is refused before its body is sent (RFC 9110 section
/// 10.1.1), with the very answer it would get after sending it. `head` is
/// the request as parsed so far; its body is not read.
domain::result<handler> screen_head(const route& r, const request_target& t,
                                    const request& head);

/// The CORS grant of a request (grant_cors): its Origin against
/// `ctx.cors`, for the part of the site its target reaches.
cors_grant cors_grant_of(const app_context& ctx, const request& req);

/// Answers one request through the table: matches its target, screens it
/// (screen_head), runs the handler of its method and, when that fails,
/// turns the error into the response; the one place where that happens.
/// Every answer on the API and the stream, errors included, then gets the
/// request's CORS fields (cors_grant_of; a stream takes them into its
/// head), and the answer to a preflight from an allowed origin its
/// preflight fields. `peer` is the socket's remote address. Reads and
/// writes nothing: testable without sockets.
boost::asio::awaitable<reply> answer(app_context& ctx, const request& req,
                                     const std::string& peer);

/// A positive decimal int64 with no sign, spaces or leading zeros; nullopt
/// otherwise (including overflow). The product's id rule: a board id in a
/// path or a query.
std::optional<std::int64_t> parse_id(std::string_view text);

} // namespace dots::http
