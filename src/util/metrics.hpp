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
  std::atomic<std::int64_t> open_streams{0};
  std::atomic<std::uint64_t> streams_refused{0};
  std::array<std::atomic<std::uint64_t>, 600> responses_by_status{};

  void count_response(unsigned status) {
    if (status < responses_by_status.size())
      responses_by_status[status].fetch_add(1, std::memory_order_relaxed);
  }
};

} // namespace dots
