#pragma once

#include "domain/sse.hpp"
#include "http/stream_hub.hpp"
#include "http/stream_writer.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <poll.h>
#include <string>
#include <utility>
#include <vector>

// Shared by the writer and hub tests: one hub and its writers on an
// io_context driven by the test thread, over real loopback sockets whose
// client ends are plain non-blocking sockets read by the test.

namespace dots::http::test {

using namespace std::chrono_literals;
using domain::event_type;
using domain::frame;
using domain::frame_ptr;

/// The frame of event `id`, as the notifier encodes it; `pad` bytes of
/// filler make it bigger.
inline frame_ptr event_frame(std::int64_t id, event_type type,
                             std::int64_t board, std::size_t pad = 0) {
  const auto data = R"({"board_id":)" + std::to_string(board) + R"(,"pad":")" +
                    std::string(pad, 'x') + "\"}";
  return std::make_shared<const frame>(
      frame{id, type, board,
            domain::encode_sse_event(id, domain::event_name(type), data)});
}

/// A comment frame (no id, no type), like a keep-alive.
inline frame_ptr comment_frame(const std::string& text) {
  return std::make_shared<const frame>(
      frame{0, std::nullopt, 0, domain::encode_sse_comment(text)});
}

/// The bare `id: <n>` block a filtered stream gets before a keep-alive
/// once it skipped events (stream_writer::push).
inline frame_ptr position_frame(std::int64_t id) {
  return std::make_shared<const frame>(
      frame{id, std::nullopt, 0, domain::encode_sse_id(id)});
}

inline std::string bytes_of(const std::vector<frame_ptr>& frames) {
  std::string out;
  for (const auto& f : frames)
    out += f->bytes;
  return out;
}

class loopback_streams : public ::testing::Test {
protected:
  /// One connection: the client's socket, the server side's writer and
  /// its place in the hub (empty when it did not join).
  struct client {
    tcp::socket socket;
    std::shared_ptr<stream_writer> writer;
    stream_hub::membership member;
  };

  loopback_streams() { make_hub({}); }

  ~loopback_streams() override {
    // Also ends the hub's stall checks, whose timer holds the hub.
    hub_->close_all();
    for (auto& c : clients_)
      c->writer->close();
    // Lets aborted writes finish while everything they touch is alive.
    io_.poll();
  }

  /// Replaces the hub; before any connect().
  void make_hub(stream_limits limits) {
    hub_ = std::make_shared<stream_hub>(io_, limits);
  }

  /// A connected client and its server-side writer, a member of the hub
  /// unless `join` is false, not live yet. Buffer sizes of 0 keep the
  /// system's.
  client& connect(stream_filter filter = {}, int client_rcvbuf = 0,
                  int server_sndbuf = 0, bool join = true) {
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
    auto writer = std::make_shared<stream_writer>(std::move(s), filter, *hub_);
    auto member = join ? hub_->join(*writer) : stream_hub::membership{};
    clients_.push_back(std::make_unique<client>(
        client{std::move(c), std::move(writer), std::move(member)}));
    return *clients_.back();
  }

  /// Hands frames to the hub as one drain of the shard would.
  void deliver(const std::vector<frame_ptr>& frames) {
    hub_->deliver(std::span<const frame_ptr>{frames});
  }
  void deliver(const frame_ptr& f) {
    hub_->deliver(std::span<const frame_ptr>{&f, 1});
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
  // After hub_: the memberships leave it before it goes.
  std::vector<std::unique_ptr<client>> clients_;
};

} // namespace dots::http::test
