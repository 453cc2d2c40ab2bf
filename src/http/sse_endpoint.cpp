#include "http/sse_endpoint.hpp"

#include "domain/sse.hpp"
#include "http/ask.hpp"
#include "http/router.hpp"
#include "http/stream_hub.hpp"
#include "http/stream_writer.hpp"

#include <array>
#include <charconv>
#include <random>
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

/// The `Last-Event-ID` header (WHATWG HTML, "Server-sent events": the
/// last `id:` an EventSource saw, sent when it is not empty): nullopt when
/// absent or empty (an EventSource whose last id was reset sends none).
/// Every id this server sends is an event id, so any other value is not
/// ours to guess at, and ignoring it would silently turn a resume into a
/// fresh stream with a gap: 400, field "Last-Event-ID". So is a repeated
/// header, which has no one value (RFC 9110 section 5.3).
domain::result<std::optional<std::int64_t>>
last_event_id_header(const request& req) {
  constexpr std::string_view name = "Last-Event-ID";
  auto it = req.find(name);
  if (it == req.end())
    return std::optional<std::int64_t>{};
  if (req.count(name) > 1)
    return error{error_kind::invalid, "invalid_header",
                 "Last-Event-ID may be sent only once", std::string{name}};
  if (it->value().empty())
    return std::optional<std::int64_t>{};
  auto id = parse_event_id(it->value());
  if (!id)
    return error{error_kind::invalid, "invalid_header",
                 "Last-Event-ID must be an event id (a number the stream "
                 "sent as id:)",
                 std::string{name}};
  return id;
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

/// The head of a stream with CORS fields: made per stream, since they
/// depend on the request's Origin; only cross-origin streams pay for it.
std::string stream_head(const cors_grant& cors) {
  bhttp::response<bhttp::empty_body> head{bhttp::status::ok, 11};
  set_stream_head_fields(head);
  set_cors_fields(cors, head);
  return serialized(head);
}

/// Waits until `w` has written all it queued (the kernel may still hold
/// some); false when the stream closed meanwhile (client gone, a bound
/// exceeded, stalled, shutdown).
net::awaitable<bool> drained(stream_writer& w) {
  if (w.closed() || w.drained())
    co_return !w.closed();
  net::steady_timer timer{w.socket().get_executor()};
  while (!w.closed() && !w.drained()) {
    timer.expires_at(net::steady_timer::time_point::max());
    w.notify_when_drained(timer);
    co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  }
  co_return !w.closed();
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

domain::result<stream_request>
parse_stream_request(const request& req, const query_params& params) {
  stream_request out;
  if (auto names = params.list("events")) {
    out.filter.types = 0;
    std::size_t position = 0;
    for (const auto& name : *names) {
      ++position;
      auto type = domain::event_type_from_name(name);
      // Named by position, not echoed: the decoded name may be any bytes,
      // and the error body must stay valid JSON (found by fuzzing).
      if (!type)
        return bad_query(
            "event name " + std::to_string(position) +
                " is unknown (known: " + domain::all_event_names() + ")",
            "events");
      out.filter.types |= 1u << static_cast<unsigned>(*type);
    }
  }
  if (auto boards = params.list("board")) {
    for (const auto& text : *boards) {
      auto id = parse_id(text);
      if (!id)
        return bad_query("board must be a board id", "board");
      if (!out.filter.add_board(*id))
        return bad_query("at most " +
                             std::to_string(stream_filter::max_boards) +
                             " boards may be named",
                         "board");
    }
  }
  BOOST_OUTCOME_TRY(auto query_id, params.single("lastEventId"));
  if (query_id) {
    out.last_event_id = parse_event_id(*query_id);
    if (!out.last_event_id)
      return bad_query("lastEventId must be an event id", "lastEventId");
  }
  BOOST_OUTCOME_TRY(auto header_id, last_event_id_header(req));
  if (header_id)
    out.last_event_id = header_id;
  return out;
}

std::chrono::seconds
refused_stream_retry_after(std::chrono::milliseconds retry) {
  // Not cryptographic: it only has to differ between clients. One
  // generator per thread, seeded once, so shards never share state.
  thread_local std::minstd_rand gen{std::random_device{}()};
  const auto window = refused_stream_retry_window(retry);
  std::uniform_int_distribution<std::chrono::seconds::rep> pick{
      window.min.count(), window.max.count()};
  return std::chrono::seconds{pick(gen)};
}

domain::result<stream_request>
admit_stream(app_context& ctx, const request& req, const query_params& params) {
  BOOST_OUTCOME_TRY(auto asked, parse_stream_request(req, params));
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
                 .retry_after = static_cast<unsigned>(
                     refused_stream_retry_after(ctx.streams.retry).count())};
  }
  return asked;
}

