#include "domain/sse.hpp"
#include "http/stream_hub.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <poll.h>
#include <string>
#include <thread>
#include <vector>

// The per-shard broadcast over real loopback sockets: the hub and its
// streams on one io_context driven by the test thread, plain non-blocking
// client sockets on the other end.

namespace dots::http {
namespace {

using namespace std::chrono_literals;
using domain::event_type;
using domain::frame;
using domain::frame_ptr;

frame_ptr event_frame(std::int64_t id, event_type type, std::int64_t board,
                      std::size_t pad = 0) {
  const auto data = R"({"board_id":)" + std::to_string(board) + R"(,"pad":")" +
                    std::string(pad, 'x') + "\"}";
  return std::make_shared<const frame>(
      frame{id, type, board,
            domain::encode_sse_event(id, domain::event_name(type), data)});
}

frame_ptr comment_frame(const std::string& text) {
  return std::make_shared<const frame>(
      frame{0, std::nullopt, 0, domain::encode_sse_comment(text)});
}

std::string bytes_of(const std::vector<frame_ptr>& frames) {
  std::string out;
  for (const auto& f : frames)
    out += f->bytes;
  return out;
}

// -- stream_filter: a pure function
// ---------------------------------------------

TEST(StreamFilter, TypesAndBoard) {
  stream_filter all;
  stream_filter paths{1u << static_cast<unsigned>(event_type::new_path), 0};
  stream_filter board7{~0u, 7};
  const auto new_path_7 = event_frame(1, event_type::new_path, 7);
  const auto new_board_8 = event_frame(2, event_type::new_board, 8);
  EXPECT_TRUE(all.passes(*new_path_7));
  EXPECT_TRUE(all.passes(*new_board_8));
  EXPECT_TRUE(paths.passes(*new_path_7));
  EXPECT_FALSE(paths.passes(*new_board_8));
  EXPECT_TRUE(board7.passes(*new_path_7));
  EXPECT_FALSE(board7.passes(*new_board_8));
}

TEST(StreamFilter, CommentsPassEveryFilter) {
  const auto ka = comment_frame("keep-alive");
  EXPECT_TRUE((stream_filter{0u, 0}).passes(*ka));
  EXPECT_TRUE((stream_filter{0u, 12345}).passes(*ka));
}

// -- the hub over sockets
// ---------------------------------------------------------

class StreamHub : public ::testing::Test {
protected:
  struct client {
    tcp::socket socket;
    std::shared_ptr<sse_stream> stream;
  };

  void SetUp() override { make_hub({}); }

  void TearDown() override {
    for (auto& c : clients_) {
      c->stream->close();
      hub_->remove(c->stream.get());
    }
    // Lets aborted writes finish while everything they touch is alive.
    io_.poll();
  }

  void make_hub(stream_limits limits) {
    hub_ = std::make_shared<stream_hub>(io_, limits);
  }

  /// A connected client and its server-side stream, registered with the
  /// hub but not live yet. Buffer sizes of 0 keep the system's.
  client& connect(stream_filter filter = {}, int client_rcvbuf = 0,
                  int server_sndbuf = 0) {
    tcp::socket c{io_};
    c.open(tcp::v4());
    // Before connecting, so that the advertised window is small from the
    // start.
    if (client_rcvbuf != 0)
      c.set_option(net::socket_base::receive_buffer_size(client_rcvbuf));
    c.connect(acceptor_.local_endpoint());
    tcp::socket s = acceptor_.accept();
    if (server_sndbuf != 0)
      s.set_option(net::socket_base::send_buffer_size(server_sndbuf));
    c.non_blocking(true);
    auto stream = std::make_shared<sse_stream>(std::move(s), filter, *hub_);
    hub_->add(stream.get());
    clients_.push_back(
        std::make_unique<client>(client{std::move(c), std::move(stream)}));
    return *clients_.back();
  }

