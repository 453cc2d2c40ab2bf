#pragma once

#include "actors/frame_sink.hpp"
#include "domain/frame.hpp"
#include "http/net.hpp"
#include "http/stream_writer.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace dots::http {

/// The fan-out of one shard: the notifier publishes each frame here once,
/// and the hub hands it to every stream writer of its shard, on the shard's
/// thread. One hub per shard, so a frame costs one post per shard, not one
/// per stream.
class stream_hub : public actors::frame_sink,
                   public std::enable_shared_from_this<stream_hub> {
public:
  /// A writer's place in the hub, for as long as this handle lives: its
  /// destructor takes the writer out, so a stream leaves however its
  /// coroutine ends (return, exception, or its frame destroyed at
  /// shutdown). Move-only; a default-constructed or moved-from handle holds
  /// nothing, and assigning to a handle first leaves with what it held.
  /// Used on the shard's thread only; the hub outlives its memberships
  /// (a shard declares its hub before the io_context that holds the
  /// coroutines).
  class membership {
  public:
    membership() noexcept = default;
    membership(membership&& other) noexcept;
    membership& operator=(membership&& other) noexcept;
    membership(const membership&) = delete;
    membership& operator=(const membership&) = delete;
    ~membership();

  private:
    friend class stream_hub;
    membership(stream_hub& hub, stream_writer& writer) noexcept
        : hub_(&hub)
        , writer_(&writer) {}
    /// Takes the writer out, if this handle holds one, and holds nothing.
    void reset() noexcept;

    stream_hub* hub_ = nullptr;
    stream_writer* writer_ = nullptr;
  };

  /// A hub for the shard run by `io`; its writers' queues are bounded by
  /// `limits`.
  stream_hub(net::io_context& io, stream_limits limits);

  /// From the notifier's thread: hands `frame` to the shard with one post,
  /// which also carries every frame published before it runs (a burst
  /// reaches each stream as one gathered write).
  void publish(domain::frame_ptr frame) override;

  // -- on the shard's thread --------------------------------------------------

  /// Makes `writer` a member: it is handed every frame delivered while the
  /// returned handle lives. `writer` must outlive the handle and join at
  /// most once at a time.
  [[nodiscard]] membership join(stream_writer& writer);
  /// Hands `frames` (oldest first) to every member. Members that close here
  /// stay members until their handle goes.
  void deliver(std::span<const domain::frame_ptr> frames);
  /// Closes every member's connection (shutdown); their streams then end
  /// and leave. Also ends the stall checks.
  void close_all();
  /// Starts checking, every quarter of `limits().write_timeout`, that every
  /// member with bytes pending makes progress (stream_writer::
  /// check_progress). Runs until close_all().
  void start_stall_checks();
  /// Ends the stall checks and frees their timer. The shard calls it
  /// before its io_context goes, which the hub outlives.
  void stop_stall_checks() noexcept;

  /// The bounds of every member's queue.
  const stream_limits& limits() const noexcept { return limits_; }

  // -- counters, written on the shard's thread, read anywhere (/metrics) ------

  /// Frames whose bytes reached a socket in full, over all members.
  std::atomic<std::uint64_t> frames_delivered{0};
  /// Bytes written to members' sockets.
  std::atomic<std::uint64_t> bytes_delivered{0};
  /// Members closed because their queue overflowed (too slow).
  std::atomic<std::uint64_t> slow_dropped{0};
  /// Members closed because their client took nothing for the write
  /// timeout while bytes were pending (stalled).
  std::atomic<std::uint64_t> stalled_dropped{0};

  /// Adds to frames_delivered and bytes_delivered.
  void count_delivered(std::size_t frames, std::size_t bytes) noexcept {
    // Only this shard's thread writes: a relaxed load and store, no
    // read-modify-write on the broadcast path.
    frames_delivered.store(frames_delivered.load(std::memory_order_relaxed) +
                               frames,
                           std::memory_order_relaxed);
    bytes_delivered.store(bytes_delivered.load(std::memory_order_relaxed) +
                              bytes,
                          std::memory_order_relaxed);
  }
  /// Adds one to slow_dropped.
  void count_slow_dropped() noexcept {
    slow_dropped.store(slow_dropped.load(std::memory_order_relaxed) + 1,
                       std::memory_order_relaxed);
  }

  /// Adds one to stalled_dropped.
  void count_stalled_dropped() noexcept {
    stalled_dropped.store(stalled_dropped.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
  }

private:
  /// Lets writers read the stall check's tick.
  friend class stream_writer;
  /// Takes `writer` out; only a membership's destructor calls it.
  void leave(stream_writer& writer) noexcept;
  /// Hands what was published since the last drain to the members.
  void drain();

  net::io_context& io_;
  stream_limits limits_;
  /// The members, in no order (leaving swaps the last one into the gap).
  std::vector<stream_writer*> writers_;
  /// Frames published and not yet handed to the members.
  std::mutex pending_mtx_;
  std::vector<domain::frame_ptr> pending_;
  bool drain_posted_ = false;
  /// The batch being delivered (kept to reuse its capacity).
  std::vector<domain::frame_ptr> batch_;
  /// Runs the stall checks; `tick_` counts them (writers note the tick of
  /// their last progress, so the broadcast path never reads a clock).
  std::unique_ptr<net::steady_timer> stall_timer_;
  std::uint32_t tick_ = 0;
  bool closing_ = false;
  void arm_stall_check();
};

} // namespace dots::http
