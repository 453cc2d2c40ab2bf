#include "http/shard.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// One I/O thread and what lives on it: a real shard running its own thread,
// and real loopback connections whose server ends live on that thread.

namespace dots::http {
namespace {

using namespace std::chrono_literals;

/// How long any test waits for the shard before failing.
constexpr auto wait_limit = 10s;

/// Runs `fn` on the shard's thread and waits for it to have run; false (and
/// nothing waited beyond the bound) when it did not run in time.
template <class Fn>
bool run_on(shard& s, Fn fn) {
  auto done = std::make_shared<std::promise<void>>();
  auto ran = done->get_future();
  net::post(s.io(), [fn = std::move(fn), done]() mutable {
    fn();
    done->set_value();
  });
  return ran.wait_for(wait_limit) == std::future_status::ready;
}

/// The id of the thread that runs work posted to `s`.
std::optional<std::thread::id> thread_of(shard& s) {
  std::thread::id id;
  if (!run_on(s, [&id] { id = std::this_thread::get_id(); }))
    return std::nullopt;
  return id;
}

/// Starts a shard and stops and joins it when the test ends, whatever
/// failed in between.
class running_shard {
public:
  running_shard() { s_.start(); }
  ~running_shard() {
    s_.stop();
    s_.join();
  }
  shard& operator*() noexcept { return s_; }
  shard* operator->() noexcept { return &s_; }

private:
  shard s_;
};

TEST(Shard, StartRunsPostedWorkOnANewThreadAndJoinEndsIt) {
  shard s;
  s.start();
  const auto id = thread_of(s);
  s.stop();
  s.join(); // returns: the thread has ended
  EXPECT_TRUE(s.io().stopped());
  ASSERT_TRUE(id) << "posted work did not run";
  EXPECT_NE(*id, std::this_thread::get_id());
}

TEST(Shard, JoinWithoutStartReturnsAtOnce) {
  shard s;
  s.stop();
  s.join();
  EXPECT_TRUE(s.io().stopped());
}

TEST(Shard, KeepsRunningWhenItHasNothingToDo) {
  // Between two connections the io_context has no work of its own; the
  // thread must not end then, or later connections would never run.
  running_shard s;
  ASSERT_TRUE(thread_of(*s));
  EXPECT_FALSE(s->io().stopped());
  ASSERT_TRUE(thread_of(*s)) << "work posted after an idle spell did not run";
}

TEST(Shard, AllWorkRunsOnItsOneThreadOneHandlerAtATime) {
  running_shard s;
  constexpr int posters = 4;
  constexpr int per_poster = 250;
  std::mutex mutex;
  std::vector<std::thread::id> ran_on;
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::promise<void> all_done;
  std::atomic<int> left{posters * per_poster};
  // Several threads post at once, as the listener and the notifier's
  // deliveries do in the server.
  std::vector<std::thread> threads;
  for (int p = 0; p < posters; ++p)
    threads.emplace_back([&] {
      for (int i = 0; i < per_poster; ++i)
        net::post(s->io(), [&] {
          if (inside.fetch_add(1) != 0)
            overlaps.fetch_add(1);
          {
            std::lock_guard lock{mutex};
            ran_on.push_back(std::this_thread::get_id());
          }
          inside.fetch_sub(1);
          if (left.fetch_sub(1) == 1)
            all_done.set_value();
        });
    });
  for (auto& t : threads)
    t.join();
  ASSERT_EQ(all_done.get_future().wait_for(wait_limit),
            std::future_status::ready);
  std::lock_guard lock{mutex};
  ASSERT_EQ(ran_on.size(), std::size_t{posters * per_poster});
  EXPECT_EQ(std::count(ran_on.begin(), ran_on.end(), ran_on.front()),
            posters * per_poster);
  EXPECT_NE(ran_on.front(), std::this_thread::get_id());
  EXPECT_EQ(overlaps.load(), 0);
}

TEST(Shard, TwoShardsRunOnTwoThreads) {
  running_shard a;
  running_shard b;
  const auto on_a = thread_of(*a);
  const auto on_b = thread_of(*b);
  ASSERT_TRUE(on_a && on_b);
  EXPECT_NE(*on_a, *on_b);
}

TEST(Shard, AThrowingHandlerDoesNotEndTheThread) {
  // One bad connection must not take the shard's other connections down.
  running_shard s;
  const auto before = thread_of(*s);
  ASSERT_TRUE(before);
  net::post(s->io(), [] { throw std::runtime_error("a handler failed"); });
  const auto after = thread_of(*s);
  ASSERT_TRUE(after) << "the shard stopped running work after a throw";
  EXPECT_EQ(*after, *before);
}

TEST(Shard, StopEndsTheThreadWithWorkStillPending) {
  // Shutdown must not wait for connections that never end by themselves.
  shard s;
  net::steady_timer forever{s.io(), net::steady_timer::time_point::max()};
  forever.async_wait([](const beast::error_code&) {});
  s.start();
  const auto ran = thread_of(s);
  s.stop();
  s.join(); // returns although the timer never fired
  EXPECT_TRUE(s.io().stopped());
  EXPECT_TRUE(ran);
}

// -- idle connections ---------------------------------------------------------

/// What a connection's server end read: the bytes, or the error that ended
/// the read.
struct read_result {
  beast::error_code ec;
  std::string bytes;
};

/// One loopback connection: the client end on the test thread, the server
/// end in a coroutine on the shard, and what that coroutine reports.
struct connection {
  explicit connection(net::io_context& io)
      : client(io) {}

