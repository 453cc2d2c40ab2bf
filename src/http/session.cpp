#include "http/session.hpp"

#include "domain/error.hpp"
#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/metrics_page.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"
#include "http/stream.hpp"
#include "util/log.hpp"

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

/// The answer to a request that could not be read whole.
std::optional<error> read_failure(const beast::error_code& ec) {
  if (ec == bhttp::error::body_limit)
    return error{error_kind::too_large,
                 "payload_too_large",
                 "the body is over the limit",
                 {}};
  if (ec == bhttp::error::header_limit)
    return error{error_kind::too_large,
                 "header_too_large",
                 "the request headers are too large",
                 {}};
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
      auto [rec, n] = co_await bhttp::async_read(
          stream, buffer, parser, net::as_tuple(net::use_awaitable));
      ec = rec;
    }
    if (ec) {
      if (auto err = read_failure(ec)) {
        request head;
        head.version(11);
        auto res = error_response(head, *err);
        if (ec == bhttp::error::header_limit)
          res.result(bhttp::status::request_header_fields_too_large);
        res.keep_alive(false);
        ctx.metrics->count_response(res.result_int());
        stream.expires_after(std::chrono::seconds{5});
        co_await bhttp::async_write(stream, res,
                                    net::as_tuple(net::use_awaitable));
        co_await linger_close(stream);
      }
      co_return;
    }
    auto req = parser.release();
    auto r = match_route(req.method(), req.target());
    response res;
    if (r.id == route_id::notifications && r.method_allowed &&
        req.method() == bhttp::verb::get) {
      auto admitted = admit_stream(ctx, req, r.query);
      if (admitted) {
        net::co_spawn(
            home.io(),
            run_stream(ctx, home, stream.release_socket(), admitted.value()),
            log_if_thrown{"stream"});
        co_return;
      }
      res = error_response(req, admitted.error());
      res.keep_alive(false);
    } else if (r.id == route_id::static_file && r.method_allowed)
      res = serve_static(ctx, req, r);
    else if (r.id == route_id::metrics && r.method_allowed)
      res = metrics_page(ctx, req);
    else {
      // Per request: a proxy's connection carries many clients' requests.
      const auto client = client_address(req, peer, ctx.trusted_proxies);
      res = co_await handle_api(ctx, req, r, client);
    }
    if (ctx.draining.load(std::memory_order_relaxed))
      res.keep_alive(false);
    if (req.method() == bhttp::verb::head) {
      auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    ctx.metrics->count_response(res.result_int());
    log::debug(peer, " ", req.method_string(), " ", req.target(), " ",
               res.result_int());
    stream.expires_after(ctx.limits.request_timeout);
    auto [wec, written] = co_await bhttp::async_write(
        stream, res, net::as_tuple(net::use_awaitable));
    if (wec)
      co_return;
    if (!res.keep_alive())
      break;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

} // namespace dots::http
