#pragma once

#include "actors/frame_sink.hpp"
#include "domain/frame.hpp"
#include "http/net.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace dots::http {

/// Bounds of one stream's outbound queue: past either, the stream is
/// dropped as too slow (it catches up later through resume).
struct stream_limits {
  std::size_t max_queued_frames = 256;
  std::size_t max_queued_bytes = 256 * 1024;
};

/// Which events a stream wants.
struct stream_filter {
  std::uint32_t types = ~0u; ///< bit i: domain::event_type(i) passes
  std::int64_t board_id = 0; ///< 0: every board

  bool passes(const domain::frame& f) const noexcept {
    if (!f.type)
      return true; // keep-alives and control frames go to everyone
    return (types >> static_cast<unsigned>(*f.type) & 1u) &&
           (board_id == 0 || f.board_id == board_id);
  }
};

class stream_hub;

/// The outbound side of one SSE connection. Lives on its shard's thread;
/// shared by its session coroutine and its pending write.
class sse_stream : public std::enable_shared_from_this<sse_stream> {
public:
  sse_stream(tcp::socket socket, stream_filter filter, stream_hub& hub);

  tcp::socket& socket() noexcept { return socket_; }
  const stream_filter& filter() const noexcept { return filter_; }
  bool closed() const noexcept { return closed_; }
  std::int64_t last_id() const noexcept { return last_id_; }

  /// Hands a frame to the stream: skipped when filtered out or already
  /// sent; held until the stream is live; else written at once when the
  /// socket takes it, or queued behind the write in flight.
  void push(const domain::frame_ptr& f);
  /// The same for several frames in order; an idle socket gets all it takes
  /// of them in one gathered write.
  void push(std::span<const domain::frame_ptr> frames);

  /// Ends holding: `replayed_id` is the last event id the replay sent (or
  /// the client's Last-Event-ID); held frames above it go out now.
  void go_live(std::int64_t replayed_id);

  /// Closes the socket; the session coroutine then ends.
  void close();

private:
  friend class stream_hub;

  /// Frames per gathered write (within every platform's IOV_MAX).
  static constexpr std::size_t max_gather = 64;

  bool enqueue(const domain::frame_ptr& f);
  /// Writes batch[take[0..count)] at once; what the socket does not take
  /// goes on asynchronously.
  void write_now(const std::size_t* take, std::size_t count,
                 std::span<const domain::frame_ptr> batch);
  void write_queued();
  void on_written(const beast::error_code& ec, std::size_t bytes);

  tcp::socket socket_;
  stream_filter filter_;
  stream_hub& hub_;
  std::int64_t last_id_ = 0;
  bool live_ = false;
  bool writing_ = false;
  bool closed_ = false;
  /// Frames waiting for the socket, oldest first, and their total size.
  std::vector<domain::frame_ptr> queue_;
  std::size_t queued_bytes_ = 0;
  /// The frames of the write in flight (kept alive until it completes) and
  /// how much of the first one was already written.
  std::vector<domain::frame_ptr> in_flight_;
  std::size_t first_offset_ = 0;
  /// Where the hub keeps this stream, for removal in constant time.
  std::size_t hub_slot_ = 0;
};

/// The streams of one shard and the notifier's way in: each published frame
/// is posted to the shard once, and handed to each of its streams there.
class stream_hub : public actors::frame_sink,
                   public std::enable_shared_from_this<stream_hub> {
public:
  stream_hub(net::io_context& io, stream_limits limits);

  /// From the notifier's thread: hands the frame to the shard, one post for
  /// the whole shard (and for all frames that come before it runs).
  void publish(domain::frame_ptr frame) override;

  // -- on the shard's thread --------------------------------------------------

  void add(sse_stream* s);
  void remove(sse_stream* s);
  void deliver(const domain::frame_ptr& f);
  void deliver(std::span<const domain::frame_ptr> frames);
  /// Closes every stream (shutdown).
  void close_all();

  const stream_limits& limits() const noexcept { return limits_; }

  // -- counters, written on the shard's thread, read anywhere -----------------

  std::atomic<std::uint64_t> frames_delivered{0};
  std::atomic<std::uint64_t> bytes_delivered{0};
  std::atomic<std::uint64_t> slow_dropped{0};

  void count_delivered(std::size_t frames, std::size_t bytes) {
    // Only this shard's thread writes: a relaxed load and store, no
    // read-modify-write on the broadcast path.
    frames_delivered.store(frames_delivered.load(std::memory_order_relaxed) +
                               frames,
                           std::memory_order_relaxed);
    bytes_delivered.store(bytes_delivered.load(std::memory_order_relaxed) +
                              bytes,
                          std::memory_order_relaxed);
  }

private:
  void drain();

  net::io_context& io_;
  stream_limits limits_;
  std::vector<sse_stream*> streams_;
  /// Frames published and not yet handed to the streams.
  std::mutex pending_mtx_;
  std::vector<domain::frame_ptr> pending_;
  bool drain_posted_ = false;
  /// The batch being delivered (kept to reuse its capacity).
  std::vector<domain::frame_ptr> batch_;
};

} // namespace dots::http
