#include "http/loopback_streams.hpp"
#include "http/stream_writer.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <vector>

// One writer over a real loopback socket: what it sends, in which order,
// when it holds and when it gives up on a slow client.

namespace dots::http::test {
namespace {

using StreamWriter = loopback_streams;
using namespace std::chrono_literals;

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
  // Before a comment (a keep-alive; here also the end marker), a stream
  // that skipped events since its last `id:` gets a bare one: its resume
  // point moves past what it filtered out.
  expect_exactly(boards_only,
                 {f1, position_frame(3), ka, f4, position_frame(5)}, end);
  expect_exactly(board7, {f1, f3, ka, position_frame(5)}, end);
  expect_exactly(updates_of_7, {f3, ka, position_frame(5)}, end);
  expect_exactly(everything, {f1, f2, f3, ka, f4, f5}, end);
  // Filtered-out frames are not counted as delivered; the bare ids are
  // (+1: the end marker).
  EXPECT_EQ(hub_->frames_delivered.load(),
            (5u + 1) + (4 + 1) + (3 + 1) + (6 + 1));
}

TEST_F(StreamWriter, KeepAliveReachesAStreamThatFiltersEverythingElse) {
  auto& none = connect({0u, 0});
  none.writer->go_live(0);
  const auto ka = comment_frame("keep-alive");
  deliver(event_frame(1, event_type::new_board, 1));
  deliver(ka);
  EXPECT_EQ(read_bytes(none, 7 + ka->bytes.size()), "id: 1\n\n" + ka->bytes);
  EXPECT_EQ(ka->bytes, ": keep-alive\n\n");
}

TEST_F(StreamWriter, ABareIdMovesTheResumePointOncePerKeepAliveAfterSkips) {
  // api.md, "Live notifications": a filtered stream's resume point keeps
  // moving while the events it skips go by.
  auto& board7 = connect({~0u, 7});
  board7.writer->note_client_id(10);
  board7.writer->go_live(10);
  const auto ka = comment_frame("keep-alive");
  // Nothing skipped yet: a plain keep-alive.
  deliver(ka);
  // Skipped events 11-25 (other boards), then two keep-alives: one bare id
  // with the newest skipped, then nothing new to say.
  for (std::int64_t id = 11; id <= 25; ++id)
    deliver(event_frame(id, event_type::new_board, 8));
  deliver(ka);
  deliver(ka);
  // An event it takes carries its own id; nothing skipped after it.
  const auto mine = event_frame(26, event_type::new_path, 7);
  deliver(mine);
  deliver(ka);
  const auto end = comment_frame("end");
  deliver(end);
  expect_exactly(board7, {ka, position_frame(25), ka, ka, mine, ka}, end);
}

TEST_F(StreamWriter, NoBareIdWhileTheReplayIsStillBeingWritten) {
  // Held (replaying), live frames it filters out do not move anything: the
  // replay decides what the client has seen until go_live().
  auto& board7 = connect({~0u, 7});
  board7.writer->note_client_id(3);
  const auto ka = comment_frame("keep-alive");
  deliver(event_frame(4, event_type::new_board, 8));
  deliver(ka);
  // The replay covered up to 4 (event 4 filtered out): once live, the
  // first keep-alive, the one held during the replay, moves the client to 4.
  board7.writer->go_live(4);
  deliver(ka);
  const auto end = comment_frame("end");
  deliver(end);
  expect_exactly(board7, {position_frame(4), ka, ka}, end);
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
  // The replay ended at 4: 3 and 4 were in it (so the client holds id 4);
  // the rest follow in order.
  c.writer->note_client_id(4);
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

TEST_F(StreamWriter, HeldFramesPastTheBoundAreLetGoAndReportedMissed) {
  // A stream still replaying while many events arrive: the held frames are
  // let go (the replay reads them from the log) rather than the stream.
  make_hub({4, 1 << 20});
  auto& c = connect();
  for (std::int64_t id = 1; id <= 5; ++id)
    deliver(event_frame(id, event_type::new_board, 1));
  EXPECT_FALSE(c.writer->closed());
  EXPECT_EQ(hub_->slow_dropped.load(), 0u);
  EXPECT_TRUE(c.writer->take_missed());
  EXPECT_FALSE(c.writer->take_missed()) << "reported once";
  // What arrives after the overflow is held as usual.
  const auto f6 = event_frame(6, event_type::new_board, 1);
  deliver(f6);
  const auto f5 = event_frame(5, event_type::new_board, 1);
  c.writer->replay(std::span<const frame_ptr>{&f5, 1});
  c.writer->go_live(5);
  const auto end = comment_frame("end");
  deliver(end);
  expect_exactly(c, {f5, f6}, end);
}

TEST_F(StreamWriter, TheKernelSendQueueCountsAgainstTheByteBound) {
  // 64 KiB pending at most, the kernel's send queue included: a client that
  // never reads gets no more than that (plus what its own receive buffer
  // took) before it is dropped, although the kernel alone would take more.
  constexpr std::size_t bound = 64 * 1024;
  make_hub({100000, bound});
  auto& slow = connect({}, 4096);
  slow.writer->go_live(0);
  std::int64_t id = 0;
  while (!slow.writer->closed() && id < 10000) {
    deliver(event_frame(++id, event_type::new_board, 1, 1000));
    io_.poll();
  }
  ASSERT_TRUE(slow.writer->closed()) << "still open after " << id;
  EXPECT_EQ(hub_->slow_dropped.load(), 1u);
  int rcvbuf = 0;
  socklen_t len = sizeof rcvbuf;
  ::getsockopt(slow.socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
               &len);
  EXPECT_LE(hub_->bytes_delivered.load(),
            bound + static_cast<std::size_t>(rcvbuf));
}

TEST_F(StreamWriter, AStalledClientIsDroppedAfterTheWriteTimeout) {
  make_hub({256, 64 * 1024, 200ms});
  hub_->start_stall_checks();
  auto& stalled = connect({}, 4096);
  auto& reader = connect();
  stalled.writer->go_live(0);
  reader.writer->go_live(0);
  // Frames until the stalled client's socket is full and a write waits.
  std::int64_t id = 0;
  std::string sent;
  while (stalled.writer->drained() && id < 1000) {
    auto f = event_frame(++id, event_type::new_board, 1, 1000);
    sent += f->bytes;
    deliver(f);
  }
  ASSERT_FALSE(stalled.writer->drained());
  ASSERT_FALSE(stalled.writer->closed());
  // The reader keeps reading for several timeouts; the stalled one does not.
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!stalled.writer->closed() &&
         std::chrono::steady_clock::now() < deadline) {
    io_.run_for(20ms);
    got += drain(reader);
  }
  EXPECT_TRUE(stalled.writer->closed());
  EXPECT_EQ(hub_->stalled_dropped.load(), 1u);
  EXPECT_EQ(hub_->slow_dropped.load(), 0u);
  got += read_bytes(reader, sent.size() - got.size());
  EXPECT_TRUE(got == sent) << got.size() << " of " << sent.size();
  EXPECT_FALSE(reader.writer->closed());
}

TEST_F(StreamWriter, BytesOnlyInTheKernelAlsoTimeOut) {
  // The socket took every frame (nothing queued here), but the client's
  // window is full, so the kernel still holds some: that is pending too.
  make_hub({256, 256 * 1024, 200ms});
  hub_->start_stall_checks();
  auto& stalled = connect({}, 4096);
  stalled.writer->go_live(0);
  for (std::int64_t id = 1; id <= 16; ++id)
    deliver(event_frame(id, event_type::new_board, 1, 1000));
  ASSERT_TRUE(stalled.writer->drained()) << "the kernel took it all";
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!stalled.writer->closed() &&
         std::chrono::steady_clock::now() < deadline)
    io_.run_for(20ms);
  EXPECT_TRUE(stalled.writer->closed());
  EXPECT_EQ(hub_->stalled_dropped.load(), 1u);
}

TEST_F(StreamWriter, AnIdleClientThatReadEverythingIsNotTimedOut) {
  make_hub({256, 64 * 1024, 100ms});
  hub_->start_stall_checks();
  auto& c = connect();
  c.writer->go_live(0);
  const auto f = event_frame(1, event_type::new_board, 1);
  deliver(f);
  EXPECT_EQ(read_bytes(c, f->bytes.size()), f->bytes);
  // Ten timeouts with nothing pending.
  io_.run_for(1s);
  EXPECT_FALSE(c.writer->closed());
  EXPECT_EQ(hub_->stalled_dropped.load(), 0u);
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