  /// Whatever `c` can read right now (after the hub's pending work ran).
  std::string drain(client& c) {
    io_.poll();
    std::string out;
    char buf[65536];
    while (true) {
      boost::system::error_code ec;
      auto n = c.socket.read_some(net::buffer(buf), ec);
      if (ec)
        break;
      out.append(buf, n);
    }
    return out;
  }

  /// Reads until `n` bytes came, the connection ended or 5 s passed, running
  /// the hub's io_context meanwhile so that its pending writes go on.
  std::string read_bytes(client& c, std::size_t n) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    char buf[65536];
    while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
      io_.poll();
      boost::system::error_code ec;
      auto got = c.socket.read_some(
          net::buffer(buf, std::min(sizeof buf, n - out.size())), ec);
      if (!ec) {
        out.append(buf, got);
        continue;
      }
      if (ec != net::error::would_block && ec != net::error::try_again)
        break;
      pollfd p{c.socket.native_handle(), POLLIN, 0};
      ::poll(&p, 1, 2);
    }
    return out;
  }

  /// Reads until the server ends the connection (true) or 5 s passed.
  std::pair<std::string, bool> read_to_end(client& c) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    char buf[65536];
    while (std::chrono::steady_clock::now() < deadline) {
      io_.poll();
      boost::system::error_code ec;
      auto got = c.socket.read_some(net::buffer(buf), ec);
      if (!ec) {
        out.append(buf, got);
        continue;
      }
      if (ec != net::error::would_block && ec != net::error::try_again)
        return {out, true};
      pollfd p{c.socket.native_handle(), POLLIN, 0};
      ::poll(&p, 1, 2);
    }
    return {out, false};
  }

  /// Checks that `c` receives exactly `expected` and then `end_marker` (a
  /// comment every stream passes, delivered last): nothing more, nothing
  /// less, in this order.
  void expect_exactly(client& c, const std::vector<frame_ptr>& expected,
                      const frame_ptr& end_marker) {
    const auto want = bytes_of(expected) + end_marker->bytes;
    EXPECT_EQ(read_bytes(c, want.size()), want);
  }

  net::io_context io_;
  // poll() on an io_context without work stops it for good; the hub's
  // io_context never runs out of work in the server either.
  net::executor_work_guard<net::io_context::executor_type> work_ =
      net::make_work_guard(io_);
  tcp::acceptor acceptor_{io_, {net::ip::make_address("127.0.0.1"), 0}};
  std::shared_ptr<stream_hub> hub_;
  std::vector<std::unique_ptr<client>> clients_;
};

TEST_F(StreamHub, EveryStreamGetsTheExactFrameBytes) {
  auto& a = connect();
  auto& b = connect();
  auto& c = connect();
  for (auto* x : {&a, &b, &c})
    x->stream->go_live(0);
  const std::vector<frame_ptr> frames{
      event_frame(1, event_type::new_board, 1),
      event_frame(2, event_type::new_path, 1, 5000),
      event_frame(3, event_type::board_deleted, 2),
  };
  for (const auto& f : frames)
    hub_->deliver(f);
  const auto want = bytes_of(frames);
  for (auto* x : {&a, &b, &c}) {
    EXPECT_EQ(read_bytes(*x, want.size()), want);
    EXPECT_FALSE(x->stream->closed());
    EXPECT_EQ(x->stream->last_id(), 3);
  }
  EXPECT_EQ(hub_->frames_delivered.load(), 9u);
  EXPECT_EQ(hub_->bytes_delivered.load(), 3 * want.size());
  EXPECT_EQ(hub_->slow_dropped.load(), 0u);
}

