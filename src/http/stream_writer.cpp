#include "http/stream_writer.hpp"

#include "domain/sse.hpp"
#include "http/stream_hub.hpp"

#include <algorithm>
#include <array>
#include <linux/sockios.h>
#include <sys/ioctl.h>

namespace dots::http {

stream_writer::stream_writer(tcp::socket socket, stream_filter filter,
                             stream_hub& hub)
    : socket_(std::move(socket))
    , filter_(filter)
    , hub_(hub)
    , progress_tick_(hub.tick_) {
  beast::error_code ec;
  // Writes are first tried in place; a full socket must say "would block"
  // rather than stall the shard.
  socket_.non_blocking(true, ec);
  socket_.set_option(tcp::no_delay(true), ec);
  // The kernel's send queue counts against the stream's byte bound, so it
  // gets a quarter of it (Linux doubles the value for its bookkeeping):
  // left alone it grows to megabytes on loopback, and a client that stopped
  // reading would hold that much until noticed.
  socket_.set_option(
      net::socket_base::send_buffer_size(static_cast<int>(std::min<std::size_t>(
          hub.limits().max_queued_bytes / 4, std::size_t{1} << 24))),
      ec);
}

void stream_writer::push(std::span<const domain::frame_ptr> frames) {
  if (live_) {
    replay(frames);
    return;
  }
  // Held until the opening and the replay are written; go_live() drops
  // what the replay repeats.
  for (const auto& f : frames)
    if (filter_.passes(*f))
      hold(f);
}

void stream_writer::replay(std::span<const domain::frame_ptr> frames) {
  // Where in the batch the frames this stream takes are, in order.
  std::array<std::size_t, max_gather> take;
  std::size_t count = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& f = frames[i];
    if (closed_)
      return;
    if (!filter_.passes(*f)) {
      // Live, an event this stream does not take still moves its resume
      // point (sent with the next keep-alive). Ids only grow.
      if (live_)
        last_id_ = std::max(last_id_, f->id);
      continue;
    }
    if (f->id != 0) {
      if (f->id <= last_id_)
        continue;
      last_id_ = f->id;
      client_id_ = f->id;
    } else if (live_ && last_id_ > client_id_ && domain::is_comment(*f)) {
      // A keep-alive after skipped events: the bare `id:` goes first. What
      // was gathered so far goes out before it, in order.
      if (count > 0 && !writing_)
        write_now(take.data(), count, frames);
      count = 0;
      if (closed_)
        return;
      write_one(std::make_shared<const domain::frame>(domain::frame{
          last_id_, std::nullopt, 0, domain::encode_sse_id(last_id_)}));
      client_id_ = last_id_;
      if (closed_)
        return;
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

void stream_writer::write_one(const domain::frame_ptr& f) {
  if (writing_) {
    enqueue(f);
    return;
  }
  const std::size_t first = 0;
  write_now(&first, 1, std::span<const domain::frame_ptr>{&f, 1});
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
  wrote(n);
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
  // The socket is full: what the kernel holds now counts against the
  // bounds, with what waits here.
  kernel_bytes_ = kernel_queued();
  first_offset_ = n;
  in_flight_bytes_ = 0;
  for (std::size_t i = done; i < count; ++i) {
    in_flight_.push_back(batch[take[i]]);
    in_flight_bytes_ += batch[take[i]]->bytes.size();
  }
  in_flight_bytes_ -= first_offset_;
  writing_ = true;
  write_queued();
}

bool stream_writer::enqueue(const domain::frame_ptr& f) {
  auto& lim = hub_.limits();
  if (queue_.size() + in_flight_.size() + 1 > lim.max_queued_frames ||
      queued_bytes_ + in_flight_bytes_ + kernel_bytes_ + f->bytes.size() >
          lim.max_queued_bytes) {
    hub_.count_slow_dropped();
    close();
    return false;
  }
  queue_.push_back(f);
  queued_bytes_ += f->bytes.size();
  return true;
}

void stream_writer::hold(const domain::frame_ptr& f) {
  auto& lim = hub_.limits();
  if (held_.size() + 1 > lim.max_queued_frames ||
      held_bytes_ + f->bytes.size() > lim.max_queued_bytes) {
    // A client replaying while many events arrive: rather than hold them
    // all (or drop a client that keeps up), let them go; they are in the
    // log, and the endpoint reads them with the replay's next page.
    held_.clear();
    held_bytes_ = 0;
    missed_ = true;
    return;
  }
  held_.push_back(f);
  held_bytes_ += f->bytes.size();
}

void stream_writer::notify_when_drained(net::steady_timer& timer) {
  drain_waiter_ = &timer;
}

void stream_writer::wake_drain_waiter() noexcept {
  if (auto* t = std::exchange(drain_waiter_, nullptr))
    t->cancel();
}

void stream_writer::go_live(std::int64_t replayed_id) {
  last_id_ = std::max(last_id_, replayed_id);
  live_ = true;
  // Frames that arrived during the replay: those it did not cover go out
  // in order (replay() skips ids at or below last_id_), nothing twice.
  auto held = std::move(held_);
  held_ = {};
  held_bytes_ = 0;
  replay(held);
}

void stream_writer::write_queued() {
  // Everything queued goes out by gathered writes of what the socket takes.
  if (in_flight_.empty()) {
    in_flight_.swap(queue_);
    in_flight_bytes_ = queued_bytes_;
    queued_bytes_ = 0;
    first_offset_ = 0;
  }
  std::vector<net::const_buffer> buffers;
  buffers.reserve(std::min(in_flight_.size(), max_gather));
  for (std::size_t i = 0; i < in_flight_.size() && i < max_gather; ++i)
    buffers.push_back(net::buffer(in_flight_[i]->bytes));
  buffers.front() += first_offset_;
  // write_some, not async_write: each completion is the client making
  // room, which the stall check counts as progress.
  socket_.async_write_some(
      buffers,
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
  // The socket had been full: taking more means the client read.
  progress_tick_ = hub_.tick_;
  wrote(bytes);
  in_flight_bytes_ -= bytes;
  std::size_t done = 0;
  auto n = bytes + first_offset_;
  while (done < in_flight_.size() && n >= in_flight_[done]->bytes.size()) {
    n -= in_flight_[done]->bytes.size();
    ++done;
  }
  hub_.count_delivered(done, bytes);
  in_flight_.erase(in_flight_.begin(),
                   in_flight_.begin() + static_cast<std::ptrdiff_t>(done));
  first_offset_ = n;
  if (in_flight_.empty() && queue_.empty()) {
    writing_ = false;
    wake_drain_waiter();
    return;
  }
  kernel_bytes_ = kernel_queued();
  write_queued();
}

std::size_t stream_writer::kernel_queued() noexcept {
  int n = 0;
  if (::ioctl(socket_.native_handle(), SIOCOUTQ, &n) != 0 || n < 0)
    return 0;
  return static_cast<std::size_t>(n);
}

void stream_writer::wrote(std::size_t n) noexcept {
  // Nothing was pending: the stall clock starts now, not at the client's
  // last progress long ago.
  if (!writing_ && acked_ == written_)
    progress_tick_ = hub_.tick_;
  written_ += n;
}

void stream_writer::check_progress(std::uint32_t tick) {
  if (closed_ || (!writing_ && acked_ == written_))
    return;
  kernel_bytes_ = kernel_queued();
  const auto acked =
      written_ - std::min<std::uint64_t>(kernel_bytes_, written_);
  if (acked != acked_) {
    acked_ = acked;
    progress_tick_ = tick;
  }
  if (!writing_ && acked_ == written_)
    return;
  // Checks come every quarter of the timeout: five ticks without progress
  // are at least a whole timeout.
  if (tick - progress_tick_ >= 5) {
    hub_.count_stalled_dropped();
    close();
  }
}

void stream_writer::close() {
  if (closed_)
    return;
  closed_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  held_.clear();
  held_bytes_ = 0;
  beast::error_code ec;
  // Ends the endpoint's wait and any write in flight.
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  wake_drain_waiter();
}

} // namespace dots::http