namespace {

/// The 503 of a stream the notifier gave no replay for: without the replay
/// the client would silently miss events, so it is told to retry.
net::awaitable<void> refuse(tcp::socket& socket, const app_context& ctx,
                            const cors_grant& cors) {
  bhttp::response<bhttp::empty_body> refusal{bhttp::status::service_unavailable,
                                             11};
  refusal.set(bhttp::field::server, "dots");
  refusal.set(
      bhttp::field::retry_after,
      std::to_string(refused_stream_retry_after(ctx.streams.retry).count()));
  set_cors_fields(cors, refusal);
  refusal.keep_alive(false);
  refusal.prepare_payload();
  ctx.metrics->count_response(503);
  co_await bhttp::async_write(socket, refusal,
                              net::as_tuple(net::use_awaitable));
}

/// One replay page after `after_id`, sized so that it and what the
/// kernel may hold for the socket fit the stream's bounds together
/// (stream_limits).
actors::replay replay_page(const stream_limits& limits, std::int64_t after_id,
                           bool continued) {
  return actors::replay{after_id, limits.max_queued_frames,
                        limits.max_queued_bytes / 2, continued};
}

/// Opens the stream: the head and first lines, then the replay, page by
/// page, each once the previous one has drained. Returns the last event id
/// the replay covered (or the client's Last-Event-ID, or the latest id for
/// a fresh stream); nullopt when the client is gone or the stream was
/// refused. A coroutine of its own so that what only the opening needs
/// (a page, a timer, a refusal) is freed before the stream's long wait.
net::awaitable<std::optional<std::int64_t>> open(app_context& ctx, shard& home,
                                                 stream_writer& writer,
                                                 const stream_request& asked) {
  // Asked before anything is written: every event created after the client
  // sees the response head has a larger id than the one it starts from.
  // Fresh streams ask too, for their opening `id:` line, which lets a client
  // that drops before its first event resume from here.
  const auto& limits = home.hub->limits();
  auto ask = replay_page(limits, asked.last_event_id.value_or(-1), false);
  auto page =
      co_await http::ask<actors::replay_frames>(ctx.sys, ctx.notifier, ask);
  if (!page) {
    co_await refuse(writer.socket(), ctx, asked.cors);
    co_return std::nullopt;
  }
  auto lines = domain::encode_sse_retry(ctx.streams.retry);
  if (!asked.last_event_id)
    lines += domain::encode_sse_id(page->last_id);
  const auto cross_origin_head =
      asked.cors.empty() ? std::string{} : stream_head(asked.cors);
  const auto& head = asked.cors.empty() ? stream_head() : cross_origin_head;
  // One write for the head and the first lines: a connect costs one
  // syscall, and clients and proxies see the stream's first bytes at once.
  // It cannot stall: a new socket's send buffer always has room for it.
  const std::array<net::const_buffer, 2> opening{net::buffer(head),
                                                 net::buffer(lines)};
  ctx.metrics->count_response(200);
  auto [ec, n] = co_await net::async_write(writer.socket(), opening,
                                           net::as_tuple(net::use_awaitable));
  if (ec)
    co_return std::nullopt;
  writer.note_written(n);
  writer.note_client_id(asked.last_event_id.value_or(page->last_id));
  auto at = page->last_id;
  auto more = page->more;
  if (asked.last_event_id)
    writer.replay(page->frames);
  page.reset();
  while (co_await drained(writer)) {
    // Caught up with what the notifier had, and nothing live let go while
    // held (else it is read from the log now): the stream can go live.
    if (!more && !writer.take_missed())
      co_return at;
    auto next = replay_page(limits, at, true);
    auto got =
        co_await http::ask<actors::replay_frames>(ctx.sys, ctx.notifier, next);
    if (!got)
      break; // the client resumes from what it has
    writer.replay(got->frames);
    at = got->last_id;
    more = got->more;
  }
  writer.close();
  co_return std::nullopt;
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
