#pragma once

#include "domain/error.hpp"
#include "http/context.hpp"
#include "http/net.hpp"
#include "http/query.hpp"

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

// What every handler of the route table takes and gives back. A handler is
// a function of the request: it returns its answer or the error that
// stopped it, and the session turns either into the one response it writes.

namespace dots::http {

/// A response whose body is a file, sent from disk (static files).
using file_response = bhttp::response<bhttp::file_body>;

struct stream_request; // stream.hpp, included at the end

/// A request on its way through a handler, with what routing found.
struct exchange {
  app_context& ctx;
  const request& req;
  std::string_view path;     ///< the target's path as sent, without query
  std::int64_t board_id = 0; ///< the `{id}` of the path, for board routes
  std::string_view query;    ///< the valid query as sent, without '?'
  query_params params;       ///< the query's parameters, decoded on access
  const std::string& peer;   ///< the socket's remote address
};

/// A handler's answer: a response with its body in memory, one with its
/// body in a file, or an admitted notification stream, which the session
/// hands the socket to.
using reply = std::variant<response, file_response, stream_request>;

/// The answer, or the error to answer with instead.
using handler_result = domain::result<reply>;

/// One endpoint's handler for one method. Handlers never throw; every
/// failure is their error result.
using handler = boost::asio::awaitable<handler_result> (*)(const exchange&);

} // namespace dots::http

// Last: the stream's header includes the router, whose table needs the
// declarations above, and every user of `reply` needs the stream's type.
#include "http/sse_endpoint.hpp"
