#pragma once

#include "http/handler.hpp"
#include "http/query.hpp" // the stream endpoint reads its query with it

#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <optional>
#include <ostream> // boost/core string_view needs it complete
#include <span>
#include <string>
#include <string_view>

// The route table: the one list of endpoints, each with its path pattern
// and its handler for each method it takes. Routing, the 405 with its
// `Allow` header and HEAD all come from it. Matching is a pure function of
// the path, testable without sockets.

namespace dots::http {

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
};

/// Every endpoint, in matching order (the static files' "/*" last).
std::span<const endpoint> route_table();

/// The handler of `method` on `e`: HEAD wherever GET is; nullptr when the
/// endpoint does not take the method (405).
handler handler_for(const endpoint& e, boost::beast::http::verb method);

/// The `Allow` header of `e`: exactly the methods handler_for accepts, in
/// the order GET, HEAD, POST, PUT, DELETE (RFC 9110 section 10.2.1).
std::string_view allow_of(const endpoint& e);

/// Where a path leads.
struct route {
  const endpoint* to = nullptr; ///< nullptr: no endpoint (404)
  std::int64_t board_id = 0;    ///< the `{id}` of the path, when it has one
};

/// The endpoint whose pattern matches `path` (the target's path as sent,
/// without the query; case-sensitive, so "/api/Boards" is a 404).
route match_route(std::string_view path);

/// The handler that answers `method` on `r`, or the error that answers the
/// request before any handler runs, in the contract's order: 404
/// (`not_found`) for no endpoint, 405 (method_not_allowed, with the
/// endpoint's Allow) for a method it does not take, 400 `invalid_query`
/// for a target that is not origin-form. answer()'s routing decision, run
/// without a context; the HTTP fuzz target drives it too.
domain::result<handler> pick_handler(const route& r,
                                     boost::beast::http::verb method,
                                     const request_target& target);

/// Answers one request through the table: matches its target, runs the
/// handler of its method and, when that fails, turns the error into the
/// response; the one place where that happens. Before any handler runs it
/// answers, in the contract's order, 404 for an unknown path, 405 with the
/// endpoint's Allow for a method it does not take, 400 `invalid_query` for
/// a target that is not origin-form. `peer` is the socket's remote address.
/// Reads and writes nothing: testable without sockets.
boost::asio::awaitable<reply> answer(app_context& ctx, const request& req,
                                     const std::string& peer);

/// A positive decimal int64 with no sign, spaces or leading zeros; nullopt
/// otherwise (including overflow). The product's id rule: a board id in a
/// path or a query.
std::optional<std::int64_t> parse_id(std::string_view text);

} // namespace dots::http
