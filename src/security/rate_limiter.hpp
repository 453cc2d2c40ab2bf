#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace dots::security {

/// Limits attempts per client: `per_minute` attempts are allowed at once,
/// and then one more every minute / per_minute. Kept as a "theoretical
/// arrival time" per client in integer clock ticks (GCRA), so refills never
/// drift by rounding. Not thread-safe: it belongs to one actor.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  explicit rate_limiter(int per_minute, std::size_t max_clients = 100000);

  /// Spends one attempt of `client`; false when none is left. `retry_after`
  /// then says when the next one will be: the time from `now` to the next
  /// refill, rounded up to whole seconds, so at least 1 s and at most one
  /// refill (60 s / per_minute, rounded up). An attempt made that long
  /// after `now` is allowed. It goes out as the 429's Retry-After.
  bool try_acquire(const std::string& client, clock::time_point now,
                   std::chrono::seconds& retry_after);

private:
  void forget_idle(clock::time_point now);

  clock::duration interval_; ///< time that refills one attempt
  clock::duration burst_;    ///< how far ahead of now a client may run
  std::size_t max_clients_;
  /// When each client's attempts would be fully spent at the steady rate.
  std::unordered_map<std::string, clock::time_point> arrivals_;
};

} // namespace dots::security
