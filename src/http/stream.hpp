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

/// Admits a stream: parses what the client asked and takes one of the
/// `--max-streams` slots (counted in open_streams). The error to answer
/// with otherwise: 400 for bad filters, 503 at capacity or when draining.
domain::result<stream_request>
admit_stream(app_context& ctx, const request& req, std::string_view query);

/// Runs an admitted stream to its end and gives its slot back: answers the
/// headers and a retry hint at once, replays what the client missed (by
/// Last-Event-ID) and then streams live frames until either side closes.
/// Its own coroutine, started by the HTTP session, which then ends: an idle
/// stream keeps nothing of the session (parser, buffers, timers).
boost::asio::awaitable<void> run_stream(app_context& ctx, shard& home,
                                        tcp::socket socket,
                                        stream_request asked);

} // namespace dots::http
