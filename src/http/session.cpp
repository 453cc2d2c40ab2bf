#include "http/session.hpp"

#include "domain/error.hpp"
#include "http/handler.hpp"
#include "http/query.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "http/sse_endpoint.hpp"
#include "util/log.hpp"

#include <optional>
#include <variant>

namespace dots::http {

namespace {

using domain::error;
using domain::error_kind;

/// Keeps the shard's session count, which shutdown waits on.
struct session_count {
  explicit session_count(shard& s)
      : s_(s) {
    ++s_.sessions;
  }
  ~session_count() { --s_.sessions; }
  shard& s_;
};

/// The answer to a request that could not be read whole: 413, 431, or 400
/// for what is not HTTP/1.1; nullopt when the client just went away.
std::optional<error> read_failure(const beast::error_code& ec) {
  if (ec == bhttp::error::body_limit)
    return error{error_kind::too_large,
                 "payload_too_large",
                 "the body is over the limit",
                 {}};
  if (ec == bhttp::error::header_limit)
    return header_too_large();
  if (&ec.category() ==
          &bhttp::make_error_code(bhttp::error::bad_method).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
    return error{error_kind::invalid,
                 "bad_request",
                 "the request is not valid HTTP/1.1: " + ec.message(),
                 {}};
  return std::nullopt;
}

std::string peer_address(const tcp::socket& socket) {
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? std::string{"unknown"} : ep.address().to_string();
}

/// Gives the client a moment to read a final error response: closing with
/// unread request bytes pending would reset the connection and lose it.
net::awaitable<void> linger_close(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds{1});
  std::array<char, 4096> sink;
  for (std::size_t total = 0; total < (1u << 20);) {
    auto [rec, n] = co_await stream.async_read_some(
        net::buffer(sink), net::as_tuple(net::use_awaitable));
    if (rec)
      break;
    total += n;
  }
  stream.socket().close(ec);
}

/// Answers a request whose body is not read (or not whole) with `err` and
/// closes: what is left of the request cannot be told from the next one.
net::awaitable<void> refuse_unread(app_context& ctx, beast::tcp_stream& stream,
                                   const request& head,
                                   const domain::error& err,
                                   std::string_view allow = {}) {
  auto res = error_response(head, err, allow);
  // A cross-origin page reads the refusal like any other answer.
  set_cors_fields(cors_grant_of(ctx, head), res);
  res.keep_alive(false);
  ctx.metrics->count_response(res.result_int());
  stream.expires_after(std::chrono::seconds{5});
  co_await bhttp::async_write(stream, res, net::as_tuple(net::use_awaitable));
  co_await linger_close(stream);
}

/// What a request's `Expect` asks (RFC 9110 section 10.1.1).
enum class expectation {
  none,         ///< no Expect, an empty one, or an HTTP/1.0 request
  continue_100, ///< `100-continue` (any case): the client awaits 100
  unknown       ///< anything else: 417
};

expectation expectation_of(const request& head) {
  // "A server that receives a 100-continue expectation in an HTTP/1.0
  // request MUST ignore that expectation."
  if (head.version() < 11)
    return expectation::none;
  const auto count = head.count(bhttp::field::expect);
  if (count == 0)
    return expectation::none;
  const auto value = head[bhttp::field::expect];
  if (count == 1 && value.empty())
    return expectation::none;
  if (count == 1 && beast::iequals(value, "100-continue"))
    return expectation::continue_100;
  return expectation::unknown;
}

/// Answers the `Expect` of a request whose head is read and whose body is
/// not: `100 Continue` when the head alone does not refuse it, else its
/// final answer (then closes), or 417 for an expectation other than
/// 100-continue. True when the body is to be read next.
net::awaitable<bool> answer_expectation(app_context& ctx,
                                        beast::tcp_stream& stream,
                                        const request& head,
                                        bool body_pending) {
  const auto asked = expectation_of(head);
  if (asked == expectation::none)
    co_return true;
  if (asked == expectation::unknown) {
    // Named first: GCC 12 mis-copies a temporary holding strings inside a
    // co_await expression.
    const auto failed = expectation_failed();
    co_await refuse_unread(ctx, stream, head, failed);
    co_return false;
  }
  const auto target = parse_target(head.target());
  const auto r = match_route(target.path);
  const auto verdict = screen_head(r, target, head);
  if (!verdict) {
    const auto allow = r.to ? allow_of(*r.to) : std::string_view{};
    co_await refuse_unread(ctx, stream, head, verdict.error(), allow);
    co_return false;
  }
  // Nothing to send for a request with no body: its framing says so.
  if (!body_pending)
    co_return true;
  bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_,
                                           head.version()};
  auto [ec, n] = co_await bhttp::async_write(stream, go_on,
                                             net::as_tuple(net::use_awaitable));
  co_return !ec;
}

/// Writes one response (only its head for a HEAD request); true when the
/// connection stays open for the next request.
template <class Body>
net::awaitable<bool> send(app_context& ctx, beast::tcp_stream& stream,
                          const request& req, bhttp::response<Body>& res,
                          const std::string& peer) {
  // A 503 says the server is full or going away: the connection is what
  // it is short of. Draining servers close after the current response.
  if (ctx.draining.load(std::memory_order_relaxed) ||
      res.result() == bhttp::status::service_unavailable)
    res.keep_alive(false);
  const bool keep_alive = res.keep_alive();
  ctx.metrics->count_response(res.result_int());
  log::debug(peer, " ", req.method_string(), " ", req.target(), " ",
             res.result_int());
  stream.expires_after(ctx.limits.request_timeout);
  beast::error_code ec;
  if (req.method() == bhttp::verb::head) {
    auto head = head_of(std::move(res));
    auto [wec, n] = co_await bhttp::async_write(
        stream, head, net::as_tuple(net::use_awaitable));
    ec = wec;
  } else {
    auto [wec, n] = co_await bhttp::async_write(
        stream, res, net::as_tuple(net::use_awaitable));
    ec = wec;
  }
  co_return !ec && keep_alive;
}

} // namespace