TEST_F(StreamHub, FiltersByTypeAndBoard) {
  auto& boards_only =
      connect({1u << static_cast<unsigned>(event_type::new_board), 0});
  auto& board7 = connect({~0u, 7});
  auto& updates_of_7 =
      connect({1u << static_cast<unsigned>(event_type::board_updated), 7});
  auto& everything = connect();
  for (auto& c : clients_)
    c->stream->go_live(0);
  const auto f1 = event_frame(1, event_type::new_board, 7);
  const auto f2 = event_frame(2, event_type::new_path, 8);
  const auto f3 = event_frame(3, event_type::board_updated, 7);
  const auto ka = comment_frame("keep-alive");
  const auto f4 = event_frame(4, event_type::new_board, 9);
  const auto f5 = event_frame(5, event_type::board_updated, 8);
  const auto end = comment_frame("end");
  for (const auto& f : {f1, f2, f3, ka, f4, f5, end})
    hub_->deliver(f);
  expect_exactly(boards_only, {f1, ka, f4}, end);
  expect_exactly(board7, {f1, f3, ka}, end);
  expect_exactly(updates_of_7, {f3, ka}, end);
  expect_exactly(everything, {f1, f2, f3, ka, f4, f5}, end);
  // Filtered-out frames are not counted as delivered (+1: the end marker).
  EXPECT_EQ(hub_->frames_delivered.load(),
            (3u + 1) + (3 + 1) + (2 + 1) + (6 + 1));
}

TEST_F(StreamHub, KeepAliveReachesAStreamThatFiltersEverythingElse) {
  auto& none = connect({0u, 0});
  none.stream->go_live(0);
  const auto ka = comment_frame("keep-alive");
  hub_->deliver(event_frame(1, event_type::new_board, 1));
  hub_->deliver(ka);
  EXPECT_EQ(read_bytes(none, ka->bytes.size()), ka->bytes);
  EXPECT_EQ(ka->bytes, ": keep-alive\n\n");
}

TEST_F(StreamHub, NoEventIsSentTwice) {
  auto& c = connect();
  c.stream->go_live(0);
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto f2 = event_frame(2, event_type::new_board, 1);
  const auto f3 = event_frame(3, event_type::new_board, 1);
  const auto ka = comment_frame("keep-alive");
  const auto end = comment_frame("end");
  // Repeats and stale ids are skipped; comments carry no id and all pass.
  for (const auto& f : {f1, f2, f2, f1, ka, ka, f3, f2, end})
    hub_->deliver(f);
  expect_exactly(c, {f1, f2, ka, ka, f3}, end);
  EXPECT_EQ(c.stream->last_id(), 3);
  EXPECT_EQ(hub_->frames_delivered.load(), 6u);
}

TEST_F(StreamHub, HeldUntilLiveThenReplayedIdsAreDropped) {
  auto& c = connect();
  const auto f3 = event_frame(3, event_type::new_board, 1);
  const auto f4 = event_frame(4, event_type::new_path, 1);
  const auto ka = comment_frame("keep-alive");
  const auto f5 = event_frame(5, event_type::board_updated, 1);
  const auto f6 = event_frame(6, event_type::path_updated, 1);
  const auto f7 = event_frame(7, event_type::board_deleted, 1);
  const auto end = comment_frame("end");
  for (const auto& f : {f3, f4, ka, f5, f6})
    hub_->deliver(f);
  // Nothing goes out while the replay is being written.
  EXPECT_EQ(drain(c), "");
  EXPECT_EQ(hub_->frames_delivered.load(), 0u);
  // The replay ended at 4: 3 and 4 were in it; the rest follow in order.
  c.stream->go_live(4);
  for (const auto& f : {f5, f7, end})
    hub_->deliver(f);
  expect_exactly(c, {ka, f5, f6, f7}, end);
  EXPECT_EQ(c.stream->last_id(), 7);
  EXPECT_FALSE(c.stream->closed());
}

TEST_F(StreamHub, ReplayPastEveryHeldFrameSendsNoneOfThem) {
  auto& c = connect();
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto f2 = event_frame(2, event_type::new_board, 1);
  const auto f3 = event_frame(3, event_type::new_board, 1);
  const auto end = comment_frame("end");
  hub_->deliver(f1);
  hub_->deliver(f2);
  c.stream->go_live(10);
  hub_->deliver(f3);
  hub_->deliver(end);
  expect_exactly(c, {}, end);
  EXPECT_EQ(c.stream->last_id(), 10);
}

