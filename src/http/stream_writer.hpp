#pragma once

#include "domain/frame.hpp"
#include "http/net.hpp"
#include "http/stream_filter.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace dots::http {

class stream_hub;

/// The bounds of one writer's outbound data (`--stream-queue-frames`,
/// `--stream-queue-bytes`, `--stream-write-timeout`). What counts is all a
/// stream has pending: frames queued here (live or replayed) and the bytes
/// the kernel still holds in the socket's send queue (written, not yet
/// acknowledged by the client). Past a bound the client is dropped as too
/// slow, never waited for (api.md, "Live notifications": a client that
/// cannot keep up is disconnected; it catches up later through resume).
///
/// So a stalled client costs at most: the stream's fixed ~1.2 KB, frame
/// pointers (16 B each; the frames are shared) for the queue and one
/// replay page, and in the kernel about half of `max_queued_bytes`; and it
/// is dropped 1 to 1.25 times `write_timeout` after it last took a byte
/// (docs/benchmarks.md, "bounding stalled readers").
struct stream_limits {
  /// Frames waiting for the socket, at most.
  std::size_t max_queued_frames = 256;
  /// Bytes pending, at most: queued frames plus the kernel's send queue.
  /// The socket's send buffer is set to a quarter of this (capped at
  /// 16 MiB; Linux doubles it for its own bookkeeping), so the kernel never
  /// holds more than about half of it; a replay page is at most the other
  /// half.
  std::size_t max_queued_bytes = 256 * 1024;
  /// A stream with anything pending whose client takes no byte of it for
  /// this long is dropped (counted in the hub's `stalled_dropped`). Checked
  /// every quarter of it, so the drop comes between 1 and 1.25 times this
  /// after the last progress.
  std::chrono::milliseconds write_timeout{std::chrono::seconds{30}};
};

/// The outbound side of one SSE connection: writes the frames its stream
/// wants to its socket, in id order, each at most once, without ever
/// blocking the shard.
///
/// An idle socket is written at once with one non-blocking write (a
/// gathered `writev` for several frames), straight from the shared frame
/// bytes: no copy, no allocation. What the socket does not take waits in a
/// bounded queue of frame pointers and goes out by asynchronous gathered
/// writes. A writer is created "held": live frames are set aside, not
/// written, until `go_live()`, so that they cannot overtake the opening and
/// the replay, which its endpoint hands it first with `replay()`, page by
/// page, waiting for each to drain (`notify_when_drained`).
///
/// Lives on its shard's thread and is used only there. Shared by its
/// endpoint and its write in flight (`shared_from_this`). Its hub must
/// outlive it: the writer counts what it delivers there.
class stream_writer : public std::enable_shared_from_this<stream_writer> {
public:
  /// Takes over `socket` (made non-blocking, Nagle off, send buffer
  /// bounded by `hub.limits()`); hands on only the frames that pass
  /// `filter`.
  stream_writer(tcp::socket socket, stream_filter filter, stream_hub& hub);

  /// The connection, for the endpoint's wait for the client to leave.
  tcp::socket& socket() noexcept { return socket_; }
  /// Which frames this stream wants.
  const stream_filter& filter() const noexcept { return filter_; }
  /// True once the connection is closed (by close(), a failed write, a
  /// bound exceeded, or a stall); nothing is written after that.
  bool closed() const noexcept { return closed_; }
  /// True when nothing waits in this writer's queue or write in flight
  /// (the kernel may still hold bytes).
  bool drained() const noexcept { return !writing_ && queue_.empty(); }
  /// The highest event id handed to the socket so far.
  std::int64_t last_id() const noexcept { return last_id_; }

  /// Counts `bytes` the endpoint wrote to the socket itself (the head and
  /// opening lines) as written, for the stall check's accounting.
  void note_written(std::size_t bytes) noexcept { wrote(bytes); }

  /// The last event id the client holds once the opening is written: the
  /// opening's `id:` line, or the Last-Event-ID it resumed with. From then
  /// on the writer follows it through every `id:` it writes.
  void note_client_id(std::int64_t id) noexcept { client_id_ = id; }

  /// Hands live frames to the stream, oldest first. Each is skipped when
  /// the filter rejects it or its id is not above the last one sent (an id
  /// of 0, a comment, always passes); while held, set aside (up to the
  /// queue bounds: past them the held frames are let go and `missed()`
  /// says so, since the replay can still read them from the log); else
  /// written as `replay()` writes them.
  ///
  /// Resume point (api.md, "Live notifications"): once live, a stream whose
  /// filter skipped events since the last `id:` it wrote gets a bare
  /// `id: <n>` block, n the newest skipped id, just before the next
  /// keep-alive. EventSource records it as its last event id and fires
  /// nothing, so a client that missed only events it filtered out resumes
  /// without `reset`. At most one such block per keep-alive interval, and
  /// none while the replay is still being written.
  void push(std::span<const domain::frame_ptr> frames);

