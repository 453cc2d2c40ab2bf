#include "actors/actor_fixture.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <gtest/gtest.h>

// The timer against a stand-in notifier that records when each tick came
// (to check what it sends, and when), and against the real notifier (to
// check what a stream's client gets from it).

namespace dots::actors {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// When each keepalive_tick and log_wake reached the stand-in notifier.
class tick_log {
public:
  void keepalive() { add(keepalives_); }
  void wake() { add(wakes_); }

  /// Waits until at least `k` keep-alives and `w` wakes came, or `timeout`
  /// passed; returns whether they did.
  bool wait_for(std::size_t k, std::size_t w,
                std::chrono::milliseconds timeout = test::wait_limit) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, timeout, [&] {
      return keepalives_.size() >= k && wakes_.size() >= w;
    });
  }

  std::vector<clock_type::time_point> keepalives() {
    std::lock_guard lock{mutex_};
    return keepalives_;
  }
  std::vector<clock_type::time_point> wakes() {
    std::lock_guard lock{mutex_};
    return wakes_;
  }

private:
  void add(std::vector<clock_type::time_point>& to) {
    {
      std::lock_guard lock{mutex_};
      to.push_back(clock_type::now());
    }
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<clock_type::time_point> keepalives_;
  std::vector<clock_type::time_point> wakes_;
};

/// Speaks the notifier's interface, so that the timer can be given it, and
/// only records the ticks.
notifier_actor::behavior_type
recording_notifier(notifier_actor::pointer, std::shared_ptr<tick_log> log) {
  return {
      [](board_created&) {},
      [](board_updated&) {},
      [](board_deleted&) {},
      [](path_created&) {},
      [](path_updated&) {},
      [log](keepalive_tick) { log->keepalive(); },
      [log](log_wake) { log->wake(); },
      [](replay&) { return replay_frames{}; },
  };
}

class Timer : public test::actor_test {
protected:
  notifier_actor spawn_recorder() {
    return track(sys_.spawn(recording_notifier, ticks_));
  }

  /// Checks that the k-th of `at` (1-based) came no earlier than k
  /// intervals after `start`: each tick is re-armed after the previous one.
  static void expect_spaced(const std::vector<clock_type::time_point>& at,
                            clock_type::time_point start,
                            std::chrono::milliseconds interval) {
    for (std::size_t k = 0; k < at.size(); ++k) {
      SCOPED_TRACE(k + 1);
      EXPECT_GE(at[k] - start, static_cast<long>(k + 1) * interval);
    }
  }

  std::shared_ptr<tick_log> ticks_ = std::make_shared<tick_log>();
};

TEST_F(Timer, KeepalivesAndPollsComeAtTheirIntervals) {
  auto n = spawn_recorder();
  const auto start = clock_type::now();
  track(spawn_timer(sys_, n, 30ms, 70ms));
  ASSERT_TRUE(ticks_->wait_for(4, 3));
  expect_spaced(ticks_->keepalives(), start, 30ms);
  expect_spaced(ticks_->wakes(), start, 70ms);
}

TEST_F(Timer, APollOfZeroSendsNoWake) {
  auto n = spawn_recorder();
  track(spawn_timer(sys_, n, 20ms, 0ms));
  // Many keep-alive intervals: a poll armed by mistake (at 0 ms, or at the
  // keep-alive's interval) would have fired by now.
  ASSERT_TRUE(ticks_->wait_for(6, 0));
  EXPECT_TRUE(ticks_->wakes().empty());
}

TEST_F(Timer, NothingBeforeTheFirstInterval) {
  auto n = spawn_recorder();
  track(spawn_timer(sys_, n, 10s, 10s));
  // Far less than either interval: no tick yet.
  EXPECT_FALSE(ticks_->wait_for(1, 0, 100ms));
  EXPECT_FALSE(ticks_->wait_for(0, 1, 0ms));
}

TEST_F(Timer, TicksMakeTheNotifierSendKeepalives) {
  auto n = spawn_recorded_notifier();
  track(spawn_timer(sys_, n, 20ms, 0ms));
  auto frames = sink_->wait_for(3);
  ASSERT_GE(frames.size(), 3u);
  for (auto& f : frames) {
    EXPECT_EQ(f->bytes, ": keep-alive\n\n");
    EXPECT_EQ(f->id, 0);
  }
}

TEST_F(Timer, PollsMakeTheNotifierPublishWhatOnlyTheLogHas) {
  auto db = open_store();
  ASSERT_TRUE(db);
  auto u = db->create_user("alice", "not-a-real-hash", "2024-05-01T12:00:00Z");
  ASSERT_TRUE(u);
  auto n = spawn_recorded_notifier();
  // Keep-alives out of the way: only the poll can bring the events.
  track(spawn_timer(sys_, n, 1h, 20ms));
  // Another instance's commits (no message, no NOTIFY): the poll finds them.
  std::vector<domain::event> evs;
  for (int i = 0; i < 3; ++i) {
    auto c = db->create_board(u.value().id,
                              {"polled " + std::to_string(i), 5, 5, {}},
                              "2024-05-01T12:00:00Z");
    ASSERT_TRUE(c) << c.error().message;
    evs.push_back(c.value().event);
  }
  auto frames = sink_->wait_for(3);
  ASSERT_EQ(frames.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(frames[i]->id, evs[i].id);
    EXPECT_EQ(frames[i]->bytes, "id: " + std::to_string(evs[i].id) +
                                    "\nevent: newBoard\ndata: " +
                                    domain::event_data(evs[i]) + "\n\n");
  }
}

TEST_F(Timer, WithoutAPollTheLogIsNotRead) {
  auto db = open_store();
  ASSERT_TRUE(db);
  auto u = db->create_user("alice", "not-a-real-hash", "2024-05-01T12:00:00Z");
  ASSERT_TRUE(u);
  auto n = spawn_recorded_notifier();
  auto c = db->create_board(u.value().id, {"unpolled", 5, 5, {}},
                            "2024-05-01T12:00:00Z");
  ASSERT_TRUE(c);
  track(spawn_timer(sys_, n, 20ms, 0ms));
  // Several keep-alives later, still only keep-alives: nothing woke it.
  auto frames = sink_->wait_for(5);
  ASSERT_GE(frames.size(), 5u);
  for (auto& f : frames)
    EXPECT_EQ(f->bytes, ": keep-alive\n\n");
}

} // namespace
} // namespace dots::actors
