#pragma once

#include "domain/error.hpp"
#include "http/context.hpp"
#include "http/net.hpp"
#include "http/query.hpp"
#include "http/shard.hpp"
#include "http/stream_filter.hpp"

#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

// The endpoint `GET /sse/notifications/` (api.md, "Live notifications"):
// from a request to a running stream. The session admits the request, then
// hands the socket to run_stream, which owns it from there.

namespace dots::http {

/// What a client asked of its stream: which events, and where to resume.
struct stream_request {
  /// From `events=` and `board=`; the default passes everything.
  stream_filter filter;
  /// The last event id the client saw (`Last-Event-ID`, or `lastEventId=`
  /// for clients that cannot set headers); nullopt: a fresh stream.
  std::optional<std::int64_t> last_event_id;
  /// The CORS fields of the stream's head (router's answer(); none unless
  /// --cors-origins is set).
  cors_grant cors;
};

/// The Retry-After (RFC 9110, section 10.2.3) a refused stream may name:
/// whole seconds from `min` to `max`, both included.
struct retry_window {
  std::chrono::seconds min;
  std::chrono::seconds max;
};

/// The window of a refused stream's Retry-After, both for the 503 at
/// capacity or while draining and for the 503 when the notifier gave no
/// replay: from the `retry:` hint each stream opens with (`retry`,
/// stream_config::retry, WHATWG HTML "Server-sent events", reconnection
/// time) to twice that, in whole seconds (RFC 9110 allows only
/// delay-seconds; a hint that is not whole rounds up). A refusal is thus
/// retried no sooner than a dropped stream, and the clients of a reconnect
/// storm, which all come back at the same moment, are spread over the
/// window instead of returning together. With the default 3 s hint: 3 to
/// 6 s.
constexpr retry_window
refused_stream_retry_window(std::chrono::milliseconds retry) {
  const auto min = std::max(std::chrono::ceil<std::chrono::seconds>(retry),
                            std::chrono::seconds{1});
  return {min, 2 * min};
}

/// One Retry-After for a refused stream: whole seconds drawn uniformly from
/// refused_stream_retry_window(retry), independently for every refusal.
/// Safe to call from any thread (each has its own generator).
std::chrono::seconds
refused_stream_retry_after(std::chrono::milliseconds retry);

/// Reads the stream's query, already decoded by the router (`params`), and
/// the `Last-Event-ID` header of `req`, by the one rule for queries
/// (query.hpp; api.md, "Live notifications"):
/// - `events=` and `board=` are lists: comma-separated, and repeats merge
///   (`events=a&events=b` is `events=a,b`; `board=1&board=2` keeps both
///   boards, at most stream_filter::max_boards of them);
/// - `lastEventId=` is single-valued: a repeat is a 400;
/// - the `Last-Event-ID` header wins over `lastEventId=`; an empty header
///   is no header (WHATWG HTML, "Server-sent events": an EventSource sends
///   none when its last id is empty).
/// Errors (`invalid`; the session answers 400): code `invalid_query`, the
/// parameter in `field`, for an unknown or empty event name, a bad board
/// id or too many boards, a `lastEventId=` that is not an event id or is
/// repeated; code `invalid_header`, field `Last-Event-ID`, for a header
/// that is not an event id or is repeated (a resume point the server cannot
/// read would otherwise silently become a fresh stream with a gap). Other
/// parameters are ignored.
domain::result<stream_request> parse_stream_request(const request& req,
                                                    const query_params& params);

/// Admits a stream: parses the request as parse_stream_request does and
/// takes one of the `--max-streams` slots (counted in
/// `server_metrics::open_streams`; run_stream gives it back). Errors: those
/// of parse_stream_request, and `unavailable` (code `at_capacity`, the
/// session answers 503 with a Retry-After drawn by
/// refused_stream_retry_after from the stream's `retry:` hint) when every
/// slot is taken or the server is draining.
domain::result<stream_request>
admit_stream(app_context& ctx, const request& req, const query_params& params);

/// Sets the header fields of every stream's 200 head (api.md, "Live
/// notifications"): Server, `Content-Type: text/event-stream`,
/// `Cache-Control: no-cache` and `X-Accel-Buffering: no`. The stream and
/// the answer to HEAD on it both take them from here.
void set_stream_head_fields(bhttp::fields& fields);

/// Runs an admitted stream on `home` to its end, then gives its slot back.
/// Answers at once, in one write: the 200 head (`Content-Type:
/// text/event-stream`, `Cache-Control: no-cache`, `X-Accel-Buffering: no`;
/// close-delimited, no chunking), the `retry:` hint and, for a fresh
/// stream, an `id:` line with the latest event id, so a client that drops
/// before its first event resumes from there. A resumed stream then gets
/// the frames after its Last-Event-ID (or `event: reset`), and every
/// stream the live frames after that, until either side closes. When the
/// notifier gives no replay, answers 503 (no body, a Retry-After drawn by
/// refused_stream_retry_after) instead of a stream with a silent gap.
///
/// Its own coroutine, spawned on `home` by the HTTP session, which then
/// ends: an idle stream keeps nothing of the session (parser, buffers,
/// timers).
boost::asio::awaitable<void> run_stream(app_context& ctx, shard& home,
                                        tcp::socket socket,
                                        stream_request asked);

} // namespace dots::http
