#pragma once

#include "histogram.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <netinet/in.h>
#include <string>
#include <vector>

namespace dots::bench {

/// How an event is triggered: the body of one POST per event.
enum class trigger_kind {
  plain, ///< the tag is the whole body (nchan's publisher, the floor's /pub)
  board, ///< a valid board whose name is the tag (dots: POST /api/boards)
};

/// One server that takes publishing requests.
struct publish_target {
  sockaddr_in dest{};
  std::string host_header;
  std::string target;
};

struct publish_config {
  /// Event `seq` goes to `targets[seq % targets.size()]`: round robin over
  /// the instances of a cluster, and the stream workers can tell from the
  /// sequence number alone which instance an event was written on.
  std::vector<publish_target> targets;
  trigger_kind kind = trigger_kind::plain;
  std::string bearer; ///< token for dots, empty otherwise
  std::uint32_t events = 0;
  double rate = 0;     ///< events per second; 0 sends as fast as answered
  int connections = 1; ///< parallel keep-alive connections per target
  std::int64_t request_timeout_ns = 0;
  /// Absolute time after which no new event is sent (a throughput run stops
  /// at a duration, not at a count); 0 for none.
  std::int64_t stop_sending_ns = 0;
  std::int64_t deadline_ns = 0; ///< absolute
  std::string run;
  /// Called about every 100 ms, e.g. to sample the server's memory.
  std::function<void()> on_tick;
};

struct publish_result {
  std::uint32_t sent = 0;
  std::uint32_t ok = 0;
  std::uint32_t failed = 0;
  std::uint32_t unsent = 0; ///< left out by stop_sending_ns, not failures
  /// Events sent but not acknowledged (error status, timeout, reset): the
  /// server may or may not have emitted them, so streams are not expected to
  /// have them.
  std::vector<std::uint32_t> failed_seqs;
  std::map<std::string, std::uint32_t> failures;
  histogram latency; ///< request written → response complete
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::uint32_t connects = 0;
};

/// Publishes `events` tagged events at `rate`, each stamped with the time it
/// is written to the socket; returns when each has an answer or at deadline.
publish_result run_publisher(const publish_config& cfg);

} // namespace dots::bench
