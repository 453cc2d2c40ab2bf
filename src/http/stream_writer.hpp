#pragma once

#include "domain/frame.hpp"
#include "http/net.hpp"
#include "http/stream_filter.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace dots::http {

class stream_hub;

/// The bounds of one writer's outbound queue (`--stream-queue-frames`,
/// `--stream-queue-bytes`). Past either bound the client is dropped as too
/// slow, never waited for (api.md, "Live notifications": a client that
/// cannot keep up is disconnected; it catches up later through resume).
struct stream_limits {
  /// Frames waiting for the socket, at most.
  std::size_t max_queued_frames = 256;
  /// Bytes of those frames, at most. The socket's kernel send buffer is
  /// sized to this too (capped at 16 MiB).
  std::size_t max_queued_bytes = 256 * 1024;
};

/// The outbound side of one SSE connection: writes the frames its stream
/// wants to its socket, in id order, each at most once, without ever
/// blocking the shard.
///
/// An idle socket is written at once with one non-blocking write (a
/// gathered `writev` for several frames), straight from the shared frame
/// bytes: no copy, no allocation. What the socket does not take waits in a
/// bounded queue of frame pointers and goes out as one gathered
/// asynchronous write. A writer is created "held": frames are queued, not
/// written, until `go_live()`, so that live frames cannot overtake the
/// replay that its endpoint writes first.
///
/// Lives on its shard's thread and is used only there. Shared by its
/// endpoint coroutine and its write in flight (`shared_from_this`). Its hub
/// must outlive it: the writer counts what it delivers there.
class stream_writer : public std::enable_shared_from_this<stream_writer> {
public:
  /// Takes over `socket` (made non-blocking, Nagle off, send buffer
  /// bounded by `hub.limits()`); hands on only the frames that pass
  /// `filter`.
  stream_writer(tcp::socket socket, stream_filter filter, stream_hub& hub);

  /// The connection, for the endpoint's own writes (head, replay) before
  /// the writer goes live, and for its wait for the client to leave.
  tcp::socket& socket() noexcept { return socket_; }
  /// Which frames this stream wants.
  const stream_filter& filter() const noexcept { return filter_; }
  /// True once the connection is closed (by close(), a failed write, or
  /// the queue overflowing); nothing is written after that.
  bool closed() const noexcept { return closed_; }

  /// Hands frames to the stream, oldest first. Each is skipped when the
  /// filter rejects it or its id is not above the last one sent (an id of 0,
  /// a comment, always passes); held while not live; else written at once
  /// when the socket is idle (all that it takes in one gathered write), or
  /// queued behind the write in flight. Overflowing the queue closes the
  /// stream and counts it in the hub's `slow_dropped`.
  void push(std::span<const domain::frame_ptr> frames);

  /// Ends holding. `replayed_id` is the last event id the replay sent (or
  /// the client's Last-Event-ID when nothing was replayed): held frames at
  /// or below it are dropped as duplicates, the rest go out now, in order.
  void go_live(std::int64_t replayed_id);

  /// Closes the connection and drops the queue; ends the endpoint
  /// coroutine's wait and any write in flight. Idempotent.
  void close();

private:
  /// Frames per gathered write (within every platform's IOV_MAX).
  static constexpr std::size_t max_gather = 64;

  /// Queues `f`; false (and the stream closed) when a bound is exceeded.
  bool enqueue(const domain::frame_ptr& f);
  /// Writes batch[take[0..count)] at once; what the socket does not take
  /// goes on asynchronously.
  void write_now(const std::size_t* take, std::size_t count,
                 std::span<const domain::frame_ptr> batch);
  /// Starts the asynchronous write of the queue (or of what is in flight).
  void write_queued();
  void on_written(const beast::error_code& ec, std::size_t bytes);

  /// Lets the hub keep its index of this writer (hub_slot_).
  friend class stream_hub;

  tcp::socket socket_;
  stream_filter filter_;
  stream_hub& hub_;
  /// The highest event id handed to the socket (or covered by the replay).
  std::int64_t last_id_ = 0;
  /// False while held (until go_live()).
  bool live_ = false;
  /// An asynchronous write is in flight; new frames queue behind it.
  bool writing_ = false;
  bool closed_ = false;
  /// Frames waiting for the socket, oldest first, and their total size.
  std::vector<domain::frame_ptr> queue_;
  std::size_t queued_bytes_ = 0;
  /// The frames of the write in flight (kept alive until it completes) and
  /// how many bytes of the first one were already written.
  std::vector<domain::frame_ptr> in_flight_;
  std::size_t first_offset_ = 0;
  /// Where the hub keeps this writer while it is a member, for leaving in
  /// constant time.
  std::size_t hub_slot_ = 0;
};

} // namespace dots::http
