#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>

namespace dots::bench {

std::size_t histogram::index_of(std::uint64_t value) {
  if (value < linear_limit)
    return static_cast<std::size_t>(value);
  const int exponent = std::bit_width(value) - 1; // >= sub_bits + 1
  const std::uint64_t sub =
      (value >> (exponent - sub_bits)) & ((std::uint64_t{1} << sub_bits) - 1);
  return static_cast<std::size_t>(linear_limit) +
         static_cast<std::size_t>(exponent - sub_bits - 1) * (1u << sub_bits) +
         static_cast<std::size_t>(sub);
}

std::uint64_t histogram::lower_bound_of(std::size_t index) {
  if (index < linear_limit)
    return index;
  const std::size_t rest = index - linear_limit;
  const int exponent = static_cast<int>(rest >> sub_bits) + sub_bits + 1;
  const std::uint64_t sub = rest & ((std::size_t{1} << sub_bits) - 1);
  return (std::uint64_t{1} << exponent) + (sub << (exponent - sub_bits));
}

std::uint64_t histogram::width_of(std::size_t index) {
  if (index < linear_limit)
    return 1;
  const int exponent =
      static_cast<int>((index - linear_limit) >> sub_bits) + sub_bits + 1;
  return std::uint64_t{1} << (exponent - sub_bits);
}

void histogram::record(std::int64_t value) {
  // Clocks are monotonic and shared, so a negative value can only come from
  // a corrupted tag; count it as zero rather than drop it silently.
  const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(value, 0));
  const std::size_t i = index_of(v);
  if (i >= counts_.size())
    counts_.resize(i + 1, 0);
  ++counts_[i];
  ++count_;
  max_ = std::max(max_, static_cast<std::int64_t>(v));
  sum_ += static_cast<double>(v);
}

void histogram::merge(const histogram& other) {
  if (other.counts_.size() > counts_.size())
    counts_.resize(other.counts_.size(), 0);
  for (std::size_t i = 0; i < other.counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double histogram::mean() const noexcept {
  return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
}

std::int64_t histogram::percentile(double p) const {
  if (count_ == 0)
    return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(
      std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(count_)));
  const std::uint64_t wanted = std::max<std::uint64_t>(rank, 1);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= wanted) {
      // The middle of the bucket, but never above the exact maximum.
      const std::uint64_t mid = lower_bound_of(i) + width_of(i) / 2;
      return std::min(static_cast<std::int64_t>(mid), max_);
    }
  }
  return max_;
}

std::string histogram::serialize() const {
  std::string out = std::to_string(count_) + "," + std::to_string(max_) + "," +
                    std::to_string(static_cast<std::uint64_t>(sum_));
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0)
      continue;
    out += ';';
    out += std::to_string(i);
    out += ':';
    out += std::to_string(counts_[i]);
  }
  return out;
}

namespace {

bool parse_u64(std::string_view text, std::uint64_t& out) {
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

} // namespace

std::optional<histogram> histogram::parse(std::string_view text) {
  histogram h;
  std::size_t pos = text.find(';');
  const std::string_view head = text.substr(0, pos);
  const std::size_t c1 = head.find(',');
  const std::size_t c2 = head.find(',', c1 == head.npos ? c1 : c1 + 1);
  if (c1 == head.npos || c2 == head.npos)
    return std::nullopt;
  std::uint64_t count = 0, max = 0, sum = 0;
  if (!parse_u64(head.substr(0, c1), count) ||
      !parse_u64(head.substr(c1 + 1, c2 - c1 - 1), max) ||
      !parse_u64(head.substr(c2 + 1), sum))
    return std::nullopt;
  h.count_ = count;
  h.max_ = static_cast<std::int64_t>(max);
  h.sum_ = static_cast<double>(sum);
  while (pos != text.npos) {
    const std::size_t next = text.find(';', pos + 1);
    const std::string_view item = text.substr(pos + 1, next - pos - 1);
    const std::size_t colon = item.find(':');
    std::uint64_t index = 0, n = 0;
    if (colon == item.npos || !parse_u64(item.substr(0, colon), index) ||
        !parse_u64(item.substr(colon + 1), n) || index > 8192)
      return std::nullopt;
    if (index >= h.counts_.size())
      h.counts_.resize(index + 1, 0);
    h.counts_[index] += n;
    pos = next;
  }
  return h;
}

} // namespace dots::bench
