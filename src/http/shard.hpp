#pragma once

#include "http/net.hpp"
#include "http/stream_hub.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <list>
#include <memory>
#include <thread>

namespace dots::http {

/// One I/O thread and everything that lives on it: an io_context run by
/// exactly one thread, so the connections of a shard need no strands and no
/// locks. Connections are spread over the shards at accept time.
class shard {
public:
  shard();
  /// Frees what the hub keeps on this shard's io_context before it goes.
  ~shard();
  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;

  /// The io_context this shard's thread runs.
  net::io_context& io() noexcept { return io_; }

  /// Runs the io_context on a new thread until it runs out of work after
  /// finish(), or until stop().
  void start();
  /// Lets the thread end once everything on it has completed: sessions
  /// finishing their response, streams closing, timers cancelled. Nothing
  /// new may be started on the shard afterwards.
  void finish();
  /// Waits until the thread has ended on its own (after finish()); false
  /// when `deadline` came first.
  bool wait_until(std::chrono::steady_clock::time_point deadline);
  /// Ends the thread's loop now, abandoning whatever is still pending.
  void stop();
  /// Waits for the thread to end (after finish() or stop()).
  void join();

  /// Marks a session's stream as waiting for a request while it lives, so
  /// that shutdown can end the wait instead of waiting out the timeout.
  /// Used on the shard's own thread only.
  class idle_mark {
  public:
    idle_mark(shard& s, beast::tcp_stream& stream);
    ~idle_mark();
    idle_mark(const idle_mark&) = delete;
    idle_mark& operator=(const idle_mark&) = delete;

  private:
    shard& shard_;
    std::list<beast::tcp_stream*>::iterator it_;
  };

  /// Closes every connection that is waiting for a request. On this
  /// shard's thread (post it).
  void close_idle();

  /// HTTP sessions alive on this shard (read from any thread).
  std::atomic<std::size_t> sessions{0};

  /// The notification streams of this shard. Declared before io_: the
  /// stream coroutines io_ still holds when it is destroyed leave the hub.
  std::shared_ptr<stream_hub> hub;

private:
  // Declared before the io_context: destroying it destroys the coroutines
  // still suspended on it, whose idle marks then erase from this list.
  std::list<beast::tcp_stream*> idle_;
  net::io_context io_{1};
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::promise<void> ended_;
  std::future<void> ended_future_ = ended_.get_future();
  std::thread thread_;
};

} // namespace dots::http
