#pragma once

#include <cstddef>
#include <cstdint>
#include <netinet/in.h>
#include <string>
#include <vector>

namespace dots::bench {

/// What one worker process needs to open and watch its share of streams.
struct worker_config {
  sockaddr_in dest{};
  std::string host_header; ///< "127.0.0.1:8080"
  std::string target;      ///< "/sse/notifications/"
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
