#include "http/listener.hpp"

#include "http/session.hpp"
#include "util/log.hpp"

#include <cerrno>

namespace dots::http {

namespace {

/// Errors that mean "no resources right now": retry after a pause.
bool is_exhaustion(const beast::error_code& ec) {
  return ec == net::error::no_descriptors || ec.value() == ENFILE ||
         ec == net::error::no_buffer_space || ec == net::error::no_memory;
}

} // namespace

listener::listener(app_context& ctx,
                   std::vector<std::unique_ptr<shard>>& shards,
                   const tcp::endpoint& endpoint)
    : ctx_(ctx)
    , shards_(shards)
    , acceptor_(shards.front()->io()) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

tcp::endpoint listener::local_endpoint() const {
  return acceptor_.local_endpoint();
}

void listener::start() {
  net::co_spawn(acceptor_.get_executor(), accept_loop(),
                log_if_thrown{"accept loop"});
}

void listener::stop() {
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
}

net::awaitable<void> listener::accept_loop() {
  net::steady_timer pause{acceptor_.get_executor()};
  std::size_t next = 0;
  while (acceptor_.is_open()) {
    auto& home = *shards_[next++ % shards_.size()];
    // Accept straight onto the shard's io_context: the connection lives on
    // that thread from its first byte.
    auto [ec, socket] = co_await acceptor_.async_accept(
        home.io(), net::as_tuple(net::use_awaitable));
    if (ec == net::error::operation_aborted || !acceptor_.is_open())
      break;
    if (ec) {
      if (is_exhaustion(ec)) {
        // The pending connection stays in the backlog; waiting lets streams
        // close and free descriptors instead of spinning on EMFILE.
        log::warn("accept: ", ec.message(), "; pausing for 100 ms");
        pause.expires_after(std::chrono::milliseconds{100});
        co_await pause.async_wait(net::as_tuple(net::use_awaitable));
      } else {
        log::warn("accept: ", ec.message());
      }
      continue;
    }
    net::co_spawn(home.io(), run_session(ctx_, home, std::move(socket)),
                  log_if_thrown{"session"});
  }
}

void log_if_thrown::operator()(std::exception_ptr e) const {
  if (!e)
    return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    log::warn(what, " ended: ", x.what());
  }
}

} // namespace dots::http
