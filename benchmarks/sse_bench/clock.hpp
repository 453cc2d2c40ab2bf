#pragma once

#include <cstdint>
#include <ctime>

namespace dots::bench {

/// Nanoseconds of CLOCK_MONOTONIC. Every process of a run reads the same
/// clock, so a send time stamped by the publisher compares directly with a
/// receive time taken in a stream worker.
inline std::int64_t now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline constexpr std::int64_t ns_per_ms = 1'000'000;
inline constexpr std::int64_t ns_per_s = 1'000'000'000;

} // namespace dots::bench
