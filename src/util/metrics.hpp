#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace dots {

/// Process-wide counters for /metrics. Written with relaxed atomics from the
/// thread that owns each event; per-stream counters live in the I/O shards
/// instead, so the broadcast path never shares a cache line across threads.
struct server_metrics {
  std::atomic<std::uint64_t> events_published{0};
  std::atomic<std::uint64_t> replays_served{0};
  /// Events the notifier read from the event log rather than being sent
  /// them (another instance's, or a message that came late).
  std::atomic<std::uint64_t> events_read_from_log{0};
  /// Failed reads of the event log (the database unreachable).
  std::atomic<std::uint64_t> log_read_failures{0};
  /// Resets sent to every stream because the log was trimmed past the
  /// notifier's cursor while it could not read it.
  std::atomic<std::uint64_t> cursor_resets{0};
  /// The newest event id published by this instance.
  std::atomic<std::int64_t> cursor{0};
  std::atomic<std::int64_t> open_streams{0};
  std::atomic<std::uint64_t> streams_refused{0};
  std::array<std::atomic<std::uint64_t>, 600> responses_by_status{};

  void count_response(unsigned status) {
    if (status < responses_by_status.size())
      responses_by_status[status].fetch_add(1, std::memory_order_relaxed);
  }
};

} // namespace dots