  tcp::socket client;
  std::atomic<bool> waiting_first{false};
  std::atomic<bool> waiting_second{false};
  std::promise<read_result> first;
  std::promise<read_result> second;
  std::promise<void> ended;
  std::future<read_result> first_read = first.get_future();
  std::future<read_result> second_read = second.get_future();
  std::future<void> ended_seen = ended.get_future();
};

/// The server end, as a session holds it: optionally marked idle while it
/// waits for its first bytes, then busy (unmarked) while it waits for more.
net::awaitable<void> serve(shard& home, tcp::socket socket, bool mark_idle,
                           connection& c) {
  beast::tcp_stream stream{std::move(socket)};
  std::array<char, 64> buf{};
  {
    std::optional<shard::idle_mark> idle;
    if (mark_idle)
      idle.emplace(home, stream);
    // Set before the read starts, on this thread: whatever the test posts
    // after seeing it runs once the read is pending.
    c.waiting_first = true;
    auto [ec, n] = co_await stream.async_read_some(
        net::buffer(buf), net::as_tuple(net::use_awaitable));
    c.first.set_value({ec, std::string(buf.data(), n)});
    if (ec)
      co_return;
  }
  // The request came: the mark went with the scope above.
  c.waiting_second = true;
  auto [ec, n] = co_await stream.async_read_some(
      net::buffer(buf), net::as_tuple(net::use_awaitable));
  c.second.set_value({ec, std::string(buf.data(), n)});
}

/// Waits until `flag` is set or the bound passes.
bool wait_for_flag(const std::atomic<bool>& flag) {
  const auto deadline = std::chrono::steady_clock::now() + wait_limit;
  while (!flag.load()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::yield();
  }
  return true;
}

/// What a server end reported, or `timed_out` when it did not in time.
read_result reported(std::future<read_result>& f) {
  if (f.wait_for(wait_limit) != std::future_status::ready)
    return {net::error::timed_out, {}};
  return f.get();
}

/// True when the server closed the connection, as its client sees it: a
/// read ends (within the bound) without data.
bool closed_by_server(tcp::socket& client) {
  pollfd p{client.native_handle(), POLLIN, 0};
  const auto limit =
      std::chrono::duration_cast<std::chrono::milliseconds>(wait_limit);
  if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0)
    return false;
  std::array<char, 64> buf{};
  beast::error_code ec;
  client.read_some(net::buffer(buf), ec);
  return ec == net::error::eof || ec == net::error::connection_reset;
}

/// A started shard and connections whose server ends live on it.
class ShardIdle : public ::testing::Test {
protected:
  ShardIdle() { s_.start(); }

  ~ShardIdle() override {
    // Every coroutine ends (its client hangs up) before the shard stops, so
    // that none is left holding a connection of this test.
    for (auto& c : connections_) {
      beast::error_code ec;
      c->client.close(ec);
    }
    for (auto& c : connections_)
      EXPECT_EQ(c->ended_seen.wait_for(wait_limit), std::future_status::ready);
    s_.stop();
    s_.join();
  }

  /// A connected client whose server end runs `serve` on the shard.
  connection& connect(bool mark_idle) {
    auto& c = *connections_.emplace_back(std::make_unique<connection>(io_));
    c.client.connect(acceptor_.local_endpoint());
    // Accepted straight onto the shard's io_context, as the listener does.
    tcp::socket server = acceptor_.accept(s_.io());
    net::co_spawn(s_.io(), serve(s_, std::move(server), mark_idle, c),
                  [&c](std::exception_ptr) { c.ended.set_value(); });
    return c;
  }

