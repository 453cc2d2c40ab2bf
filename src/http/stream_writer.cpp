#include "http/stream_writer.hpp"

#include "http/stream_hub.hpp"

#include <algorithm>
#include <array>

namespace dots::http {

stream_writer::stream_writer(tcp::socket socket, stream_filter filter,
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

void stream_writer::push(std::span<const domain::frame_ptr> frames) {
  // Where in the batch the frames this stream takes are, in order.
  std::array<std::size_t, max_gather> take;
  std::size_t count = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& f = frames[i];
    if (closed_)
      return;
    if (!filter_.passes(*f))
      continue;
    if (!live_) {
      // Held until the replay is written; go_live() drops what it repeats.
      enqueue(f);
      continue;
    }
    if (f->id != 0) {
      if (f->id <= last_id_)
        continue;
      last_id_ = f->id;
    }
    if (writing_ || count == take.size()) {
      // Behind a write in flight (or past one gather): queued, and sent
      // together when the socket has room.
      if (!writing_)
        write_now(take.data(), count, frames);
      count = 0;
      if (!closed_ && enqueue(f) && !writing_) {
        writing_ = true;
        write_queued();
      }
      continue;
    }
    take[count++] = i;
  }
  if (count > 0 && !closed_)
    write_now(take.data(), count, frames);
}

void stream_writer::write_now(const std::size_t* take, std::size_t count,
                              std::span<const domain::frame_ptr> batch) {
  // The common case: an idle socket with room. One write (writev when the
  // batch holds several frames) straight from the shared frames: no copy,
  // no allocation, no handler.
  std::array<net::const_buffer, max_gather> buffers;
  for (std::size_t i = 0; i < count; ++i)
    buffers[i] = net::buffer(batch[take[i]]->bytes);
  beast::error_code ec;
  auto n = socket_.write_some(
      std::span<const net::const_buffer>{buffers.data(), count}, ec);
  if (ec && ec != net::error::would_block && ec != net::error::try_again) {
    close();
    return;
  }
  // Whole frames written; the first one not fully written goes on
  // asynchronously from where the socket stopped, the rest behind it (the
  // shared pointers keep them alive while the write is in flight).
  hub_.count_delivered(0, n);
  std::size_t done = 0;
  while (done < count && n >= batch[take[done]]->bytes.size()) {
    n -= batch[take[done]]->bytes.size();
    ++done;
  }
  hub_.count_delivered(done, 0);
  if (done == count)
    return;
  first_offset_ = n;
  for (std::size_t i = done; i < count; ++i)
    in_flight_.push_back(batch[take[i]]);
  writing_ = true;
  write_queued();
}

bool stream_writer::enqueue(const domain::frame_ptr& f) {
  auto& lim = hub_.limits();
  if (queue_.size() + 1 > lim.max_queued_frames ||
      queued_bytes_ + f->bytes.size() > lim.max_queued_bytes) {
    hub_.count_slow_dropped();
    close();
    return false;
  }
  queue_.push_back(f);
  queued_bytes_ += f->bytes.size();
  return true;
}

void stream_writer::go_live(std::int64_t replayed_id) {
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

void stream_writer::write_queued() {
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

void stream_writer::on_written(const beast::error_code& ec, std::size_t bytes) {
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

void stream_writer::close() {
  if (closed_)
    return;
  closed_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  beast::error_code ec;
  // Ends the endpoint coroutine's wait and any write in flight.
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

} // namespace dots::http
