#pragma once

#include <cstddef>
#include <cstdint>
#include <netinet/in.h>
#include <string>
#include <vector>

namespace dots::bench {

/// One server the streams connect to.
struct stream_endpoint {
  sockaddr_in dest{};
  std::string host_header; ///< "127.0.0.1:8080"
  std::string target;      ///< "/sse/notifications/"
};

/// What one worker process needs to open and watch its share of streams.
struct worker_config {
  /// Stream `k` (global index) connects to `endpoints[k % endpoints.size()]`,
  /// so that every worker spreads its share evenly over the instances.
  std::vector<stream_endpoint> endpoints;
  /// Events are published round robin over this many instances (event `seq`
  /// on instance `seq % publishers`). When it equals the number of endpoints
  /// (the same instances in the same order) and is above one, each delivery
  /// is also recorded as same-instance or cross-instance.
  std::size_t publishers = 0;
  std::vector<in_addr> sources;
  std::size_t first_index = 0; ///< global index of this worker's first stream
  std::size_t streams = 0;
  std::uint32_t events = 0; ///< events the run will publish (bitmap size)
  int connect_concurrency = 256;
  std::int64_t connect_timeout_ns = 0;
  std::int64_t hard_deadline_ns = 0; ///< absolute CLOCK_MONOTONIC
  std::string run;                   ///< the run id inside every tag
};

/// Runs in a forked child: opens streams on `connect`, answers `mark` with
/// counters, and on `finish` waits until every open stream has every event
/// (or the drain time is over), then sends `final` and returns.
/// One process holds at most one share, because of the descriptor limit.
int run_stream_worker(const worker_config& cfg, int control_fd);

} // namespace dots::bench
