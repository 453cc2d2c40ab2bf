#pragma once

#include "util/log.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

// The one bridge from Asio coroutines to actors. A coroutine awaits an
// actor's reply without blocking any thread: a short-lived event-based actor
// makes the request, and both of its callbacks post the outcome back to the
// coroutine's executor, where the coroutine resumes.

namespace dots::http {

/// How long a request waits for an actor before giving up.
inline constexpr std::chrono::seconds ask_timeout{15};

namespace detail {

/// The body of the short-lived actor that makes one request. A function
/// with arguments rather than a capturing lambda: CAF 0.17 dereferences an
/// empty argument pack when spawning a lambda that takes none.
template <class Reply, class Handle, class Request, class Deliver>
void ask_once(caf::event_based_actor* self, Handle dest, Request req,
              Deliver deliver) {
  self->request(dest, ask_timeout, std::move(req))
      .then([deliver](Reply& reply) { deliver(std::move(reply)); },
            [deliver](caf::error& err) {
              log::warn("actor request failed: ", caf::to_string(err));
              deliver(std::nullopt);
            });
}

} // namespace detail

/// Sends `req` to `dest` and awaits the reply; nullopt when the actor did
/// not answer (timed out, gone, or the system is shutting down).
///
/// Not a coroutine, and everything reaches the initiation by pointer: GCC
/// 12 mis-copies strings in by-value coroutine parameters and in
/// temporaries of co_await expressions (asio#1007 and kin). The caller
/// keeps `dest` and `req` alive until the co_await completes, which named
/// locals of the awaiting coroutine do.
template <class Reply, class Handle, class Request>
boost::asio::awaitable<std::optional<Reply>>
ask(caf::actor_system& sys, const Handle& dest, const Request& req) {
  namespace net = boost::asio;
  auto initiation = [](auto handler, caf::actor_system* sys, const Handle* dest,
                       const Request* req) {
    using handler_type = decltype(handler);
    auto ex = net::get_associated_executor(handler);
    auto slot =
        std::make_shared<std::optional<handler_type>>(std::move(handler));
    auto deliver = [ex, slot](std::optional<Reply> reply) {
      net::post(ex, [slot, reply = std::move(reply)]() mutable {
        // Moved out first, so the handler's resources do not wait on
        // whichever thread drops the last reference to the slot.
        auto h = std::move(**slot);
        slot->reset();
        std::move(h)(std::move(reply));
      });
    };
    sys->spawn(detail::ask_once<Reply, Handle, Request, decltype(deliver)>,
               *dest, *req, std::move(deliver));
  };
  return net::async_initiate<const net::use_awaitable_t<>,
                             void(std::optional<Reply>)>(
      initiation, net::use_awaitable, &sys, &dest, &req);
}

} // namespace dots::http
