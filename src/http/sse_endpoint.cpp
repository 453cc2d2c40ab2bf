#include "http/sse_endpoint.hpp"

#include "domain/sse.hpp"
#include "http/ask.hpp"
#include "http/router.hpp"
#include "http/stream_hub.hpp"
#include "http/stream_writer.hpp"

#include <array>
#include <charconv>
#include <string>
#include <vector>

namespace dots::http {

namespace {

using domain::error;
using domain::error_kind;

error bad_query(std::string message, std::string field) {
  return error{error_kind::invalid, "invalid_query", std::move(message),
               std::move(field)};
}

std::optional<std::int64_t> parse_event_id(std::string_view text) {
  std::int64_t value = -1;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0)
    return std::nullopt;
  return value;
}

/// The bytes Beast's serializer writes for `head`, a message without body.
std::string serialized(bhttp::response<bhttp::empty_body>& head) {
  bhttp::response_serializer<bhttp::empty_body> sr{head};
  std::string out;
  beast::error_code ec;
  auto append = [&](beast::error_code&, const auto& buffers) {
    out += beast::buffers_to_string(buffers);
    sr.consume(net::buffer_size(buffers));
  };
  while (!sr.is_done() && !ec)
    sr.next(ec, append);
  return out;
}

/// The 200 head of every stream (api.md, "Live notifications"). The same
/// for all of them, so serialised once; it goes out in the same write as
/// the stream's first lines. No Content-Length and no chunking: the body
/// ends when the connection does, so its bytes are exactly the frames'.
const std::string& stream_head() {
  static const std::string bytes = [] {
    bhttp::response<bhttp::empty_body> head{bhttp::status::ok, 11};
    set_stream_head_fields(head);
    return serialized(head);
  }();
  return bytes;
}

/// Writes a whole buffer sequence; false when the client is gone.
template <class Buffers>
net::awaitable<bool> write_all(tcp::socket& socket, const Buffers& buffers) {
  auto [ec, n] = co_await net::async_write(socket, buffers,
                                           net::as_tuple(net::use_awaitable));
  co_return !ec;
}

/// Sends the replayed frames that pass the filter, many per write, and
/// counts them as delivered.
net::awaitable<bool> send_replay(stream_writer& w,
                                 const std::vector<domain::frame_ptr>& frames,
                                 stream_hub& hub) {
  constexpr std::size_t batch = 64;
  std::vector<net::const_buffer> buffers;
  buffers.reserve(batch);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (w.filter().passes(*frames[i]))
      buffers.push_back(net::buffer(frames[i]->bytes));
    if (buffers.size() == batch ||
        (i + 1 == frames.size() && !buffers.empty())) {
      if (!co_await write_all(w.socket(), buffers))
        co_return false;
      hub.count_delivered(buffers.size(), net::buffer_size(buffers));
      buffers.clear();
    }
  }
  co_return true;
}

/// Gives the stream's slot back when the stream ends.
struct stream_slot {
  explicit stream_slot(server_metrics& m)
      : m_(m) {}
  ~stream_slot() { m_.open_streams.fetch_sub(1, std::memory_order_relaxed); }
  stream_slot(const stream_slot&) = delete;
  stream_slot& operator=(const stream_slot&) = delete;
  server_metrics& m_;
};

/// What a live stream holds until its client leaves. Members go in reverse
/// order: the stream leaves its hub, then the writer goes, then the slot.
struct live_stream {
  live_stream(server_metrics& m, std::shared_ptr<stream_writer> w,
              stream_hub::membership joined)
      : slot(m)
      , writer(std::move(w))
      , member(std::move(joined)) {}
  stream_slot slot;
  std::shared_ptr<stream_writer> writer;
  stream_hub::membership member;
};

} // namespace

void set_stream_head_fields(bhttp::fields& fields) {
  fields.set(bhttp::field::server, "dots");
  fields.set(bhttp::field::content_type, "text/event-stream");
  fields.set(bhttp::field::cache_control, "no-cache");
  // Tells nginx (and proxies that copy it) not to buffer the stream.
  fields.set("X-Accel-Buffering", "no");
}

domain::result<stream_request> parse_stream_request(const request& req,
                                                    std::string_view query) {
  stream_request out;
  auto params = parse_query(query);
  if (!params)
    return bad_query("the query string is malformed", "");
  if (auto it = params->find("events"); it != params->end()) {
    out.filter.types = 0;
    std::string_view names = it->second;
    for (std::size_t position = 1;; ++position) {
      auto comma = names.find(',');
      auto name = names.substr(0, comma);
      auto type = domain::event_type_from_name(name);
      // Named by its position, never echoed: the decoded name may be any
      // bytes, and a response body must be UTF-8 JSON (RFC 8259 8.1).
      if (!type)
        return bad_query(
            "event name " + std::to_string(position) +
                " is unknown (known: " + domain::all_event_names() + ")",
            "events");
      out.filter.types |= 1u << static_cast<unsigned>(*type);
      if (comma == std::string_view::npos)
        break;
      names.remove_prefix(comma + 1);
    }
  }
  if (auto it = params->find("board"); it != params->end()) {
    auto id = parse_id(it->second);
    if (!id)
      return bad_query("board must be a board id", "board");
    out.filter.board_id = *id;
  }
  if (auto it = params->find("lastEventId"); it != params->end()) {
    out.last_event_id = parse_event_id(it->second);
    if (!out.last_event_id)
      return bad_query("lastEventId must be an event id", "lastEventId");
  }
  if (auto it = req.find("Last-Event-ID"); it != req.end()) {
    // EventSource echoes the last id it saw; anything else is ignored
    // rather than refused, so a client with a stale value still connects.
    if (auto id = parse_event_id(it->value()))
      out.last_event_id = id;
  }
  return out;
}

