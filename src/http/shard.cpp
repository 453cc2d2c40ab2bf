#include "http/shard.hpp"

#include "util/log.hpp"

namespace dots::http {

shard::shard()
    : work_(net::make_work_guard(io_)) {}

shard::~shard() {
  // The hub outlives io_ (see `hub`), but its stall timer must not.
  if (hub)
    hub->stop_stall_checks();
}

void shard::start() {
  thread_ = std::thread{[this] {
    // Handlers do not throw: sessions catch their own exceptions. A stray
    // one is logged and the loop goes on, so one bad connection cannot take
    // the thread's other connections down.
    for (;;) {
      try {
        io_.run();
        ended_.set_value();
        return;
      } catch (const std::exception& e) {
        log::error("I/O thread: ", e.what());
      }
    }
  }};
}

void shard::finish() {
  work_.reset();
}

bool shard::wait_until(std::chrono::steady_clock::time_point deadline) {
  return ended_future_.wait_until(deadline) == std::future_status::ready;
}

void shard::stop() {
  work_.reset();
  io_.stop();
}

void shard::join() {
  if (thread_.joinable())
    thread_.join();
}

shard::idle_mark::idle_mark(shard& s, beast::tcp_stream& stream)
    : shard_(s)
    , it_(s.idle_.insert(s.idle_.end(), &stream)) {}

shard::idle_mark::~idle_mark() {
  shard_.idle_.erase(it_);
}

void shard::close_idle() {
  for (auto* stream : idle_) {
    beast::error_code ec;
    stream->socket().close(ec);
  }
}

} // namespace dots::http
