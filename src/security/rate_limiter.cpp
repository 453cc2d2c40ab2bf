#include "security/rate_limiter.hpp"

#include <algorithm>

namespace dots::security {

rate_limiter::rate_limiter(int per_minute, std::size_t max_clients)
    : interval_(
          std::chrono::duration_cast<clock::duration>(std::chrono::minutes{1}) /
          std::max(per_minute, 1))
    , burst_(interval_ * (std::max(per_minute, 1) - 1))
    , max_clients_(max_clients) {}

bool rate_limiter::try_acquire(const std::string& client, clock::time_point now,
                               std::chrono::seconds& retry_after) {
  auto it = arrivals_.find(client);
  if (it == arrivals_.end()) {
    if (arrivals_.size() >= max_clients_)
      forget_idle(now);
    it = arrivals_.emplace(client, now).first;
  }
  auto tat = std::max(it->second, now);
  if (tat - now > burst_) {
    auto wait = tat - burst_ - now;
    retry_after = std::chrono::ceil<std::chrono::seconds>(wait);
    return false;
  }
  it->second = tat + interval_;
  return true;
}

void rate_limiter::forget_idle(clock::time_point now) {
  // A client whose arrival time has passed has its full allowance again:
  // forgetting it changes nothing, and keeps a flood of distinct clients
  // from growing the map for ever.
  std::erase_if(arrivals_, [&](const auto& kv) { return kv.second <= now; });
  if (arrivals_.size() >= max_clients_) {
    // Every client is still limited: drop the one closest to its full
    // allowance rather than everyone's limits.
    auto oldest = std::min_element(
        arrivals_.begin(), arrivals_.end(),
        [](const auto& a, const auto& b) { return a.second < b.second; });
    arrivals_.erase(oldest);
  }
}

} // namespace dots::security