net::awaitable<void> run_session(app_context& ctx, shard& home,
                                 tcp::socket socket) {
  session_count counted{home};
  const auto peer = peer_address(socket);
  beast::tcp_stream stream{std::move(socket)};
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(
        static_cast<std::uint32_t>(ctx.limits.max_header_bytes));
    parser.body_limit(ctx.limits.max_body_bytes);
    // One deadline for the whole request, so a client that trickles bytes
    // cannot hold the connection longer than an idle one.
    stream.expires_after(ctx.limits.request_timeout);
    beast::error_code ec;
    {
      std::optional<shard::idle_mark> idle;
      if (buffer.size() == 0)
        idle.emplace(home, stream);
      // The head first: a client that sent `Expect: 100-continue` waits
      // for an answer before it sends the body.
      auto [rec, n] = co_await bhttp::async_read_header(
          stream, buffer, parser, net::as_tuple(net::use_awaitable));
      ec = rec;
    }
    if (!ec) {
      if (!co_await answer_expectation(ctx, stream, parser.get(),
                                       !parser.is_done()))
        co_return;
      if (!parser.is_done()) {
        auto [rec, n] = co_await bhttp::async_read(
            stream, buffer, parser, net::as_tuple(net::use_awaitable));
        ec = rec;
      }
    }
    if (ec) {
      if (auto err = read_failure(ec)) {
        request head;
        head.version(11);
        // What was read of its target and Origin decides its CORS fields
        // (a body over the limit is refused before the head counts as
        // done, but its fields are all there).
        const auto& read = parser.get();
        head.target(read.target());
        if (auto origin = read.find(bhttp::field::origin); origin != read.end())
          head.set(bhttp::field::origin, origin->value());
        co_await refuse_unread(ctx, stream, head, *err);
      }
      co_return;
    }
    const auto req = parser.release();
    auto out = co_await answer(ctx, req, peer);
    if (auto* asked = std::get_if<stream_request>(&out)) {
      net::co_spawn(home.io(),
                    run_stream(ctx, home, stream.release_socket(), *asked),
                    log_if_thrown{"stream"});
      co_return;
    }
    bool keep_alive = false;
    if (auto* file = std::get_if<file_response>(&out))
      keep_alive = co_await send(ctx, stream, req, *file, peer);
    else
      keep_alive =
          co_await send(ctx, stream, req, std::get<response>(out), peer);
    if (!keep_alive)
      break;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

} // namespace dots::http
