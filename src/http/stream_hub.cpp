#include "http/stream_hub.hpp"

#include <algorithm>

namespace dots::http {

// -- sse_stream
// -----------------------------------------------------------------

sse_stream::sse_stream(tcp::socket socket, stream_filter filter,
                       stream_hub& hub)
    : socket_(std::move(socket))
    , filter_(filter)
    , hub_(hub) {
  beast::error_code ec;
  // Writes are first tried in place; a full socket must say "would block"
  // rather than stall the shard.
  socket_.non_blocking(true, ec);
  socket_.set_option(tcp::no_delay(true), ec);
  // The kernel's buffer is bounded like the stream's own queue; left alone
  // it grows to megabytes on loopback, and a client that stopped reading
  // would be noticed (and its memory freed) only that much later.
  socket_.set_option(
      net::socket_base::send_buffer_size(static_cast<int>(std::min<std::size_t>(
          hub.limits().max_queued_bytes, std::size_t{1} << 24))),
      ec);
}

void sse_stream::push(const domain::frame_ptr& f) {
  if (closed_ || !filter_.passes(*f))
    return;
  if (!live_) {
    // Held until the replay is written; go_live() drops what it repeats.
    enqueue(f);
    return;
  }
  if (f->id != 0) {
    if (f->id <= last_id_)
      return;
    last_id_ = f->id;
  }
  if (writing_) {
    enqueue(f);
    return;
  }
  // The common case: an idle socket with room. One write, straight from the
  // shared frame, with no allocation and no handler.
  beast::error_code ec;
  auto n = socket_.write_some(net::buffer(f->bytes), ec);
  if (ec && ec != net::error::would_block && ec != net::error::try_again) {
    close();
    return;
  }
  if (n == f->bytes.size()) {
    hub_.count_delivered(1, n);
    return;
  }
  // The socket took part of it (or nothing): the rest goes asynchronously.
  hub_.count_delivered(0, n);
  in_flight_.push_back(f);
  first_offset_ = n;
  writing_ = true;
  write_queued();
}

bool sse_stream::enqueue(const domain::frame_ptr& f) {
  auto& lim = hub_.limits();
  if (queue_.size() + 1 > lim.max_queued_frames ||
      queued_bytes_ + f->bytes.size() > lim.max_queued_bytes) {
    hub_.slow_dropped.store(hub_.slow_dropped.load(std::memory_order_relaxed) +
                                1,
                            std::memory_order_relaxed);
    close();
    return false;
  }
  queue_.push_back(f);
  queued_bytes_ += f->bytes.size();
  return true;
}

void sse_stream::go_live(std::int64_t replayed_id) {
  last_id_ = std::max(last_id_, replayed_id);
  // Frames that arrived during the replay: keep those it did not cover, in
  // order, and nothing twice.
  std::size_t kept = 0;
  queued_bytes_ = 0;
  for (auto& f : queue_) {
    if (f->id != 0) {
      if (f->id <= last_id_)
        continue;
      last_id_ = f->id;
    }
    queued_bytes_ += f->bytes.size();
    queue_[kept++] = std::move(f);
  }
  queue_.resize(kept);
  live_ = true;
  if (!writing_ && !queue_.empty()) {
    writing_ = true;
    write_queued();
  }
}

void sse_stream::write_queued() {
  // Everything queued goes out in one gathered write.
  if (in_flight_.empty()) {
    in_flight_.swap(queue_);
    queued_bytes_ = 0;
    first_offset_ = 0;
  }
  std::vector<net::const_buffer> buffers;
  buffers.reserve(in_flight_.size());
  for (auto& f : in_flight_)
    buffers.push_back(net::buffer(f->bytes));
  buffers.front() += first_offset_;
  net::async_write(
      socket_, buffers,
      [self = shared_from_this()](const beast::error_code& ec, std::size_t n) {
        self->on_written(ec, n);
      });
}

void sse_stream::on_written(const beast::error_code& ec, std::size_t bytes) {
  if (ec || closed_) {
    writing_ = false;
    in_flight_.clear();
    close();
    return;
  }
  hub_.count_delivered(in_flight_.size(), bytes);
  in_flight_.clear();
  first_offset_ = 0;
  if (queue_.empty()) {
    writing_ = false;
    return;
  }
  write_queued();
}

void sse_stream::close() {
  if (closed_)
    return;
  closed_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  beast::error_code ec;
  // Ends the session coroutine's wait and any write in flight.
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

// -- stream_hub
// -----------------------------------------------------------------

stream_hub::stream_hub(net::io_context& io, stream_limits limits)
    : io_(io)
    , limits_(limits) {}

void stream_hub::publish(domain::frame_ptr frame) {
  net::post(io_, [self = shared_from_this(), frame = std::move(frame)] {
    self->deliver(frame);
  });
}

void stream_hub::add(sse_stream* s) {
  s->hub_slot_ = streams_.size();
  streams_.push_back(s);
}

void stream_hub::remove(sse_stream* s) {
  auto slot = s->hub_slot_;
  if (slot >= streams_.size() || streams_[slot] != s)
    return;
  streams_[slot] = streams_.back();
  streams_[slot]->hub_slot_ = slot;
  streams_.pop_back();
}

void stream_hub::deliver(const domain::frame_ptr& f) {
  // Streams that close here are only marked; they leave the list from their
  // own coroutine, so the list does not change under this loop.
  for (auto* s : streams_)
    s->push(f);
}

void stream_hub::close_all() {
  for (auto* s : streams_)
    s->close();
}

} // namespace dots::http
