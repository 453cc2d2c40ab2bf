#include "domain/time.hpp"

#include <gtest/gtest.h>
#include <thread>
#include <vector>

namespace dots::domain {
namespace {

using namespace std::chrono;

system_clock::time_point at(year_month_day d, hours h = hours{0},
                            minutes m = minutes{0}, seconds s = seconds{0}) {
  return sys_days{d} + h + m + s;
}

TEST(TimeRfc3339, FormatsTheEpoch) {
  EXPECT_EQ(format_rfc3339(system_clock::time_point{}), "1970-01-01T00:00:00Z");
}

TEST(TimeRfc3339, FormatsAKnownInstantInUtc) {
  EXPECT_EQ(format_rfc3339(at(2026y / November / 26, hours{12})),
            "2026-11-26T12:00:00Z");
  EXPECT_EQ(format_rfc3339(
                at(2024y / February / 29, hours{23}, minutes{59}, seconds{59})),
            "2024-02-29T23:59:59Z");
}

TEST(TimeRfc3339, DropsFractionsOfASecond) {
  EXPECT_EQ(
      format_rfc3339(at(2026y / January / 2, hours{3}, minutes{4}, seconds{5}) +
                     milliseconds{999}),
      "2026-01-02T03:04:05Z");
}

TEST(TimeRfc3339, RoundsInstantsBeforeTheEpochDown) {
  EXPECT_EQ(format_rfc3339(system_clock::time_point{} - milliseconds{1}),
            "1969-12-31T23:59:59Z");
}

TEST(TimeRfc3339, IsSafeToCallFromManyThreads) {
  const auto t = at(2031y / July / 4, hours{8}, minutes{9}, seconds{10});
  std::vector<std::string> seen(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 2000; ++k)
        seen[i] = format_rfc3339(t + seconds{static_cast<int>(i)});
    });
  for (auto& th : threads)
    th.join();
  for (std::size_t i = 0; i < seen.size(); ++i)
    EXPECT_EQ(seen[i], "2031-07-04T08:09:1" + std::to_string(i) + "Z");
}

} // namespace
} // namespace dots::domain
