#include "security/rate_limiter.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <string>

namespace dots::security {
namespace {

using namespace std::chrono_literals;
using time_point = rate_limiter::clock::time_point;

// Time is injected: a fixed origin far from the clock's epoch.
const time_point t0{std::chrono::hours{1000}};

/// How many attempts `client` gets at `now` before the first refusal.
int spend_all(rate_limiter& r, const std::string& client, time_point now) {
  std::chrono::seconds retry{0};
  int n = 0;
  while (n < 1000 && r.try_acquire(client, now, retry))
    ++n;
  return n;
}

TEST(RateLimiter, AllowsPerMinuteThenRefuses) {
  rate_limiter r{5};
  std::chrono::seconds retry{0};
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(r.try_acquire("10.0.0.1", t0, retry)) << "attempt " << i;
  retry = 0s;
  EXPECT_FALSE(r.try_acquire("10.0.0.1", t0, retry));
  // 5 a minute refill one every 12 s.
  EXPECT_EQ(retry, 12s);
}

TEST(RateLimiter, RefusalSpendsNothing) {
  rate_limiter r{5};
  EXPECT_EQ(spend_all(r, "a", t0), 5);
  std::chrono::seconds retry{0};
  for (int i = 0; i < 10; ++i)
    EXPECT_FALSE(r.try_acquire("a", t0, retry));
  EXPECT_EQ(retry, 12s);
  EXPECT_TRUE(r.try_acquire("a", t0 + 12s, retry));
}

TEST(RateLimiter, RetryAfterShrinksAsTimePasses) {
  rate_limiter r{5};
  EXPECT_EQ(spend_all(r, "a", t0), 5);
  std::chrono::seconds retry{0};
  EXPECT_FALSE(r.try_acquire("a", t0 + 3s, retry));
  EXPECT_EQ(retry, 9s);
  EXPECT_TRUE(r.try_acquire("a", t0 + 3s + retry, retry));
}

TEST(RateLimiter, RetryAfterIsHonouredDespiteAttemptsInBetween) {
  // The default login limit. A client told to retry in N seconds that keeps
  // trying meanwhile must be let in after N seconds, not later.
  rate_limiter r{10};
  EXPECT_EQ(spend_all(r, "a", t0), 10);
  std::chrono::seconds retry{0};
  ASSERT_FALSE(r.try_acquire("a", t0, retry));
  const auto promised = retry;
  EXPECT_EQ(promised, 6s);
  for (auto s = 1s; s < promised; ++s)
    EXPECT_FALSE(r.try_acquire("a", t0 + s, retry)) << s.count() << " s";
  EXPECT_TRUE(r.try_acquire("a", t0 + promised, retry))
      << "refused at the promised time; now retry_after=" << retry.count();
}

TEST(RateLimiter, RetryAfterIsTheWaitForTheNextSlotRoundedUp) {
  // The end-to-end case (--login-limit 3): three attempts spread over 2 s,
  // refused half a second later. The next slot is one refill (20 s) after
  // the first attempt: 17.5 s from now, sent as 18.
  rate_limiter r{3};
  std::chrono::seconds retry{0};
  EXPECT_TRUE(r.try_acquire("a", t0, retry));
  EXPECT_TRUE(r.try_acquire("a", t0 + 1s, retry));
  EXPECT_TRUE(r.try_acquire("a", t0 + 2s, retry));
  EXPECT_FALSE(r.try_acquire("a", t0 + 2500ms, retry));
  EXPECT_EQ(retry, 18s);
  // Half a second short of it is still too early; at the slot it is due.
  EXPECT_FALSE(r.try_acquire("a", t0 + 19500ms, retry));
  EXPECT_EQ(retry, 1s);
  EXPECT_TRUE(r.try_acquire("a", t0 + 20s, retry));
}

TEST(RateLimiter, RetryAfterNeverExceedsOneRefill) {
  // However hard a client keeps trying, it is never told to wait longer
  // than one refill (60 s / per_minute), and never 0 s.
  for (int per_minute : {1, 2, 3, 7, 10, 60, 61, 120}) {
    rate_limiter r{per_minute};
    const auto refill = std::chrono::ceil<std::chrono::seconds>(
        std::chrono::duration<double>(60.0 / per_minute));
    std::chrono::seconds retry{0};
    int refused = 0;
    for (auto at = t0; at < t0 + 3min; at += 250ms) {
      if (r.try_acquire("a", at, retry))
        continue;
      ++refused;
      EXPECT_GE(retry, 1s) << per_minute << " a minute, at +"
                           << (at - t0).count();
      EXPECT_LE(retry, refill)
          << per_minute << " a minute, at +" << (at - t0).count();
    }
    EXPECT_GT(refused, 0) << per_minute << " a minute";
  }
}

TEST(RateLimiter, RefillsOverTime) {
  rate_limiter r{4};
  EXPECT_EQ(spend_all(r, "a", t0), 4);
  // Half a minute refills half the bucket.
  EXPECT_EQ(spend_all(r, "a", t0 + 30s), 2);
  // A long pause refills it to the brim and no further.
  EXPECT_EQ(spend_all(r, "a", t0 + 1h), 4);
}

TEST(RateLimiter, SeparateClientsAreIndependent) {
  rate_limiter r{3};
  EXPECT_EQ(spend_all(r, "10.0.0.1", t0), 3);
  EXPECT_EQ(spend_all(r, "10.0.0.2", t0), 3);
  std::chrono::seconds retry{0};
  EXPECT_FALSE(r.try_acquire("10.0.0.1", t0, retry));
  EXPECT_FALSE(r.try_acquire("10.0.0.2", t0, retry));
  EXPECT_TRUE(r.try_acquire("10.0.0.3", t0, retry));
}

TEST(RateLimiter, NonPositiveRateMeansOneAMinute) {
  rate_limiter r{0};
  std::chrono::seconds retry{0};
  EXPECT_TRUE(r.try_acquire("a", t0, retry));
  EXPECT_FALSE(r.try_acquire("a", t0, retry));
  EXPECT_EQ(retry, 60s);
  EXPECT_TRUE(r.try_acquire("a", t0 + 60s, retry));
}

TEST(RateLimiter, NewClientFindsRoomInAFullTable) {
  rate_limiter r{2, 2};
  std::chrono::seconds retry{0};
  EXPECT_TRUE(r.try_acquire("a", t0, retry));
  EXPECT_TRUE(r.try_acquire("b", t0, retry));
  // The table is full, but both buckets are idle a minute later: the new
  // client gets a bucket of its own and its limit holds.
  EXPECT_EQ(spend_all(r, "c", t0 + 61s), 2);
  EXPECT_FALSE(r.try_acquire("c", t0 + 61s, retry));
}

TEST(RateLimiter, ExistingClientKeepsItsLimitWhenTableIsFull) {
  // Two buckets fill a table of two: an attempt by a client that already
  // has a bucket needs no room, so its limit must still hold.
  rate_limiter r{3, 2};
  EXPECT_EQ(spend_all(r, "a", t0), 3);
  std::chrono::seconds retry{0};
  EXPECT_TRUE(r.try_acquire("b", t0, retry));
  EXPECT_FALSE(r.try_acquire("a", t0, retry))
      << "client a got a 4th attempt within the same second";
}

} // namespace
} // namespace dots::security
