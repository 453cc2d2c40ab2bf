#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dots::bench {

/// A log-linear histogram of non-negative durations in nanoseconds: exact
/// below 128, then 64 buckets per power of two (under 1.6 % error). Millions
/// of deliveries fit in a few kilobytes, and workers merge by adding counts.
class histogram {
public:
  void record(std::int64_t value);
  void merge(const histogram& other);

  std::uint64_t count() const noexcept { return count_; }
  std::int64_t max() const noexcept { return max_; }
  double mean() const noexcept;
  /// The value below which `p` percent of the samples fall (0 when empty).
  std::int64_t percentile(double p) const;

  /// Compact text for the control channel between processes.
  std::string serialize() const;
  static std::optional<histogram> parse(std::string_view text);

private:
  static constexpr int sub_bits = 6;
  static constexpr std::uint64_t linear_limit = std::uint64_t{2} << sub_bits;

  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t lower_bound_of(std::size_t index);
  static std::uint64_t width_of(std::size_t index);

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
  double sum_ = 0;
};

} // namespace dots::bench