domain::result<stream_request>
admit_stream(app_context& ctx, const request& req, std::string_view query) {
  BOOST_OUTCOME_TRY(auto asked, parse_stream_request(req, query));
  auto& metrics = *ctx.metrics;
  // Taken first and given back when over: concurrent connects can never
  // hold more than the cap between them.
  auto before = metrics.open_streams.fetch_add(1, std::memory_order_relaxed);
  if (ctx.draining.load(std::memory_order_relaxed) ||
      before >= static_cast<std::int64_t>(ctx.streams.max_streams)) {
    metrics.open_streams.fetch_sub(1, std::memory_order_relaxed);
    metrics.streams_refused.fetch_add(1, std::memory_order_relaxed);
    return error{.kind = error_kind::unavailable,
                 .code = "at_capacity",
                 .message =
                     "the server holds as many streams as it can; retry later",
                 .field = {},
                 .retry_after =
                     static_cast<unsigned>(refused_stream_retry_after.count())};
  }
  return asked;
}

namespace {

/// The 503 of a stream the notifier gave no replay for: without the replay
/// the client would silently miss events, so it is told to retry.
net::awaitable<void> refuse(tcp::socket& socket, server_metrics& metrics) {
  bhttp::response<bhttp::empty_body> refusal{bhttp::status::service_unavailable,
                                             11};
  refusal.set(bhttp::field::server, "dots");
  refusal.set(bhttp::field::retry_after,
              std::to_string(refused_stream_retry_after.count()));
  refusal.keep_alive(false);
  refusal.prepare_payload();
  metrics.count_response(503);
  co_await bhttp::async_write(socket, refusal,
                              net::as_tuple(net::use_awaitable));
}

/// Opens the stream: the head and first lines, then the replay. Returns
/// the last event id the replay sent (or the client's Last-Event-ID, or the
/// latest id for a fresh stream); nullopt when the client is gone or the
/// stream was refused. A coroutine of its own so that what only the opening
/// needs (the replay, the buffers, a refusal) is freed before the stream's
/// long wait: every idle stream keeps only run_stream's frame.
net::awaitable<std::optional<std::int64_t>> open(app_context& ctx, shard& home,
                                                 stream_writer& writer,
                                                 const stream_request& asked) {
  // Asked before anything is written: every event created after the client
  // sees the response head has a larger id than the one it starts from.
  // Fresh streams ask too, for their opening `id:` line, which lets a client
  // that drops before its first event resume from here.
  auto ask = actors::replay{asked.last_event_id.value_or(-1)};
  auto frames =
      co_await http::ask<actors::replay_frames>(ctx.sys, ctx.notifier, ask);
  if (!frames) {
    co_await refuse(writer.socket(), *ctx.metrics);
    co_return std::nullopt;
  }
  auto lines = domain::encode_sse_retry(ctx.streams.retry);
  if (!asked.last_event_id)
    lines += domain::encode_sse_id(frames->last_id);
  // One write for the head and the first lines: a connect costs one
  // syscall, and clients and proxies see the stream's first bytes at once.
  const std::array<net::const_buffer, 2> opening{net::buffer(stream_head()),
                                                 net::buffer(lines)};
  ctx.metrics->count_response(200);
  bool ok = co_await write_all(writer.socket(), opening);
  if (ok && asked.last_event_id)
    ok = co_await send_replay(writer, frames->frames, *home.hub);
  if (!ok)
    co_return std::nullopt;
  co_return frames->last_id;
}

} // namespace

net::awaitable<void> run_stream(app_context& ctx, shard& home,
                                tcp::socket socket, stream_request asked) {
  auto writer = std::make_shared<stream_writer>(std::move(socket), asked.filter,
                                                *home.hub);
  // A member before the replay is read, so that no frame published in
  // between is missed (the writer holds them until go_live(), which drops
  // the ones the replay repeats). Leaves when `held` goes, however the
  // stream ends: with the client, at shutdown, or by an exception here.
  auto held = std::make_unique<live_stream>(*ctx.metrics, writer,
                                            home.hub->join(*writer));
  const auto replayed = co_await open(ctx, home, *writer, asked);
  if (!replayed || writer->closed()) {
    writer->close();
    co_return;
  }
  writer->go_live(*replayed);
  // The client sends nothing on a stream: readability means it closed; our
  // own close (too slow, shutdown) ends the wait too. A plain handler, not
  // this coroutine, waits: Asio recycles coroutine frames, so a frame that
  // stayed suspended for the stream's life could sit in a block sized for a
  // larger coroutine that ran before it, and every idle stream would keep
  // that block.
  auto& readable = writer->socket();
  auto on_readable = [held = std::move(held)](const beast::error_code&) {
    held->writer->close();
  };
  readable.async_wait(tcp::socket::wait_read, std::move(on_readable));
}

} // namespace dots::http
