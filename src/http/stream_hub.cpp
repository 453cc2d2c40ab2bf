#include "http/stream_hub.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <utility>

namespace dots::http {

// -- membership
// -----------------------------------------------------------------

stream_hub::membership::membership(membership&& other) noexcept
    : hub_(std::exchange(other.hub_, nullptr))
    , writer_(std::exchange(other.writer_, nullptr)) {}

stream_hub::membership&
stream_hub::membership::operator=(membership&& other) noexcept {
  if (this != &other) {
    reset();
    hub_ = std::exchange(other.hub_, nullptr);
    writer_ = std::exchange(other.writer_, nullptr);
  }
  return *this;
}

stream_hub::membership::~membership() {
  reset();
}

void stream_hub::membership::reset() noexcept {
  if (hub_ != nullptr)
    hub_->leave(*writer_);
  hub_ = nullptr;
  writer_ = nullptr;
}

// -- stream_hub
// -----------------------------------------------------------------

stream_hub::stream_hub(net::io_context& io, stream_limits limits)
    : io_(io)
    , limits_(limits) {}

void stream_hub::publish(domain::frame_ptr frame) {
  // Frames published while a drain is already on its way join it: under a
  // burst each stream then gets several frames in one write. The lock only
  // guards this list, never a write.
  bool post = false;
  {
    std::lock_guard<std::mutex> guard{pending_mtx_};
    pending_.push_back(std::move(frame));
    post = !drain_posted_;
    drain_posted_ = true;
  }
  if (post)
    net::post(io_, [self = shared_from_this()] { self->drain(); });
}

void stream_hub::drain() {
  {
    std::lock_guard<std::mutex> guard{pending_mtx_};
    batch_.swap(pending_);
    drain_posted_ = false;
  }
  deliver(std::span<const domain::frame_ptr>{batch_});
  batch_.clear();
}

stream_hub::membership stream_hub::join(stream_writer& writer) {
  writer.hub_slot_ = writers_.size();
  writers_.push_back(&writer);
  return membership{*this, writer};
}

void stream_hub::leave(stream_writer& writer) noexcept {
  // A membership leaves once, so the writer is where it says it is.
  const auto slot = writer.hub_slot_;
  assert(slot < writers_.size() && writers_[slot] == &writer);
  writers_[slot] = writers_.back();
  writers_[slot]->hub_slot_ = slot;
  writers_.pop_back();
}

void stream_hub::deliver(std::span<const domain::frame_ptr> frames) {
  // Writers that close here are only marked; they leave when their
  // coroutine ends, so the list does not change under this loop.
  for (auto* w : writers_)
    w->push(frames);
}

void stream_hub::close_all() {
  stop_stall_checks();
  for (auto* w : writers_)
    w->close();
}

void stream_hub::start_stall_checks() {
  if (closing_)
    return;
  stall_timer_ = std::make_unique<net::steady_timer>(io_);
  arm_stall_check();
}

void stream_hub::stop_stall_checks() noexcept {
  closing_ = true;
  // (Destroying the timer cancels a wait in progress: it completes as
  // aborted, and its handler holds the hub, not the timer.)
  stall_timer_.reset();
}

void stream_hub::arm_stall_check() {
  if (!stall_timer_)
    return;
  stall_timer_->expires_after(std::max<std::chrono::milliseconds>(
      limits_.write_timeout / 4, std::chrono::milliseconds{1}));
  stall_timer_->async_wait(
      [self = shared_from_this()](const beast::error_code& ec) {
        if (ec || self->closing_)
          return;
        ++self->tick_;
        // Writers that close here stay members until their stream ends,
        // so the list does not change under this loop.
        for (auto* w : self->writers_)
          w->check_progress(self->tick_);
        self->arm_stall_check();
      });
}

} // namespace dots::http
