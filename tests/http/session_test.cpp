#include "http/app_fixture.hpp"
#include "http/router.hpp"
#include "http/session.hpp"
#include "http/stream_hub.hpp"
#include "support/temp_dir.hpp"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <thread>
#include <vector>

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
  ::dots::test::temp_dir web;
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

// -- every route, over real actors ------------------------------------------
// The route table walked over real sockets, as a client sees it: HEAD
// answers wherever GET does, with GET's status and headers; 405's Allow is
// true; `Expect: 100-continue` gets 100 or the final answer at once.

namespace dots::http {
namespace {

using namespace std::chrono_literals;

class SessionRoutes : public test::app_test {
protected:
  /// `cors`: the server's --cors-origins (default: none).
  explicit SessionRoutes(const std::vector<std::string>& cors = {}) {
    ctx_ = make_app();
    ctx_->limits.max_body_bytes = 4096;
    ctx_->limits.max_header_bytes = 4096;
    ctx_->cors = cors_policy{cors};
    // The stream's GET opens a real stream on this shard.
    home_.hub = std::make_shared<stream_hub>(home_.io(), stream_limits{});
    net::co_spawn(home_.io(), accept_all(), net::detached);
    home_.start();
  }

  ~SessionRoutes() override {
    net::post(home_.io(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      home_.close_idle();
    });
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
      net::co_spawn(home_.io(), run_session(*ctx_, home_, std::move(socket)),
                    net::detached);
    }
  }

  /// A client connection; each has its own read buffer.
  struct client {
    tcp::socket socket;
    beast::flat_buffer buffer;

    void send(const std::string& bytes) {
      net::write(socket, net::buffer(bytes));
    }

    /// Reads one response: a 1xx, or a final one with its body (none
    /// after a HEAD, only the head for `head_only`).
    bhttp::response<bhttp::string_body> read(bool head = false,
                                             bool head_only = false) {
      bhttp::response_parser<bhttp::string_body> parser;
      parser.skip(head);
      beast::error_code ec;
      if (head_only)
        bhttp::read_header(socket, buffer, parser, ec);
      else
        bhttp::read(socket, buffer, parser, ec);
      EXPECT_FALSE(ec) << ec.message();
      return parser.release();
    }

    /// True when the server closed the connection, whatever it sent
    /// before that (read and dropped).
    bool closed_by_server() {
      std::array<char, 4096> sink;
      beast::error_code ec;
      while (!ec)
        socket.read_some(net::buffer(sink), ec);
      return ec == net::error::eof || ec == net::error::connection_reset;
    }
  };

  client connect() {
    tcp::socket s{client_io_};
    s.connect(acceptor_.local_endpoint());
    return client{std::move(s), {}};
  }

  /// A request's bytes: `fields` are whole "Name: value" lines.
  static std::string request_bytes(const std::string& method,
                                   const std::string& target,
                                   const std::string& fields = {},
                                   const std::string& body = {},
                                   const std::string& version = "1.1") {
    std::string out = method + " " + target + " HTTP/" + version +
                      "\r\nHost: dots.test\r\n" + fields;
    if (!body.empty() || method == "POST" || method == "PUT")
      out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return out + "\r\n" + body;
  }

  /// One request on a fresh connection and its answer.
  bhttp::response<bhttp::string_body> roundtrip(const std::string& method,
                                                const std::string& target,
                                                const std::string& fields = {},
                                                const std::string& body = {}) {
    auto c = connect();
    c.send(request_bytes(method, target, fields, body));
    return c.read(method == "HEAD");
  }

  /// Registers and logs in `name`; its token.
  std::string sign_up(const std::string& name) {
    const std::string creds =
        R"({"username":")" + name + R"(","password":"correct horse"})";
    const std::string json = "Content-Type: application/json\r\n";
    EXPECT_EQ(roundtrip("POST", "/api/auth/register", json, creds).result_int(),
              201);
    auto login = roundtrip("POST", "/api/auth/login", json, creds);
    EXPECT_EQ(login.result_int(), 200) << login.body();
    const auto at = login.body().find(R"("token":")");
    if (at == std::string::npos)
      return {};
    const auto from = at + 9;
    return login.body().substr(from, login.body().find('"', from) - from);
  }

