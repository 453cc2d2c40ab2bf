#include "http/loopback_streams.hpp"
#include "http/stream_writer.hpp"

#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

// One writer over a real loopback socket: what it sends, in which order,
// when it holds and when it gives up on a slow client.

namespace dots::http::test {
namespace {

using StreamWriter = loopback_streams;

TEST_F(StreamWriter, FiltersByTypeAndBoard) {
  auto& boards_only =
      connect({1u << static_cast<unsigned>(event_type::new_board), 0});
  auto& board7 = connect({~0u, 7});
  auto& updates_of_7 =
      connect({1u << static_cast<unsigned>(event_type::board_updated), 7});
  auto& everything = connect();
  for (auto& c : clients_)
    c->writer->go_live(0);
  const auto f1 = event_frame(1, event_type::new_board, 7);
  const auto f2 = event_frame(2, event_type::new_path, 8);
  const auto f3 = event_frame(3, event_type::board_updated, 7);
  const auto ka = comment_frame("keep-alive");
  const auto f4 = event_frame(4, event_type::new_board, 9);
  const auto f5 = event_frame(5, event_type::board_updated, 8);
  const auto end = comment_frame("end");
  for (const auto& f : {f1, f2, f3, ka, f4, f5, end})
    deliver(f);
  expect_exactly(boards_only, {f1, ka, f4}, end);
  expect_exactly(board7, {f1, f3, ka}, end);
  expect_exactly(updates_of_7, {f3, ka}, end);
  expect_exactly(everything, {f1, f2, f3, ka, f4, f5}, end);
  // Filtered-out frames are not counted as delivered (+1: the end marker).
  EXPECT_EQ(hub_->frames_delivered.load(),
            (3u + 1) + (3 + 1) + (2 + 1) + (6 + 1));
}

TEST_F(StreamWriter, KeepAliveReachesAStreamThatFiltersEverythingElse) {
  auto& none = connect({0u, 0});
  none.writer->go_live(0);
  const auto ka = comment_frame("keep-alive");
  deliver(event_frame(1, event_type::new_board, 1));
  deliver(ka);
  EXPECT_EQ(read_bytes(none, ka->bytes.size()), ka->bytes);
  EXPECT_EQ(ka->bytes, ": keep-alive\n\n");
}

TEST_F(StreamWriter, NoEventIsSentTwice) {
  auto& c = connect();
  c.writer->go_live(0);
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto f2 = event_frame(2, event_type::new_board, 1);
  const auto f3 = event_frame(3, event_type::new_board, 1);
  const auto ka = comment_frame("keep-alive");
  const auto end = comment_frame("end");
  // Repeats and stale ids are skipped; comments carry no id and all pass.
  for (const auto& f : {f1, f2, f2, f1, ka, ka, f3, f2, end})
    deliver(f);
  expect_exactly(c, {f1, f2, ka, ka, f3}, end);
  EXPECT_EQ(hub_->frames_delivered.load(), 6u);
}

TEST_F(StreamWriter, RepeatsWithinOneBatchAreSkippedToo) {
  auto& c = connect();
  c.writer->go_live(0);
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto f2 = event_frame(2, event_type::new_board, 1);
  const auto end = comment_frame("end");
  c.writer->push(std::vector<frame_ptr>{f1, f2, f1, f2, end});
  expect_exactly(c, {f1, f2}, end);
}

TEST_F(StreamWriter, HeldUntilLiveThenReplayedIdsAreDropped) {
  auto& c = connect();
  const auto f3 = event_frame(3, event_type::new_board, 1);
  const auto f4 = event_frame(4, event_type::new_path, 1);
  const auto ka = comment_frame("keep-alive");
  const auto f5 = event_frame(5, event_type::board_updated, 1);
  const auto f6 = event_frame(6, event_type::path_updated, 1);
  const auto f7 = event_frame(7, event_type::board_deleted, 1);
  const auto end = comment_frame("end");
  for (const auto& f : {f3, f4, ka, f5, f6})
    deliver(f);
  // Nothing goes out while the replay is being written.
  EXPECT_EQ(drain(c), "");
  EXPECT_EQ(hub_->frames_delivered.load(), 0u);
  // The replay ended at 4: 3 and 4 were in it; the rest follow in order.
  c.writer->go_live(4);
  for (const auto& f : {f5, f7, end})
    deliver(f);
  expect_exactly(c, {ka, f5, f6, f7}, end);
  EXPECT_FALSE(c.writer->closed());
}

TEST_F(StreamWriter, ReplayPastEveryHeldFrameSendsNoneOfThem) {
  auto& c = connect();
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto f2 = event_frame(2, event_type::new_board, 1);
  const auto f3 = event_frame(3, event_type::new_board, 1);
  const auto f11 = event_frame(11, event_type::new_board, 1);
  const auto end = comment_frame("end");
  deliver(f1);
  deliver(f2);
  c.writer->go_live(10);
  deliver(f3);
  deliver(f11);
  deliver(end);
  // Only what comes after the replay's last id.
  expect_exactly(c, {f11}, end);
}

TEST_F(StreamWriter, HeldFramesGoOutWhenNothingWasReplayed) {
  auto& c = connect();
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto f2 = event_frame(2, event_type::new_path, 1);
  const auto end = comment_frame("end");
  deliver(f1);
  deliver(f2);
  c.writer->go_live(0);
  deliver(end);
  expect_exactly(c, {f1, f2}, end);
}

TEST_F(StreamWriter, TooManyHeldFramesDropTheStream) {
  make_hub({4, 1 << 20});
  auto& c = connect();
  for (std::int64_t id = 1; id <= 4; ++id)
    deliver(event_frame(id, event_type::new_board, 1));
  EXPECT_FALSE(c.writer->closed());
  deliver(event_frame(5, event_type::new_board, 1));
  EXPECT_TRUE(c.writer->closed());
  EXPECT_EQ(hub_->slow_dropped.load(), 1u);
  auto [got, ended] = read_to_end(c);
  EXPECT_EQ(got, "");
  EXPECT_TRUE(ended);
}

TEST_F(StreamWriter, SlowClientIsDroppedWhileOthersGetEverything) {
  make_hub({4, 4096});
  auto& good = connect();
  // Never reads, with the smallest buffers either end allows: the socket
  // fills after a few frames.
  auto& slow = connect({}, 1, 1);
  good.writer->go_live(0);
  slow.writer->go_live(0);

  std::string sent;
  std::string good_got;
  std::int64_t id = 0;
  while (!slow.writer->closed() && id < 2000) {
    auto f = event_frame(++id, event_type::new_board, 1, 900);
    sent += f->bytes;
    deliver(f);
    good_got += drain(good);
  }
  ASSERT_TRUE(slow.writer->closed()) << "still open after " << id;
  EXPECT_EQ(hub_->slow_dropped.load(), 1u);
  EXPECT_FALSE(good.writer->closed());

  // Life goes on for the others.
  for (int i = 0; i < 10; ++i) {
    auto f = event_frame(++id, event_type::new_board, 1, 900);
    sent += f->bytes;
    deliver(f);
  }
  good_got += read_bytes(good, sent.size() - good_got.size());
  EXPECT_EQ(good_got.size(), sent.size());
  EXPECT_TRUE(good_got == sent) << "the good client's bytes differ";
  EXPECT_FALSE(good.writer->closed());
  EXPECT_EQ(hub_->slow_dropped.load(), 1u);

  // The slow client got a prefix of the stream and then its end.
  auto [slow_got, ended] = read_to_end(slow);
  EXPECT_TRUE(ended);
  EXPECT_LT(slow_got.size(), sent.size());
  EXPECT_TRUE(sent.compare(0, slow_got.size(), slow_got) == 0);

  // Every frame reached the good client; the slow one's count is partial.
  EXPECT_GE(hub_->frames_delivered.load(), static_cast<std::uint64_t>(id));
  EXPECT_LT(hub_->frames_delivered.load(), static_cast<std::uint64_t>(2 * id));
  EXPECT_GE(hub_->bytes_delivered.load(), sent.size());
  EXPECT_LT(hub_->bytes_delivered.load(), 2 * sent.size());
}

TEST_F(StreamWriter, QueuedBytesLimitDropsASlowClient) {
  // Frames of about 1.5 KiB: the byte limit is reached long before the
  // frame count.
  make_hub({1000, 4096});
  auto& slow = connect({}, 1, 1);
  slow.writer->go_live(0);
  std::int64_t id = 0;
  while (!slow.writer->closed() && id < 2000) {
    deliver(event_frame(++id, event_type::new_board, 1, 1500));
    io_.poll();
  }
  EXPECT_TRUE(slow.writer->closed()) << "still open after " << id;
  EXPECT_EQ(hub_->slow_dropped.load(), 1u);
}

TEST_F(StreamWriter, ClientThatLeftIsClosedOthersUnaffected) {
  auto& gone = connect();
  auto& stay = connect();
  gone.writer->go_live(0);
  stay.writer->go_live(0);
  gone.socket.close();
  std::vector<frame_ptr> sent;
  for (std::int64_t id = 1; id <= 200 && !gone.writer->closed(); ++id) {
    sent.push_back(event_frame(id, event_type::new_board, 1));
    deliver(sent.back());
    io_.poll();
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(gone.writer->closed());
  // Gone is not slow.
  EXPECT_EQ(hub_->slow_dropped.load(), 0u);
  const auto end = comment_frame("end");
  deliver(end);
  expect_exactly(stay, sent, end);
}

TEST_F(StreamWriter, ClosedWriterSendsNothingMore) {
  auto& c = connect();
  c.writer->go_live(0);
  c.writer->close();
  c.writer->close(); // twice is harmless
  deliver(event_frame(1, event_type::new_board, 1));
  auto [got, ended] = read_to_end(c);
  EXPECT_EQ(got, "");
  EXPECT_TRUE(ended);
  EXPECT_EQ(hub_->frames_delivered.load(), 0u);
}

TEST_F(StreamWriter, ABatchLargerThanOneGatherStillArrivesWhole) {
  auto& c = connect();
  c.writer->go_live(0);
  std::vector<frame_ptr> batch;
  std::vector<frame_ptr> expected;
  for (std::int64_t id = 1; id <= 200; ++id) {
    batch.push_back(event_frame(id, event_type::new_board, 1));
    expected.push_back(batch.back());
  }
  const auto end = comment_frame("end");
  batch.push_back(end);
  c.writer->push(batch);
  expect_exactly(c, expected, end);
}

} // namespace
} // namespace dots::http::test