TEST_F(StreamHub, HeldFramesGoOutWhenNothingWasReplayed) {
  auto& c = connect();
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto f2 = event_frame(2, event_type::new_path, 1);
  const auto end = comment_frame("end");
  hub_->deliver(f1);
  hub_->deliver(f2);
  c.stream->go_live(0);
  hub_->deliver(end);
  expect_exactly(c, {f1, f2}, end);
}

TEST_F(StreamHub, TooManyHeldFramesDropTheStream) {
  make_hub({4, 1 << 20});
  auto& c = connect();
  for (std::int64_t id = 1; id <= 4; ++id)
    hub_->deliver(event_frame(id, event_type::new_board, 1));
  EXPECT_FALSE(c.stream->closed());
  hub_->deliver(event_frame(5, event_type::new_board, 1));
  EXPECT_TRUE(c.stream->closed());
  EXPECT_EQ(hub_->slow_dropped.load(), 1u);
  auto [got, ended] = read_to_end(c);
  EXPECT_EQ(got, "");
  EXPECT_TRUE(ended);
}

TEST_F(StreamHub, SlowClientIsDroppedWhileOthersGetEverything) {
  make_hub({4, 4096});
  auto& good = connect();
  // Never reads, with the smallest buffers either end allows: the socket
  // fills after a few frames.
  auto& slow = connect({}, 1, 1);
  good.stream->go_live(0);
  slow.stream->go_live(0);

  std::string sent;
  std::string good_got;
  std::int64_t id = 0;
  while (!slow.stream->closed() && id < 2000) {
    auto f = event_frame(++id, event_type::new_board, 1, 900);
    sent += f->bytes;
    hub_->deliver(f);
    good_got += drain(good);
  }
  ASSERT_TRUE(slow.stream->closed()) << "still open after " << id;
  EXPECT_EQ(hub_->slow_dropped.load(), 1u);
  EXPECT_FALSE(good.stream->closed());

  // Life goes on for the others.
  for (int i = 0; i < 10; ++i) {
    auto f = event_frame(++id, event_type::new_board, 1, 900);
    sent += f->bytes;
    hub_->deliver(f);
  }
  good_got += read_bytes(good, sent.size() - good_got.size());
  EXPECT_EQ(good_got.size(), sent.size());
  EXPECT_TRUE(good_got == sent) << "the good client's bytes differ";
  EXPECT_FALSE(good.stream->closed());
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

TEST_F(StreamHub, QueuedBytesLimitDropsASlowClient) {
  // Frames of about 1.5 KiB: the byte limit is reached long before the
  // frame count.
  make_hub({1000, 4096});
  auto& slow = connect({}, 1, 1);
  slow.stream->go_live(0);
  std::int64_t id = 0;
  while (!slow.stream->closed() && id < 2000) {
    hub_->deliver(event_frame(++id, event_type::new_board, 1, 1500));
    io_.poll();
  }
  EXPECT_TRUE(slow.stream->closed()) << "still open after " << id;
  EXPECT_EQ(hub_->slow_dropped.load(), 1u);
}

TEST_F(StreamHub, PublishPostsToTheShard) {
  auto& c = connect();
  c.stream->go_live(0);
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

TEST_F(StreamHub, RemovedStreamGetsNothing) {
  auto& gone = connect();
  auto& stay = connect();
  gone.stream->go_live(0);
  stay.stream->go_live(0);
  hub_->remove(gone.stream.get());
  hub_->remove(gone.stream.get()); // twice is harmless
  const auto f = event_frame(1, event_type::new_board, 1);
  const auto end = comment_frame("end");
  hub_->deliver(f);
  hub_->deliver(end);
  expect_exactly(stay, {f}, end);
  EXPECT_EQ(drain(gone), "");
}

TEST_F(StreamHub, RemovingInAnyOrderKeepsTheOthers) {
  std::vector<client*> cs;
  for (int i = 0; i < 5; ++i) {
    cs.push_back(&connect());
    cs.back()->stream->go_live(0);
  }
  // The first, one in the middle, the last, and one twice.
  hub_->remove(cs[1]->stream.get());
  hub_->remove(cs[0]->stream.get());
  hub_->remove(cs[4]->stream.get());
  hub_->remove(cs[1]->stream.get());
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto end1 = comment_frame("end 1");
  hub_->deliver(f1);
  hub_->deliver(end1);
  expect_exactly(*cs[2], {f1}, end1);
  expect_exactly(*cs[3], {f1}, end1);
  // The stream that moved to fill a gap can still be removed.
  hub_->remove(cs[3]->stream.get());
  const auto f2 = event_frame(2, event_type::new_board, 1);
  const auto end2 = comment_frame("end 2");
  hub_->deliver(f2);
  hub_->deliver(end2);
  expect_exactly(*cs[2], {f2}, end2);
  for (int i : {0, 1, 3, 4})
    EXPECT_EQ(drain(*cs[i]), "") << i;
}

TEST_F(StreamHub, ClientThatLeftIsClosedOthersUnaffected) {
  auto& gone = connect();
  auto& stay = connect();
  gone.stream->go_live(0);
  stay.stream->go_live(0);
  gone.socket.close();
  std::vector<frame_ptr> sent;
  for (std::int64_t id = 1; id <= 200 && !gone.stream->closed(); ++id) {
    sent.push_back(event_frame(id, event_type::new_board, 1));
    hub_->deliver(sent.back());
    io_.poll();
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(gone.stream->closed());
  // Gone is not slow.
  EXPECT_EQ(hub_->slow_dropped.load(), 0u);
  const auto end = comment_frame("end");
  hub_->deliver(end);
  expect_exactly(stay, sent, end);
}

TEST_F(StreamHub, CloseAllEndsEveryStream) {
  auto& a = connect();
  auto& b = connect();
  a.stream->go_live(0);
  hub_->close_all();
  EXPECT_TRUE(a.stream->closed());
  EXPECT_TRUE(b.stream->closed());
  hub_->deliver(event_frame(1, event_type::new_board, 1));
  for (auto* c : {&a, &b}) {
    auto [got, ended] = read_to_end(*c);
    EXPECT_EQ(got, "");
    EXPECT_TRUE(ended);
  }
  EXPECT_EQ(hub_->frames_delivered.load(), 0u);
}

TEST_F(StreamHub, ABatchReachesEveryStreamInOrderAndCountsEachFrame) {
  auto& a = connect();
  auto& b = connect(
      stream_filter{1u << static_cast<unsigned>(event_type::new_path), 0});
  a.stream->go_live(0);
  b.stream->go_live(0);
  const auto f1 = event_frame(1, event_type::new_board, 1);
  const auto f2 = event_frame(2, event_type::new_path, 1);
  const auto f3 = event_frame(3, event_type::new_board, 2);
  const auto end = comment_frame("end");
  // As the shard's drain hands over several frames published meanwhile.
  const std::vector<frame_ptr> batch{f1, f2, f3, end};
  hub_->deliver(std::span<const frame_ptr>{batch});
  expect_exactly(a, {f1, f2, f3}, end);
  expect_exactly(b, {f2}, end);
  // a: 3 events + end; b: 1 event + end.
  EXPECT_EQ(hub_->frames_delivered.load(), 6u);
}

TEST_F(StreamHub, ABatchLargerThanOneGatherStillArrivesWhole) {
  auto& c = connect();
  c.stream->go_live(0);
  std::vector<frame_ptr> batch;
  std::vector<frame_ptr> expected;
  for (std::int64_t id = 1; id <= 200; ++id) {
    batch.push_back(event_frame(id, event_type::new_board, 1));
    expected.push_back(batch.back());
  }
  const auto end = comment_frame("end");
  batch.push_back(end);
  hub_->deliver(std::span<const frame_ptr>{batch});
  expect_exactly(c, expected, end);
}

} // namespace
} // namespace dots::http