  std::unique_ptr<app_context> ctx_;
  shard home_;
  tcp::acceptor acceptor_{home_.io(), {net::ip::address_v4::loopback(), 0}};
  net::io_context client_io_;
};

/// The path a client would use for each pattern of the table.
std::string path_for(std::string_view pattern, std::int64_t board) {
  if (pattern == "/*")
    return "/index.html";
  std::string p{pattern};
  if (auto at = p.find("{id}"); at != std::string::npos)
    p.replace(at, 4, std::to_string(board));
  return p;
}

bool is_stream(std::string_view pattern) {
  return pattern.starts_with("/sse/");
}

TEST_F(SessionRoutes, HeadAnswersLikeGetOnEveryRoute) {
  const auto token = sign_up("alice");
  const std::string auth = "Authorization: Bearer " + token + "\r\n";
  auto made = roundtrip("POST", "/api/boards",
                        auth + "Content-Type: application/json\r\n",
                        R"({"name":"T","rows":5,"cols":5,"dots":[)"
                        R"({"row":0,"col":0,"color":"#ff0000"},)"
                        R"({"row":0,"col":4,"color":"#ff0000"}]})");
  ASSERT_EQ(made.result_int(), 201) << made.body();
  const auto board = std::stoll(std::string{
      made[bhttp::field::location].substr(std::strlen("/api/boards/"))});
  for (const auto& e : route_table()) {
    const auto path = path_for(e.pattern, board);
    SCOPED_TRACE(path);
    auto g = connect();
    g.send(request_bytes("GET", path, auth));
    // A stream's GET never ends: its head is what HEAD must match.
    auto get = g.read(false, is_stream(e.pattern));
    auto head = roundtrip("HEAD", path, auth);
    EXPECT_EQ(head.result_int(), get.result_int());
    EXPECT_TRUE(head.body().empty());
    std::set<std::string> get_fields;
    std::set<std::string> head_fields;
    for (const auto& f : get)
      get_fields.insert(std::string{f.name_string()} + ": " +
                        std::string{f.value()});
    for (const auto& f : head)
      head_fields.insert(std::string{f.name_string()} + ": " +
                         std::string{f.value()});
    if (e.pattern == "/metrics") {
      // Its body counts the responses so far, so its length moves on
      // between the two requests; every other field is the same.
      std::erase_if(get_fields, [](const std::string& f) {
        return f.starts_with("Content-Length:");
      });
      std::erase_if(head_fields, [](const std::string& f) {
        return f.starts_with("Content-Length:");
      });
    }
    EXPECT_EQ(head_fields, get_fields);
  }
}

TEST_F(SessionRoutes, AllowListsExactlyTheMethodsThatAreNot405) {
  const std::vector<std::string> methods{"GET",    "HEAD",  "POST",   "PUT",
                                         "DELETE", "PATCH", "OPTIONS"};
  for (const auto& e : route_table()) {
    // Without credentials: nothing is changed, and every method that the
    // endpoint takes answers something else than 405 (400, 401, 404...).
    const auto path = path_for(e.pattern, 1);
    auto refused = roundtrip("PATCH", path);
    ASSERT_EQ(refused.result_int(), 405) << path;
    const std::string allow{refused[bhttp::field::allow]};
    EXPECT_EQ(allow, allow_of(e)) << path;
    std::set<std::string> allowed;
    for (std::size_t from = 0; from <= allow.size();) {
      const auto comma = allow.find(", ", from);
      allowed.insert(allow.substr(from, comma - from));
      from = comma == std::string::npos ? allow.size() + 1 : comma + 2;
    }
    for (const auto& m : methods) {
      SCOPED_TRACE(path + " " + m);
      const bool listed = allowed.contains(m);
      if (listed && is_stream(e.pattern) && m == "GET")
        continue; // a stream: its head is checked above
      auto res = roundtrip(m, path, "Content-Type: application/json\r\n",
                           m == "POST" || m == "PUT" ? "{}" : "");
      if (listed) {
        EXPECT_NE(res.result_int(), 405);
      } else {
        EXPECT_EQ(res.result_int(), 405);
        EXPECT_EQ(res[bhttp::field::allow], allow);
      }
    }
  }
}

// -- Expect: 100-continue -----------------------------------------------------

TEST_F(SessionRoutes, ExpectContinueGets100ThenTheFinalAnswer) {
  const std::string body = R"({"username":"bob","password":"correct horse"})";
  auto c = connect();
  c.send("POST /api/auth/register HTTP/1.1\r\nHost: dots.test\r\n"
         "Content-Type: application/json\r\nExpect: 100-continue\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n");
  // Only the head was sent: the server answers 100 before reading on.
  auto interim = c.read();
  EXPECT_EQ(interim.result_int(), 100);
  c.send(body);
  auto res = c.read();
  EXPECT_EQ(res.result_int(), 201) << res.body();
  EXPECT_TRUE(res.keep_alive());
  // The connection goes on.
  c.send(request_bytes("GET", "/healthz"));
  EXPECT_EQ(c.read().result_int(), 200);
  // Any case is the same expectation (RFC 9110: a case-insensitive token).
  const std::string again =
      R"({"username":"carol","password":"correct horse"})";
  c.send("POST /api/auth/register HTTP/1.1\r\nHost: dots.test\r\n"
         "Content-Type: application/json\r\nExpect: 100-Continue\r\n"
         "Content-Length: " +
         std::to_string(again.size()) + "\r\n\r\n");
  EXPECT_EQ(c.read().result_int(), 100);
  c.send(again);
  EXPECT_EQ(c.read().result_int(), 201);
}

TEST_F(SessionRoutes, ARefusedUploadGetsItsFinalStatusWithout100) {
  const std::string board = R"({"name":"T","rows":5,"cols":5,"dots":[]})";
  const std::string length =
      "Content-Length: " + std::to_string(board.size()) + "\r\n";
  const std::string expect = "Expect: 100-continue\r\n";
  struct refused_case {
    std::string name;
    std::string method;
    std::string target;
    std::string fields;
    int status;
  };
  const std::vector<refused_case> cases{
      {"no account", "POST", "/api/boards",
       "Content-Type: application/json\r\n" + length, 401},
      {"not JSON", "POST", "/api/auth/login",
       "Content-Type: text/plain\r\n" + length, 415},
      {"not JSON, with a token", "PUT", "/api/boards/1",
       "Authorization: Bearer whatever\r\nContent-Type: text/plain\r\n" +
           length,
       415},
      {"too large by Content-Length", "POST", "/api/auth/login",
       "Content-Type: application/json\r\nContent-Length: 5000\r\n", 413},
      {"no such route", "POST", "/api/nope",
       "Content-Type: application/json\r\n" + length, 404},
      {"a method the route does not take", "POST", "/api/auth/me",
       "Content-Type: application/json\r\n" + length, 405},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    auto c = connect();
    // No Content-Length of request_bytes' own: the case sets it.
    c.send(k.method + " " + k.target + " HTTP/1.1\r\nHost: dots.test\r\n" +
           expect + k.fields + "\r\n");
    auto res = c.read();
    EXPECT_EQ(res.result_int(), k.status) << res.body();
    // The body was never read: the connection cannot go on.
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(c.closed_by_server());
    // Without Expect, the same request gets the same answer once its body
    // is sent (413 aside: it is refused by its length either way).
    if (k.status != 413) {
      auto plain = connect();
      plain.send(k.method + " " + k.target +
                 " HTTP/1.1\r\nHost: dots.test\r\n" + k.fields + "\r\n" +
                 board);
      EXPECT_EQ(plain.read().result_int(), k.status);
    }
  }
}

TEST_F(SessionRoutes, ABodySentAnywayDoesNotLoseTheRefusal) {
  // A client that stops waiting for 100 sends its body: the refusal it
  // gets first is still read whole (no reset before it is read).
  const std::string body(3000, 'x');
  auto c = connect();
  c.send("POST /api/auth/login HTTP/1.1\r\nHost: dots.test\r\n"
         "Expect: 100-continue\r\nContent-Type: text/plain\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body);
  auto res = c.read();
  EXPECT_EQ(res.result_int(), 415);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(SessionRoutes, AnInvalidTokenNeedsTheBodyFirst) {
  // Only the accounts actor knows a token is bad: 100, then 401.
  const std::string board = R"({"name":"T","rows":5,"cols":5,"dots":[]})";
  auto c = connect();
  c.send("POST /api/boards HTTP/1.1\r\nHost: dots.test\r\n"
         "Expect: 100-continue\r\nAuthorization: Bearer not-a-token\r\n"
         "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(board.size()) + "\r\n\r\n");
  EXPECT_EQ(c.read().result_int(), 100);
  c.send(board);
  EXPECT_EQ(c.read().result_int(), 401);
}

TEST_F(SessionRoutes, OtherExpectationsAre417) {
  for (const std::string value :
       {"200-ok", "100-continue, something", "100-continue-please"}) {
    SCOPED_TRACE(value);
    auto c = connect();
    c.send("POST /api/auth/login HTTP/1.1\r\nHost: dots.test\r\n"
           "Expect: " +
           value +
           "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n");
    auto res = c.read();
    EXPECT_EQ(res.result_int(), 417);
    EXPECT_NE(res.body().find(R"("code":"expectation_failed")"),
              std::string::npos)
        << res.body();
    EXPECT_TRUE(c.closed_by_server());
  }
}

TEST_F(SessionRoutes, ExpectIsIgnoredWhereTheRfcSaysSo) {
  // HTTP/1.0: "MUST ignore that expectation"; the body follows at once.
  const std::string creds = R"({"username":"dan","password":"correct horse"})";
  auto old = connect();
  old.send(request_bytes("POST", "/api/auth/register",
                         "Content-Type: application/json\r\n"
                         "Expect: 100-continue\r\n",
                         creds, "1.0"));
  EXPECT_EQ(old.read().result_int(), 201);
  // No body to wait for: nothing interim, just the answer.
  auto c = connect();
  c.send(request_bytes("GET", "/healthz", "Expect: 100-continue\r\n"));
  EXPECT_EQ(c.read().result_int(), 200);
}

// -- cross-origin clients
// -------------------------------------------------------

/// Every route with `--cors-origins http://127.0.0.2:5173`.
class SessionCors : public SessionRoutes {
protected:
  SessionCors()
      : SessionRoutes({std::string{listed}}) {}

  static constexpr std::string_view listed = "http://127.0.0.2:5173";

  /// The Access-Control-* fields of `res`, as "Name: value".
  static std::set<std::string>
  cors_fields(const bhttp::response<bhttp::string_body>& res) {
    std::set<std::string> out;
    for (const auto& f : res)
      if (f.name_string().starts_with("Access-Control-"))
        out.insert(std::string{f.name_string()} + ": " +
                   std::string{f.value()});
    return out;
  }
};

TEST_F(SessionCors, APreflightFromTheListedOriginIsAnsweredOnTheApiAndStream) {
  const std::string preflight =
      "Origin: " + std::string{listed} +
      "\r\nAccess-Control-Request-Method: PUT\r\n"
      "Access-Control-Request-Headers: authorization, content-type\r\n";
  int answered = 0;
  for (const auto& e : route_table()) {
    const auto path = path_for(e.pattern, 1);
    SCOPED_TRACE(path);
    auto res = roundtrip("OPTIONS", path, preflight);
    if (cors_scope_of(e.pattern) == cors_scope::none) {
      // Same-origin parts: OPTIONS is not theirs, and nothing is granted.
      EXPECT_EQ(res.result_int(), 405);
      EXPECT_TRUE(cors_fields(res).empty());
      continue;
    }
    ++answered;
    EXPECT_EQ(res.result_int(), 204);
    EXPECT_TRUE(res.body().empty());
    EXPECT_EQ(res[bhttp::field::allow], allow_of(e));
    EXPECT_NE(allow_of(e).find("OPTIONS"), std::string_view::npos);
    EXPECT_EQ(res[bhttp::field::vary], "Origin");
    const std::set<std::string> expected{
        "Access-Control-Allow-Origin: http://127.0.0.2:5173",
        "Access-Control-Allow-Credentials: true",
        "Access-Control-Allow-Methods: " + std::string{allow_of(e)},
        "Access-Control-Allow-Headers: Authorization, Content-Type, "
        "Last-Event-ID",
        "Access-Control-Max-Age: 600",
        "Access-Control-Expose-Headers: Allow, Location, Retry-After, "
        "WWW-Authenticate"};
    EXPECT_EQ(cors_fields(res), expected);
    EXPECT_TRUE(res.keep_alive());
  }
  EXPECT_EQ(answered, 9); // every endpoint under /api/ and /sse/
}

TEST_F(SessionCors, APreflightFromAnotherOriginGetsThePlainAnswer) {
  for (const char* origin : {"http://127.0.0.2:5174", "https://127.0.0.2:5173",
                             "null", "http://evil.example"}) {
    SCOPED_TRACE(origin);
    auto res =
        roundtrip("OPTIONS", "/sse/notifications/",
                  std::string{"Origin: "} + origin +
                      "\r\nAccess-Control-Request-Method: GET\r\n"
                      "Access-Control-Request-Headers: last-event-id\r\n");
    EXPECT_EQ(res.result_int(), 204);
    EXPECT_EQ(res[bhttp::field::allow], "GET, HEAD, OPTIONS");
    EXPECT_EQ(res[bhttp::field::vary], "Origin");
    EXPECT_TRUE(cors_fields(res).empty());
  }
  // A plain OPTIONS, no CORS at all: the methods of the resource.
  auto plain = roundtrip("OPTIONS", "/api/boards");
  EXPECT_EQ(plain.result_int(), 204);
  EXPECT_EQ(plain[bhttp::field::allow], "GET, HEAD, POST, OPTIONS");
  EXPECT_TRUE(cors_fields(plain).empty());
}

TEST_F(SessionCors, ErrorsReachTheListedOriginToo) {
  const std::string origin = "Origin: " + std::string{listed} + "\r\n";
  // From the handler's screening (401), with what a client needs to read.
  auto me = roundtrip("GET", "/api/auth/me", origin);
  EXPECT_EQ(me.result_int(), 401);
  EXPECT_EQ(me[bhttp::field::access_control_allow_origin], listed);
  EXPECT_EQ(me[bhttp::field::www_authenticate], "Bearer");
  // An unknown path of the API.
  auto nope = roundtrip("GET", "/api/nope", origin);
  EXPECT_EQ(nope.result_int(), 404);
  EXPECT_EQ(nope[bhttp::field::access_control_allow_origin], listed);
  // Refused from the head of an Expect: 100-continue request, and for a
  // body over the limit: the session's own answers.
  const std::vector<std::pair<std::string, int>> refused{
      {"Expect: 100-continue\r\nContent-Type: application/json\r\n"
       "Content-Length: 2\r\n",
       401},
      {"Content-Type: application/json\r\nContent-Length: 5000\r\n", 413}};
  for (const auto& [fields, status] : refused) {
    auto c = connect();
    c.send("POST /api/boards HTTP/1.1\r\nHost: dots.test\r\n" + origin +
           fields + "\r\n");
    auto res = c.read();
    EXPECT_EQ(res.result_int(), status);
    EXPECT_EQ(res[bhttp::field::access_control_allow_origin], listed);
    EXPECT_EQ(res[bhttp::field::access_control_allow_credentials], "true");
  }
  // The browser app is never cross-origin.
  auto page = roundtrip("GET", "/index.html", origin);
  EXPECT_TRUE(cors_fields(page).empty());
  EXPECT_EQ(page.count(bhttp::field::vary), 0u);
}

TEST_F(SessionCors, TheStreamsHeadCarriesTheGrant) {
  const std::string origin = "Origin: " + std::string{listed} + "\r\n";
  auto g = connect();
  g.send(request_bytes("GET", "/sse/notifications/", origin));
  auto get = g.read(false, true);
  EXPECT_EQ(get.result_int(), 200);
  EXPECT_EQ(get[bhttp::field::content_type], "text/event-stream");
  EXPECT_EQ(get[bhttp::field::access_control_allow_origin], listed);
  EXPECT_EQ(get[bhttp::field::access_control_allow_credentials], "true");
  EXPECT_EQ(get[bhttp::field::vary], "Origin");
  // HEAD says the same.
  auto head = roundtrip("HEAD", "/sse/notifications/", origin);
  EXPECT_EQ(cors_fields(head), cors_fields(get));
  // Another origin's stream opens as before, with nothing granted.
  auto o = connect();
  o.send(request_bytes("GET", "/sse/notifications/",
                       "Origin: http://evil.example\r\n"));
  auto other = o.read(false, true);
  EXPECT_EQ(other.result_int(), 200);
  EXPECT_TRUE(cors_fields(other).empty());
  EXPECT_EQ(other[bhttp::field::vary], "Origin");
}

} // namespace
} // namespace dots::http