  net::io_context io_;
  tcp::acceptor acceptor_{io_, {net::ip::make_address("127.0.0.1"), 0}};
  std::vector<std::unique_ptr<connection>> connections_;
  shard s_;
};

TEST_F(ShardIdle, CloseIdleClosesAWaitingConnectionAndKeepsABusyOne) {
  auto& idle = connect(true);
  auto& busy = connect(true);
  // The busy connection got its request: it is no longer idle.
  net::write(busy.client, net::buffer(std::string_view{"GET"}));
  ASSERT_EQ(reported(busy.first_read).bytes, "GET");
  ASSERT_TRUE(wait_for_flag(busy.waiting_second));
  ASSERT_TRUE(wait_for_flag(idle.waiting_first));

  ASSERT_TRUE(run_on(s_, [this] { s_.close_idle(); }));

  // The idle one's wait ends and its client sees the close.
  const auto idle_read = reported(idle.first_read);
  EXPECT_TRUE(idle_read.ec) << "the idle connection's read went on";
  EXPECT_NE(idle_read.ec, net::error::timed_out);
  EXPECT_TRUE(closed_by_server(idle.client));
  // The busy one still carries bytes.
  net::write(busy.client, net::buffer(std::string_view{"more"}));
  const auto busy_read = reported(busy.second_read);
  EXPECT_FALSE(busy_read.ec) << busy_read.ec.message();
  EXPECT_EQ(busy_read.bytes, "more");
}

TEST_F(ShardIdle, CloseIdleLeavesAnUnmarkedConnectionOpen) {
  auto& c = connect(false);
  ASSERT_TRUE(wait_for_flag(c.waiting_first));
  ASSERT_TRUE(run_on(s_, [this] { s_.close_idle(); }));
  net::write(c.client, net::buffer(std::string_view{"hello"}));
  const auto read = reported(c.first_read);
  EXPECT_FALSE(read.ec) << read.ec.message();
  EXPECT_EQ(read.bytes, "hello");
}

TEST_F(ShardIdle, CloseIdleClosesEveryIdleConnection) {
  std::vector<connection*> idle;
  for (int i = 0; i < 3; ++i)
    idle.push_back(&connect(true));
  for (auto* c : idle)
    ASSERT_TRUE(wait_for_flag(c->waiting_first));
  ASSERT_TRUE(run_on(s_, [this] { s_.close_idle(); }));
  for (std::size_t i = 0; i < idle.size(); ++i) {
    const auto read = reported(idle[i]->first_read);
    EXPECT_TRUE(read.ec) << "connection " << i << " stayed open";
    EXPECT_NE(read.ec, net::error::timed_out) << "connection " << i;
    EXPECT_TRUE(closed_by_server(idle[i]->client)) << "connection " << i;
  }
}

TEST_F(ShardIdle, AConnectionAfterACloseIdleIsNotAffected) {
  ASSERT_TRUE(run_on(s_, [this] { s_.close_idle(); }));
  auto& c = connect(true);
  ASSERT_TRUE(wait_for_flag(c.waiting_first));
  // A connection that arrives after a close_idle is not affected by it.
  net::write(c.client, net::buffer(std::string_view{"late"}));
  EXPECT_EQ(reported(c.first_read).bytes, "late");
}

/// Stops, joins and destroys a shard while one of its connections waits
/// for its first request, marked idle; false when the connection never got
/// to wait. Shutdown does this when its deadline passes with such a
/// connection left (one accepted as draining began, after close_idle ran).
bool destroy_shard_with_an_idle_connection() {
  net::io_context io;
  tcp::acceptor acceptor{io, {net::ip::make_address("127.0.0.1"), 0}};
  auto s = std::make_unique<shard>();
  s->start();
  connection c{io};
  c.client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept(s->io());
  net::co_spawn(s->io(), serve(*s, std::move(server), true, c),
                [&c](std::exception_ptr) { c.ended.set_value(); });
  const bool waiting = wait_for_flag(c.waiting_first);
  s->stop();
  s->join();
  // Destroys the waiting coroutine, and its idle mark with it.
  s.reset();
  return waiting;
}

TEST(ShardShutdownDeathTest, AShardWithAnIdleConnectionIsDestroyedCleanly) {
  // In a child process: a crash there fails this test instead of ending
  // the whole test program.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::exit(destroy_shard_with_an_idle_connection() ? 0 : 2),
              ::testing::ExitedWithCode(0), "");
}

} // namespace
} // namespace dots::http
