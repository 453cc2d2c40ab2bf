#include "actors/actor_fixture.hpp"
#include "http/ask.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <caf/after.hpp>
#include <gtest/gtest.h>
#include <thread>

namespace dots::http {
namespace {

using namespace dots::actors;

namespace net = boost::asio;
using namespace std::chrono_literals;

/// What one coroutine saw.
struct outcome {
  bool done = false;
  std::optional<replay_frames> reply;
  std::thread::id resumed_on;
};

// Coroutines are free functions with parameters, not capturing lambdas,
// and every argument of a co_await is a named local (GCC 12, asio#1007).
net::awaitable<void> ask_replay(caf::actor_system& sys, notifier_actor n,
                                std::int64_t after, outcome& out) {
  auto request = replay{after};
  // ask() holds `n` and `request` by reference until it completes: both
  // live in this frame.
  auto reply = co_await ask<replay_frames>(sys, n, request);
  out.resumed_on = std::this_thread::get_id();
  out.reply = std::move(reply);
  out.done = true;
}

net::awaitable<void>
ask_board(caf::actor_system& sys, boards_actor b, std::int64_t id,
          std::optional<domain::result<domain::board>>& out) {
  auto request = get_board{id};
  out = co_await ask<domain::result<domain::board>>(sys, b, request);
}

class Ask : public actors::test::actor_test {
protected:
  /// Runs `io` on a thread of its own until its work is done (at most
  /// 10 s); returns that thread's id.
  std::thread::id run_on_own_thread(net::io_context& io) {
    std::thread::id id;
    std::thread t{[&] {
      id = std::this_thread::get_id();
      io.run_for(10s);
    }};
    t.join();
    return id;
  }
};

domain::event retained_event(std::int64_t id, domain::event_type type) {
  domain::event ev;
  ev.id = id;
  ev.type = type;
  ev.board_id = 1;
  return ev;
}

TEST_F(Ask, ReplyResumesTheCoroutineOnTheIoThread) {
  auto n = spawn_recorded_notifier(
      {}, {retained_event(3, domain::event_type::new_board)}, 3);
  net::io_context io;
  outcome out;
  net::co_spawn(io, ask_replay(sys_, n, 2, out), net::detached);
  const auto io_thread = run_on_own_thread(io);
  ASSERT_TRUE(out.done);
  EXPECT_EQ(out.resumed_on, io_thread);
  EXPECT_NE(out.resumed_on, std::this_thread::get_id());
  ASSERT_TRUE(out.reply);
  ASSERT_EQ(out.reply->frames.size(), 1u);
  EXPECT_EQ(out.reply->frames[0]->id, 3);
  EXPECT_EQ(out.reply->last_id, 3);
}

TEST_F(Ask, ManyCoroutinesAtOnce) {
  auto n =
      spawn_recorded_notifier({},
                              {retained_event(1, domain::event_type::new_board),
                               retained_event(2, domain::event_type::new_path)},
                              2);
  net::io_context io;
  std::vector<outcome> outs(50);
  for (std::size_t i = 0; i < outs.size(); ++i)
    net::co_spawn(
        io, ask_replay(sys_, n, static_cast<std::int64_t>(i % 3), outs[i]),
        net::detached);
  const auto io_thread = run_on_own_thread(io);
  for (std::size_t i = 0; i < outs.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(outs[i].done);
    EXPECT_EQ(outs[i].resumed_on, io_thread);
    ASSERT_TRUE(outs[i].reply);
    EXPECT_EQ(outs[i].reply->frames.size(), 2 - i % 3);
    EXPECT_EQ(outs[i].reply->last_id, 2);
  }
}

TEST_F(Ask, ErrorRepliesArriveAsValues) {
  auto n = spawn_recorded_notifier();
  auto store = open_store();
  ASSERT_TRUE(store);
  auto boards = track(spawn_boards(sys_, std::move(store), n, {}));
  net::io_context io;
  std::optional<domain::result<domain::board>> out;
  net::co_spawn(io, ask_board(sys_, boards, 12345, out), net::detached);
  run_on_own_thread(io);
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().kind, domain::error_kind::not_found);
}

TEST_F(Ask, ActorThatExitedYieldsNullopt) {
  auto log = track(spawn_event_log(sys_, open_store()));
  auto n = spawn_notifier(sys_, {sink_}, log, {}, 0, {});
  {
    // Waits (boundedly) until the notifier is really gone.
    caf::scoped_actor self{sys_};
    self->monitor(n);
    caf::anon_send_exit(n, caf::exit_reason::kill);
    bool down = false;
    self->receive([&](caf::down_msg&) { down = true; },
                  caf::after(std::chrono::seconds{10}) >> [] {});
    ASSERT_TRUE(down);
  }
  net::io_context io;
  outcome out;
  const auto start = std::chrono::steady_clock::now();
  net::co_spawn(io, ask_replay(sys_, n, 0, out), net::detached);
  run_on_own_thread(io);
  ASSERT_TRUE(out.done);
  EXPECT_FALSE(out.reply);
  // Known at once, not after the request timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, ask_timeout / 2);
}

} // namespace
} // namespace dots::http
