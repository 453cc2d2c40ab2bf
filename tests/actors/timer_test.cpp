#include "actors/actor_fixture.hpp"

#include <gtest/gtest.h>

namespace dots::actors {
namespace {

using namespace std::chrono_literals;

class Timer : public test::actor_test {};

TEST_F(Timer, TicksMakeTheNotifierSendKeepalives) {
  auto n = spawn_recorded_notifier();
  const auto start = std::chrono::steady_clock::now();
  track(spawn_timer(sys_, n, 20ms));
  auto frames = sink_->wait_for(3);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_GE(frames.size(), 3u);
  for (auto& f : frames)
    EXPECT_EQ(f->bytes, ": keep-alive\n\n");
  // Ticks come at the interval, not at once.
  EXPECT_GE(waited, 3 * 20ms);
}

TEST_F(Timer, NothingBeforeTheFirstInterval) {
  auto n = spawn_recorded_notifier();
  track(spawn_timer(sys_, n, 10s));
  // Far less than the interval: no tick yet.
  EXPECT_TRUE(sink_->wait_for(1, 100ms).empty());
}

} // namespace
} // namespace dots::actors
