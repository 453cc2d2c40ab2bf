#pragma once

#include "domain/error.hpp"
#include "http/context.hpp"
#include "http/net.hpp"
#include "http/router.hpp"
#include "http/shard.hpp"
#include "http/stream_hub.hpp"

#include <boost/asio/awaitable.hpp>
#include <optional>

namespace dots::http {

/// What a client asked of its stream: filters and where to resume.
struct stream_request {
  stream_filter filter;
  std::optional<std::int64_t> last_event_id;
};

/// Reads `events=`, `board=` and `lastEventId=` from the query and the
/// Last-Event-ID header (which wins). 400 for unknown event names and bad
/// values.
domain::result<stream_request> parse_stream_request(const request& req,
                                                    std::string_view query);

/// GET /sse/notifications/: checks filters and capacity, answers the
/// headers and a retry hint at once, replays what the client missed (by
/// Last-Event-ID) and then streams live frames until either side closes.
/// `stream`, `buffer` and `req` are the HTTP session's, taken over (by
/// reference: the session awaits this to the end).
boost::asio::awaitable<void> run_stream(app_context& ctx, shard& home,
                                        beast::tcp_stream& stream,
                                        beast::flat_buffer& buffer,
                                        request& req, const route& r);

} // namespace dots::http