  /// Writes frames now, live or not: the opening, replay pages. Written at
  /// once when the socket is idle (all that it takes in one gathered
  /// write), or queued behind the write in flight. Exceeding a bound closes
  /// the stream and counts it in the hub's `slow_dropped`.
  void replay(std::span<const domain::frame_ptr> frames);

  /// True (once, then false) when live frames were let go while held: the
  /// endpoint must read the replay again from last_id() before going live.
  bool take_missed() noexcept { return std::exchange(missed_, false); }

  /// Cancels `timer` (which the caller is waiting on) once the writer is
  /// drained or closed; at once if it already is. One waiter at a time;
  /// the timer must outlive the wait.
  void notify_when_drained(net::steady_timer& timer);

  /// Ends holding. `replayed_id` is the last event id the replay covered
  /// (or the client's Last-Event-ID when nothing was replayed): held frames
  /// at or below it are dropped as duplicates, the rest go out now, in
  /// order.
  void go_live(std::int64_t replayed_id);

  /// The hub's stall check, every quarter of `write_timeout` (`tick`
  /// counts the checks): reads the kernel's send queue of a stream with
  /// bytes pending and closes it, counted in `stalled_dropped`, when its
  /// client has taken nothing for four checks. One `ioctl` per stream that
  /// wrote since its last check; nothing for an idle stream.
  void check_progress(std::uint32_t tick);

  /// Closes the connection and drops the queue; ends the endpoint's wait
  /// and any write in flight. Idempotent.
  void close();

private:
  /// Frames per gathered write (within every platform's IOV_MAX).
  static constexpr std::size_t max_gather = 64;

  /// Queues `f`; false (and the stream closed) when a bound is exceeded.
  bool enqueue(const domain::frame_ptr& f);
  /// Sets `f` aside until go_live(); lets every held frame go when a bound
  /// is exceeded.
  void hold(const domain::frame_ptr& f);
  /// Writes `f` now, or queues it behind the write in flight (a bound
  /// exceeded closes the stream, as in replay()).
  void write_one(const domain::frame_ptr& f);
  /// Writes batch[take[0..count)] at once; what the socket does not take
  /// goes on asynchronously.
  void write_now(const std::size_t* take, std::size_t count,
                 std::span<const domain::frame_ptr> batch);
  /// Starts an asynchronous write of what is in flight (or of the queue).
  void write_queued();
  void on_written(const beast::error_code& ec, std::size_t bytes);
  /// Bytes the kernel holds for this socket, not yet acknowledged (SIOCOUTQ).
  std::size_t kernel_queued() noexcept;
  /// Counts `n` bytes handed to the kernel.
  void wrote(std::size_t n) noexcept;
  void wake_drain_waiter() noexcept;

  /// Lets the hub keep its index of this writer (hub_slot_) and read the
  /// current tick.
  friend class stream_hub;

  tcp::socket socket_;
  stream_filter filter_;
  stream_hub& hub_;
  /// The highest event id handed to the socket (or covered by the replay,
  /// or, once live, skipped by the filter).
  std::int64_t last_id_ = 0;
  /// The last event id the client holds: the last `id:` line written.
  std::int64_t client_id_ = 0;
  /// False while held (until go_live()).
  bool live_ = false;
  /// An asynchronous write is in flight; new frames queue behind it.
  bool writing_ = false;
  bool closed_ = false;
  /// Held frames were let go (see push()).
  bool missed_ = false;
  /// The stall check's tick when the client last made progress (or when
  /// something became pending after nothing was).
  std::uint32_t progress_tick_ = 0;
  /// Bytes handed to the kernel, and how many of them the client is known
  /// to have acknowledged (as of the last look at the send queue).
  std::uint64_t written_ = 0;
  std::uint64_t acked_ = 0;
  /// The kernel's send queue when the socket last filled up: counted
  /// against max_queued_bytes with the queue.
  std::size_t kernel_bytes_ = 0;
  /// Frames waiting for the socket, oldest first, and their total size.
  std::vector<domain::frame_ptr> queue_;
  std::size_t queued_bytes_ = 0;
  /// The frames of the write in flight (kept alive until it completes),
  /// how many bytes of the first one were already written, and how many
  /// bytes are still to go.
  std::vector<domain::frame_ptr> in_flight_;
  std::size_t first_offset_ = 0;
  std::size_t in_flight_bytes_ = 0;
  /// Live frames set aside while held, and their total size.
  std::vector<domain::frame_ptr> held_;
  std::size_t held_bytes_ = 0;
  /// The endpoint's timer waiting for the queue to drain, if any.
  net::steady_timer* drain_waiter_ = nullptr;
  /// Where the hub keeps this writer while it is a member, for leaving in
  /// constant time.
  std::size_t hub_slot_ = 0;
};

} // namespace dots::http
