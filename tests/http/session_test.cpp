#include "http/session.hpp"
#include "support/temp_dir.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <chrono>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <thread>

// run_session over a real loopback socket: what a client sees of reading,
// limits, keep-alive and HEAD. Only endpoints that need no actor are asked
// (the handlers behind the others are tested in api_test).

namespace dots::http {
namespace {

using namespace std::chrono_literals;

class Session : public ::testing::Test {
protected:
  Session() {
    ctx_.limits.max_body_bytes = 1024;
    ctx_.limits.max_header_bytes = 1024;
    ctx_.ready = true;
    net::co_spawn(home_.io(), accept_all(), net::detached);
    home_.start();
  }

  ~Session() override {
    net::post(home_.io(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      home_.close_idle();
    });
    // Sessions end before their shard goes: they hold a place in it.
    for (int i = 0; i < 500 && home_.sessions.load() > 0; ++i)
      std::this_thread::sleep_for(10ms);
    EXPECT_EQ(home_.sessions.load(), 0u);
    home_.stop();
    home_.join();
  }

  net::awaitable<void> accept_all() {
    for (;;) {
      auto [ec, socket] =
          co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
      if (ec)
        co_return;
      net::co_spawn(home_.io(), run_session(ctx_, home_, std::move(socket)),
                    net::detached);
    }
  }

  /// A client connection on the test's thread.
  tcp::socket connect() {
    tcp::socket s{client_io_};
    s.connect(acceptor_.local_endpoint());
    return s;
  }

  static void send(tcp::socket& s, const std::string& bytes) {
    net::write(s, net::buffer(bytes));
  }

  /// Reads one response; `head`: the answer to a HEAD (no body follows).
  bhttp::response<bhttp::string_body> read(tcp::socket& s, bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    beast::error_code ec;
    bhttp::read(s, buffer_, parser, ec);
    EXPECT_FALSE(ec) << ec.message();
    return parser.release();
  }

  /// True when the server closed the connection (nothing more to read).
  bool closed_by_server(tcp::socket& s) {
    char c;
    beast::error_code ec;
    if (buffer_.size() > 0)
      return false;
    s.read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

  static std::string get(const std::string& target,
                         const std::string& method = "GET") {
    return method + " " + target + " HTTP/1.1\r\nHost: dots.test\r\n\r\n";
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
  app_context ctx_{sys_, {}, {}, {}, {}, std::make_shared<server_metrics>()};
  shard home_;
  tcp::acceptor acceptor_{home_.io(), {net::ip::address_v4::loopback(), 0}};
  net::io_context client_io_;
  beast::flat_buffer buffer_;
};

TEST_F(Session, KeepAliveServesSeveralRequests) {
  auto s = connect();
  for (int i = 0; i < 3; ++i) {
    send(s, get("/healthz"));
    auto res = read(s);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), R"({"status":"ok"})");
    EXPECT_TRUE(res.keep_alive());
  }
  // Two requests in one write are answered in order.
  send(s, get("/healthz") + get("/nope-at-all", "DELETE"));
  EXPECT_EQ(read(s).result_int(), 200);
  EXPECT_EQ(read(s).result_int(), 405);
}

TEST_F(Session, ConnectionCloseIsHonoured) {
  auto s = connect();
  send(s, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto res = read(s);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(closed_by_server(s));
}

TEST_F(Session, HeadHasGetsHeadersButNoBody) {
  auto s = connect();
  send(s, get("/healthz"));
  auto full = read(s);
  send(s, get("/healthz", "HEAD"));
  auto head = read(s, true);
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[bhttp::field::content_type], "application/json");
  EXPECT_EQ(head[bhttp::field::content_length],
            std::to_string(full.body().size()));
  EXPECT_TRUE(head.body().empty());
  // Nothing but the head was sent: the next answer is read cleanly.
  send(s, get("/healthz"));
  EXPECT_EQ(read(s).body(), full.body());
}

TEST_F(Session, HeadOnTheStreamIsItsHeadAndKeepsTheConnection) {
  auto s = connect();
  send(s, get("/sse/notifications/?events=newBoard", "HEAD"));
  auto head = read(s, true);
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[bhttp::field::content_type], "text/event-stream");
  EXPECT_EQ(head[bhttp::field::cache_control], "no-cache");
  // Close-delimited like the stream itself: no length.
  EXPECT_EQ(head.count(bhttp::field::content_length), 0u);
  EXPECT_TRUE(head.body().empty());
  send(s, get("/healthz"));
  EXPECT_EQ(read(s).result_int(), 200);
}

TEST_F(Session, MethodNotAllowedCarriesAllow) {
  auto s = connect();
  send(s, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  auto res = read(s);
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[bhttp::field::allow], "GET, HEAD");
  EXPECT_NE(res.body().find(R"("code":"method_not_allowed")"),
            std::string::npos)
      << res.body();
  EXPECT_TRUE(res.keep_alive());
}

TEST_F(Session, UnknownPathIs404) {
  auto s = connect();
  send(s, get("/api/nope"));
  auto res = read(s);
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_NE(res.body().find(R"("code":"not_found")"), std::string::npos);
}

TEST_F(Session, MalformedQueryIs400) {
  auto s = connect();
  send(s, get("/healthz?x=%zz"));
  auto res = read(s);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(res.body().find(R"("code":"invalid_query")"), std::string::npos);
}

TEST_F(Session, BodyOverTheLimitIs413AndCloses) {
  auto s = connect();
  const std::string body(2048, 'x');
  send(s, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
          "application/json\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body);
  auto res = read(s);
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_NE(res.body().find(R"("code":"payload_too_large")"),
            std::string::npos);
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(Session, HeaderOverTheLimitIs431) {
  auto s = connect();
  send(s, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
              std::string(2048, 'h') + "\r\n\r\n");
  auto res = read(s);
  EXPECT_EQ(res.result_int(), 431);
  EXPECT_NE(res.body().find(R"("code":"header_too_large")"), std::string::npos);
  EXPECT_FALSE(res.keep_alive());
}

TEST_F(Session, GarbageIs400AndCloses) {
  auto s = connect();
  send(s, "GARBAGE\r\n\r\n");
  auto res = read(s);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(res.body().find(R"("code":"bad_request")"), std::string::npos);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(closed_by_server(s));
}

TEST_F(Session, ResponsesAreCounted) {
  auto s = connect();
  send(s, get("/healthz"));
  read(s);
  send(s, get("/api/nope"));
  read(s);
  EXPECT_EQ(ctx_.metrics->responses_by_status[200].load(), 1u);
  EXPECT_EQ(ctx_.metrics->responses_by_status[404].load(), 1u);
}

TEST_F(Session, FilesAreSentWholeAndHeadSendsOnlyTheirHead) {
  test::temp_dir web;
  const std::string page =
      "<!doctype html><p>" + std::string(5000, 'd') + "</p>";
  std::ofstream{web.path() / "index.html", std::ios::binary} << page;
  ctx_.web_dir = web.path();
  auto s = connect();
  send(s, get("/"));
  auto res = read(s);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(res.body(), page);
  send(s, get("/", "HEAD"));
  auto head = read(s, true);
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[bhttp::field::content_length], std::to_string(page.size()));
  EXPECT_TRUE(head.body().empty());
  send(s, get("/missing.js"));
  EXPECT_EQ(read(s).result_int(), 404);
}

TEST_F(Session, DrainingClosesAfterTheResponse) {
  auto s = connect();
  ctx_.draining = true;
  send(s, get("/healthz"));
  auto res = read(s);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(closed_by_server(s));
}

} // namespace
} // namespace dots::http
