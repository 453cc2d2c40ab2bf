#include "storage/outage.hpp"

#include "util/log.hpp"

#include <atomic>
#include <chrono>

namespace dots::storage {

namespace {

void log_outage(const std::string& detail) {
  using clock = std::chrono::steady_clock;
  static std::atomic<clock::rep> next_at{0};
  const auto now = clock::now().time_since_epoch().count();
  auto due = next_at.load(std::memory_order_relaxed);
  if (now < due ||
      !next_at.compare_exchange_strong(
          due, now + clock::duration{std::chrono::seconds{5}}.count(),
          std::memory_order_relaxed))
    return;
  log::warn(detail);
}

} // namespace

domain::error database_unavailable(std::string_view message,
                                   unsigned retry_after,
                                   const std::string& detail) {
  log_outage(detail);
  return domain::error{
      .kind = domain::error_kind::unavailable,
      .code = "database_unavailable",
      .message = std::string(message),
      .field = {},
      .retry_after = retry_after,
  };
}

} // namespace dots::storage
