#include "http/loopback_streams.hpp"
#include "http/stream_hub.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <exception>
#include <gtest/gtest.h>
#include <stdexcept>
#include <string>
#include <vector>

// The per-shard fan-out over real loopback sockets: who is a member, and
// what every member gets.

namespace dots::http::test {
namespace {

using StreamHub = loopback_streams;

TEST_F(StreamHub, EveryMemberGetsTheExactFrameBytes) {
  auto& a = connect();
  auto& b = connect();
  auto& c = connect();
  for (auto* x : {&a, &b, &c})
    x->writer->go_live(0);
  const std::vector<frame_ptr> frames{
      event_frame(1, event_type::new_board, 1),
      event_frame(2, event_type::new_path, 1, 5000),
      event_frame(3, event_type::board_deleted, 2),
  };
  for (const auto& f : frames)
    deliver(f);
  const auto want = bytes_of(frames);
  for (auto* x : {&a, &b, &c}) {
    EXPECT_EQ(read_bytes(*x, want.size()), want);
    EXPECT_FALSE(x->writer->closed());
  }
  EXPECT_EQ(hub_->frames_delivered.load(), 9u);
  EXPECT_EQ(hub_->bytes_delivered.load(), 3 * want.size());
  EXPECT_EQ(hub_->slow_dropped.load(), 0u);
}

TEST_F(StreamHub, ABatchReachesEveryMemberInOrderAndCountsEachFrame) {
  auto& a = connect();
  auto& b = connect(
      stream_filter{1u << static_cast<unsigned>(event_type::new_path), 0});
  a.writer->go_live(0);
  b.writer->go_live(0);
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto f2 = event_frame(2, event_type::new_path, 1);
  const auto f3 = event_frame(3, event_type::new_board, 2);
  const auto end = comment_frame("end");
  // As the shard's drain hands over several frames published meanwhile.
  deliver(std::vector<frame_ptr>{f1, f2, f3, end});
  expect_exactly(a, {f1, f2, f3}, end);
  // b skipped 3, so its resume point moves before the comment.
  expect_exactly(b, {f2, position_frame(3)}, end);
  // a: 3 events + end; b: 1 event, the bare id and end.
  EXPECT_EQ(hub_->frames_delivered.load(), 7u);
}

TEST_F(StreamHub, PublishPostsToTheShard) {
  auto& c = connect();
  c.writer->go_live(0);
  const auto f = event_frame(1, event_type::new_board, 1);
  hub_->publish(f);
  // Nothing until the shard's thread runs the posted delivery.
  boost::system::error_code ec;
  char byte;
  c.socket.read_some(net::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, net::error::would_block);
  EXPECT_EQ(hub_->frames_delivered.load(), 0u);
  EXPECT_EQ(read_bytes(c, f->bytes.size()), f->bytes);
  EXPECT_EQ(hub_->frames_delivered.load(), 1u);
}

TEST_F(StreamHub, FramesPublishedBeforeTheDrainRunsAllArriveInOrder) {
  auto& c = connect();
  c.writer->go_live(0);
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto f2 = event_frame(2, event_type::new_path, 1);
  const auto end = comment_frame("end");
  hub_->publish(f1);
  hub_->publish(f2);
  hub_->publish(end);
  expect_exactly(c, {f1, f2}, end);
}

TEST_F(StreamHub, AWriterThatNeverJoinedGetsNothing) {
  auto& member = connect();
  auto& outsider = connect({}, 0, 0, /*join=*/false);
  member.writer->go_live(0);
  outsider.writer->go_live(0);
  const auto f = event_frame(1, event_type::new_board, 1);
  const auto end = comment_frame("end");
  deliver(f);
  deliver(end);
  expect_exactly(member, {f}, end);
  EXPECT_EQ(drain(outsider), "");
}

TEST_F(StreamHub, AnEndedMembershipGetsNothing) {
  auto& gone = connect();
  auto& stay = connect();
  gone.writer->go_live(0);
  stay.writer->go_live(0);
  gone.member = {};
  const auto f = event_frame(1, event_type::new_board, 1);
  const auto end = comment_frame("end");
  deliver(f);
  deliver(end);
  expect_exactly(stay, {f}, end);
  EXPECT_EQ(drain(gone), "");
  // Out of the hub, not closed: leaving is not closing.
  EXPECT_FALSE(gone.writer->closed());
}

TEST_F(StreamHub, AMovedMembershipKeepsTheWriterIn) {
  auto& c = connect();
  c.writer->go_live(0);
  auto moved = std::move(c.member);
  c.member = {}; // the moved-from handle holds nothing to leave
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto end1 = comment_frame("end 1");
  deliver(f1);
  deliver(end1);
  expect_exactly(c, {f1}, end1);
  moved = {};
  deliver(event_frame(2, event_type::new_board, 1));
  EXPECT_EQ(drain(c), "");
}

TEST_F(StreamHub, MembershipsEndingInAnyOrderKeepTheOthers) {
  std::vector<client*> cs;
  for (int i = 0; i < 5; ++i) {
    cs.push_back(&connect());
    cs.back()->writer->go_live(0);
  }
  // The first, one in the middle and the last.
  cs[1]->member = {};
  cs[0]->member = {};
  cs[4]->member = {};
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto end1 = comment_frame("end 1");
  deliver(f1);
  deliver(end1);
  expect_exactly(*cs[2], {f1}, end1);
  expect_exactly(*cs[3], {f1}, end1);
  // The writer that moved to fill a gap can still leave.
  cs[3]->member = {};
  const auto f2 = event_frame(2, event_type::new_board, 1);
  const auto end2 = comment_frame("end 2");
  deliver(f2);
  deliver(end2);
  expect_exactly(*cs[2], {f2}, end2);
  for (int i : {0, 1, 3, 4})
    EXPECT_EQ(drain(*cs[i]), "") << i;
}

// A stream's coroutine in miniature: joins, goes live, waits until `until`
// is cancelled, then ends (by an exception when `throw_at_end`). The test
// keeps `writer` alive and open, so only its membership decides whether the
// hub still delivers to it. A free function, not a capturing lambda
// (GCC 12, asio#1007).
net::awaitable<void> member_until(stream_hub& hub, stream_writer& writer,
                                  net::steady_timer& until, bool throw_at_end) {
  const auto member = hub.join(writer);
  writer.go_live(0);
  co_await until.async_wait(net::as_tuple(net::use_awaitable));
  if (throw_at_end)
    throw std::runtime_error{"the coroutine ended by an exception"};
}

class StreamHubCoroutine : public StreamHub,
                           public ::testing::WithParamInterface<bool> {};

TEST_P(StreamHubCoroutine, AWriterWhoseCoroutineEndedGetsNothing) {
  const bool by_exception = GetParam();
  auto& stay = connect();
  stay.writer->go_live(0);
  auto& c = connect({}, 0, 0, /*join=*/false);
  net::steady_timer until{io_, net::steady_timer::time_point::max()};
  bool ended = false;
  bool threw = false;
  auto on_end = [&](std::exception_ptr e) {
    ended = true;
    threw = e != nullptr;
  };
  net::co_spawn(io_, member_until(*hub_, *c.writer, until, by_exception),
                on_end);
  io_.poll();

  // A member while its coroutine runs.
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto end1 = comment_frame("end 1");
  deliver(f1);
  deliver(end1);
  expect_exactly(stay, {f1}, end1);
  expect_exactly(c, {f1}, end1);

  until.cancel();
  io_.poll();
  ASSERT_TRUE(ended);
  EXPECT_EQ(threw, by_exception);

  // Gone from the hub with its coroutine, though the writer is still open.
  const auto f2 = event_frame(2, event_type::new_board, 1);
  const auto end2 = comment_frame("end 2");
  deliver(f2);
  deliver(end2);
  expect_exactly(stay, {f2}, end2);
  EXPECT_FALSE(c.writer->closed());
  EXPECT_EQ(drain(c), "");
}

INSTANTIATE_TEST_SUITE_P(ByReturnAndByException, StreamHubCoroutine,
                         ::testing::Bool());

TEST_F(StreamHub, CloseAllEndsEveryMember) {
  auto& a = connect();
  auto& b = connect();
  a.writer->go_live(0);
  hub_->close_all();
  EXPECT_TRUE(a.writer->closed());
  EXPECT_TRUE(b.writer->closed());
  deliver(event_frame(1, event_type::new_board, 1));
  for (auto* c : {&a, &b}) {
    auto [got, ended] = read_to_end(*c);
    EXPECT_EQ(got, "");
    EXPECT_TRUE(ended);
  }
  EXPECT_EQ(hub_->frames_delivered.load(), 0u);
}

} // namespace
} // namespace dots::http::test
