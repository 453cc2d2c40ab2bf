#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace dots::security {

/// Limits attempts per client with a token bucket: `per_minute` attempts
/// refill evenly over a minute, and at most `per_minute` can be spent at
/// once. Not thread-safe: it belongs to one actor.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  explicit rate_limiter(int per_minute, std::size_t max_clients = 100000);

  /// Spends one attempt of `client`; false when none is left. `retry_after`
  /// then says when the next one will be.
  bool try_acquire(const std::string& client, clock::time_point now,
                   std::chrono::seconds& retry_after);

private:
  struct bucket {
    double tokens;
    clock::time_point updated;
  };

  void forget_idle(clock::time_point now);

  double per_minute_;
  std::size_t max_clients_;
  std::unordered_map<std::string, bucket> buckets_;
};

} // namespace dots::security
