#include "security/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace dots::security {

rate_limiter::rate_limiter(int per_minute, std::size_t max_clients)
    : per_minute_(std::max(per_minute, 1))
    , max_clients_(max_clients) {}

bool rate_limiter::try_acquire(const std::string& client, clock::time_point now,
                               std::chrono::seconds& retry_after) {
  if (buckets_.size() >= max_clients_)
    forget_idle(now);
  auto [it, fresh] = buckets_.try_emplace(client, bucket{per_minute_, now});
  auto& b = it->second;
  if (!fresh) {
    std::chrono::duration<double> elapsed = now - b.updated;
    b.tokens =
        std::min(per_minute_, b.tokens + elapsed.count() * per_minute_ / 60.0);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  auto wait = (1.0 - b.tokens) * 60.0 / per_minute_;
  retry_after = std::chrono::seconds{static_cast<long>(std::ceil(wait))};
  return false;
}

void rate_limiter::forget_idle(clock::time_point now) {
  // A bucket idle for a minute is full again: dropping it changes nothing,
  // and keeps a flood of distinct clients from growing the map for ever.
  std::erase_if(buckets_, [&](const auto& kv) {
    return now - kv.second.updated >= std::chrono::minutes{1};
  });
  if (buckets_.size() >= max_clients_)
    buckets_.clear();
}

} // namespace dots::security
