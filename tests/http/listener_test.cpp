#include "http/app_fixture.hpp"
#include "http/listener.hpp"
#include "security/credentials.hpp"
#include "util/log.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <future>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <vector>

// The listener on a real loopback port with real shards, and the real
// actors on a temporary SQLite file behind it; clients are plain sockets
// driven by the test thread.

namespace dots::http {
namespace {

using namespace std::chrono_literals;
using actors::test::wait_limit;

/// Waits until `pred()` holds or the bound passes; returns pred().
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + wait_limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return pred();
    std::this_thread::yield();
  }
  return true;
}

using http_response = bhttp::response<bhttp::string_body>;

/// One client connection on its own io_context, run by the test thread for
/// each step, every step bounded by `wait_limit`.
class client {
public:
  explicit client(const tcp::endpoint& to) { connect(to); }

  /// A client whose socket (its descriptor) exists but is not connected.
  client() { stream_.socket().open(tcp::v4()); }

  void connect(const tcp::endpoint& to) {
    stream_.expires_after(wait_limit);
    stream_.async_connect(
        to, [this](const beast::error_code& ec) { connect_error_ = ec; });
    run();
  }

  /// Why the connection failed; empty when it is open.
  beast::error_code connect_error() const { return connect_error_; }

  /// Sends `req` and reads its response; nullopt when none came in time
  /// or the connection ended first.
  std::optional<http_response> ask(request req) {
    req.set(bhttp::field::host, "127.0.0.1");
    req.prepare_payload();
    beast::error_code failed;
    stream_.expires_after(wait_limit);
    bhttp::async_write(
        stream_, req,
        [&](const beast::error_code& ec, std::size_t) { failed = ec; });
    run();
    if (failed)
      return std::nullopt;
    return read_response();
  }

  /// GET `target`, keeping the connection open unless `close`.
  std::optional<http_response> get(const std::string& target,
                                   bool close = false) {
    request req{bhttp::verb::get, target, 11};
    req.keep_alive(!close);
    return ask(std::move(req));
  }

  /// Sends `req` without waiting for the answer.
  bool send(request req) {
    req.set(bhttp::field::host, "127.0.0.1");
    req.prepare_payload();
    beast::error_code failed;
    stream_.expires_after(wait_limit);
    bhttp::async_write(
        stream_, req,
        [&](const beast::error_code& ec, std::size_t) { failed = ec; });
    run();
    return !failed;
  }

  /// Reads one response; nullopt when none came in time.
  std::optional<http_response> read_response() {
    http_response res;
    beast::error_code failed;
    stream_.expires_after(wait_limit);
    bhttp::async_read(
        stream_, buffer_, res,
        [&](const beast::error_code& ec, std::size_t) { failed = ec; });
    run();
    if (failed)
      return std::nullopt;
    return res;
  }

  /// True when the server ends the connection (within the bound).
  bool closed_by_server() {
    std::array<char, 256> buf{};
    beast::error_code failed;
    stream_.expires_after(wait_limit);
    stream_.async_read_some(
        net::buffer(buf),
        [&](const beast::error_code& ec, std::size_t) { failed = ec; });
    run();
    return failed == net::error::eof || failed == net::error::connection_reset;
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

private:
  void run() {
    io_.restart();
    io_.run();
  }

  net::io_context io_;
  beast::tcp_stream stream_{io_};
  beast::flat_buffer buffer_;
  beast::error_code connect_error_;
};

/// Standard error, where the server logs, passed through a pipe while this
/// lives (a thread shows each byte as it comes), so that a test can wait
/// for a line the server writes.
class stderr_capture {
public:
  stderr_capture() {
    if (::pipe(fds_) != 0)
      throw std::system_error(errno, std::generic_category(), "pipe");
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(fds_[1], STDERR_FILENO);
    reader_ = std::thread{[this] {
      pass_on();
    }};
  }
  ~stderr_capture() {
    // The last write end goes: the reader sees the end and stops.
    ::dup2(saved_, STDERR_FILENO);
    ::close(fds_[1]);
    reader_.join();
    ::close(fds_[0]);
    ::close(saved_);
  }
  stderr_capture(const stderr_capture&) = delete;
  stderr_capture& operator=(const stderr_capture&) = delete;

  /// Waits until what was written contains `fragment` or the bound passed.
  bool wait_for(std::string_view fragment) {
    std::unique_lock lock{mutex_};
    return written_.wait_for(lock, wait_limit, [&] {
      return text_.find(fragment) != std::string::npos;
    });
  }

private:
  void pass_on() {
    std::array<char, 4096> buf{};
    for (;;) {
      const auto n = ::read(fds_[0], buf.data(), buf.size());
      if (n <= 0)
        return;
      [[maybe_unused]] const auto shown =
          ::write(saved_, buf.data(), static_cast<std::size_t>(n));
      {
        std::lock_guard lock{mutex_};
        text_.append(buf.data(), static_cast<std::size_t>(n));
      }
      written_.notify_all();
    }
  }

  int fds_[2] = {-1, -1};
  int saved_ = -1;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable written_;
  std::string text_;
};

std::string status_of(const boost::json::value& body) {
  const auto* obj = body.if_object();
  if (!obj || !obj->contains("status") || !obj->at("status").is_string())
    return {};
  return std::string(obj->at("status").as_string());
}

class Listener : public test::app_test {
protected:
  static constexpr std::size_t shard_count = 3;

  static void SetUpTestSuite() { ASSERT_TRUE(security::init()); }

  Listener() {
    ctx_ = make_app();
    for (std::size_t i = 0; i < shard_count; ++i)
      shards_.push_back(std::make_unique<shard>());
    listener_ = std::make_unique<listener>(
        *ctx_, shards_, tcp::endpoint{net::ip::make_address("127.0.0.1"), 0});
    for (auto& s : shards_)
      s->start();
    listener_->start();
  }

  ~Listener() override {
    // As the server shuts down: stop accepting, end idle connections, let
    // the others finish, then stop the threads; the actors go last (the
    // base class).
    listener_->stop();
    // Once the shards ran what was posted so far (the accepting one first),
    // the port is closed and every accepted connection's session has
    // started and is counted: none is missed by the wait below.
    EXPECT_TRUE(settled());
    clients_.clear();
    for (auto& s : shards_)
      net::post(s->io(), [&s = *s] { s.close_idle(); });
    EXPECT_TRUE(eventually([this] { return total_sessions() == 0; }))
        << total_sessions() << " sessions still open";
    for (auto& s : shards_)
      s->stop();
    for (auto& s : shards_)
      s->join();
    listener_.reset();
    shards_.clear();
  }

  tcp::endpoint endpoint() const { return listener_->local_endpoint(); }

  /// A new client connected to the listener (kept until the test ends).
  client& connect() {
    return *clients_.emplace_back(std::make_unique<client>(endpoint()));
  }

  std::size_t total_sessions() const {
    std::size_t n = 0;
    for (const auto& s : shards_)
      n += s->sessions.load();
    return n;
  }

  /// The sessions of each shard, in shard order.
  std::vector<std::size_t> sessions_per_shard() const {
    std::vector<std::size_t> out;
    for (const auto& s : shards_)
      out.push_back(s->sessions.load());
    return out;
  }

  /// Waits until every shard's thread, in shard order, ran what was posted
  /// to it so far.
  bool settled() {
    for (auto& s : shards_) {
      auto ran = std::make_shared<std::promise<void>>();
      auto seen = ran->get_future();
      net::post(s->io(), [ran] { ran->set_value(); });
      if (seen.wait_for(wait_limit) != std::future_status::ready)
        return false;
    }
    return true;
  }

  std::unique_ptr<app_context> ctx_;
  std::vector<std::unique_ptr<shard>> shards_;
  std::unique_ptr<listener> listener_;
  std::vector<std::unique_ptr<client>> clients_;
};

TEST_F(Listener, LocalEndpointIsTheBoundLoopbackPort) {
  const auto ep = endpoint();
  EXPECT_EQ(ep.address(), net::ip::make_address("127.0.0.1"));
  EXPECT_NE(ep.port(), 0);
  auto& c = connect();
  EXPECT_FALSE(c.connect_error()) << c.connect_error().message();
}

TEST_F(Listener, APortInUseIsRefusedWithAnException) {
  std::vector<std::unique_ptr<shard>> others;
  others.push_back(std::make_unique<shard>());
  EXPECT_THROW({ listener second(*ctx_, others, endpoint()); },
               boost::system::system_error);
}

TEST_F(Listener, AnswersHealthzOverARealSocket) {
  auto& c = connect();
  auto res = c.get("/healthz", true);
  ASSERT_TRUE(res) << "no response";
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_EQ(status_of(boost::json::parse(res->body())), "ok");
  EXPECT_TRUE(c.closed_by_server()) << "Connection: close was not honoured";
}

TEST_F(Listener, KeepsAConnectionOpenForMoreRequests) {
  auto& c = connect();
  for (int i = 0; i < 3; ++i) {
    auto res = c.get("/healthz");
    ASSERT_TRUE(res) << "no response to request " << i;
    EXPECT_EQ(res->result(), bhttp::status::ok);
    EXPECT_TRUE(res->keep_alive());
  }
  EXPECT_EQ(total_sessions(), 1u);
}

TEST_F(Listener, AnswersARequestThatNeedsTheActors) {
  // Through the listener, the session, the handler and the boards actor
  // on the database file, and back.
  auto& c = connect();
  auto res = c.get("/api/boards");
  ASSERT_TRUE(res) << "no response";
  EXPECT_EQ(res->result(), bhttp::status::ok);
  const auto body = boost::json::parse(res->body());
  ASSERT_TRUE(body.is_object()) << res->body();
  ASSERT_TRUE(body.as_object().contains("boards")) << res->body();
  EXPECT_TRUE(body.at("boards").as_array().empty());
}

TEST_F(Listener, AnswersManyClientsAtOnce) {
  constexpr int n = 12;
  std::vector<client*> cs;
  for (int i = 0; i < n; ++i)
    cs.push_back(&connect());
  // Every request is out before the first answer is read.
  for (auto* c : cs) {
    request req{bhttp::verb::get, "/healthz", 11};
    ASSERT_TRUE(c->send(std::move(req)));
  }
  for (int i = 0; i < n; ++i) {
    auto res = cs[i]->read_response();
    ASSERT_TRUE(res) << "client " << i << " got no response";
    EXPECT_EQ(res->result(), bhttp::status::ok) << "client " << i;
  }
}

TEST_F(Listener, SpreadsConnectionsOverTheShardsRoundRobin) {
  std::vector<std::vector<std::size_t>> seen;
  for (std::size_t i = 0; i < 2 * shard_count; ++i) {
    auto& c = connect();
    // Answered: the session runs (and is counted) on its shard.
    auto res = c.get("/healthz");
    ASSERT_TRUE(res) << "connection " << i << " got no response";
    ASSERT_TRUE(eventually([&] { return total_sessions() == i + 1; }));
    seen.push_back(sessions_per_shard());
  }
  const std::vector<std::vector<std::size_t>> expected{
      {1, 0, 0}, {1, 1, 0}, {1, 1, 1}, {2, 1, 1}, {2, 2, 1}, {2, 2, 2}};
  EXPECT_EQ(seen, expected);
}

TEST_F(Listener, AClosedConnectionLeavesItsShard) {
  auto& a = connect();
  auto& b = connect();
  ASSERT_TRUE(a.get("/healthz"));
  ASSERT_TRUE(b.get("/healthz"));
  ASSERT_TRUE(eventually([&] { return total_sessions() == 2; }));
  a.close();
  EXPECT_TRUE(eventually([&] {
    return sessions_per_shard() == std::vector<std::size_t>{0, 1, 0};
  })) << "sessions: "
      << ::testing::PrintToString(sessions_per_shard());
  // The other connection is untouched.
  auto res = b.get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
}

TEST_F(Listener, StopRefusesNewConnectionsAndOpenOnesStillAnswer) {
  const auto bound = endpoint();
  auto& open = connect();
  ASSERT_TRUE(open.get("/healthz"));
  listener_->stop();
  // stop() posts the close to the accepting shard: once that shard ran
  // what was posted so far, the port is closed.
  ASSERT_TRUE(settled());
  client late{bound};
  EXPECT_EQ(late.connect_error(), net::error::connection_refused)
      << late.connect_error().message();
  auto res = open.get("/healthz");
  ASSERT_TRUE(res) << "the open connection got no answer after stop()";
  EXPECT_EQ(res->result(), bhttp::status::ok);
}

TEST_F(Listener, ARequestInFlightAtStopGetsItsResponse) {
  // Registering hashes the password (slow on purpose): the request is
  // still being handled when the listener stops.
  auto& c = connect();
  ASSERT_TRUE(eventually([&] { return total_sessions() == 1; }));
  request req{bhttp::verb::post, "/api/auth/register", 11};
  req.set(bhttp::field::content_type, "application/json");
  req.body() = R"({"username":"stopper","password":"long enough"})";
  ASSERT_TRUE(c.send(std::move(req)));
  listener_->stop();
  auto res = c.read_response();
  ASSERT_TRUE(res) << "the request in flight got no response";
  EXPECT_EQ(res->result(), bhttp::status::created) << res->body();
}

TEST_F(Listener, AConnectionMetWithNoFreeDescriptorIsAnsweredOnceOneIs) {
  // Out of descriptors, the listener leaves the connection in the backlog
  // and tries again after a pause, instead of spinning or dropping it.
  // Every shard serves a connection first, so that what Asio makes on
  // first use (per io_context) exists before the descriptors run out; the
  // next connection goes to the first shard again.
  for (std::size_t i = 0; i < shard_count; ++i) {
    client warm_up{endpoint()};
    ASSERT_TRUE(warm_up.get("/healthz"));
  }
  // Their descriptors are closed once their sessions ended.
  ASSERT_TRUE(eventually([this] { return total_sessions() == 0; }));
  ASSERT_TRUE(settled());
  // UBSan checks an object's dynamic type once per type with a pipe, which
  // fails falsely with no descriptor left; so what the listener touches on
  // this path (error categories, the log's stream) is checked here first.
  const beast::error_code emfile = net::error::no_descriptors;
  EXPECT_TRUE(emfile == net::error::no_descriptors);
  EXPECT_FALSE(emfile == net::error::no_buffer_space);
  EXPECT_FALSE(emfile == net::error::no_memory);
  EXPECT_FALSE(emfile == net::error::operation_aborted);
  log::info("the listener test exhausts descriptors: ", emfile.message());
  stderr_capture logged;
  client c; // its descriptor is taken before the limit drops
  // Every descriptor below the lowest free one is in use: with the limit
  // there, the process can open no more.
  const int lowest_free = ::dup(0);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  c.connect(endpoint()); // the kernel completes it; accepting it fails
  const bool paused = logged.wait_for("pausing");
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_FALSE(c.connect_error()) << c.connect_error().message();
  ASSERT_TRUE(paused) << "the listener did not report running out";
  auto res = c.get("/healthz");
  ASSERT_TRUE(res) << "the connection was not answered once descriptors "
                      "were free again";
  EXPECT_EQ(res->result(), bhttp::status::ok);
}

TEST_F(Listener, StopFromAnotherThreadTwiceIsHarmless) {
  const auto bound = endpoint();
  std::thread a{[this] {
    listener_->stop();
  }};
  std::thread b{[this] {
    listener_->stop();
  }};
  a.join();
  b.join();
  ASSERT_TRUE(settled());
  client late{bound};
  EXPECT_EQ(late.connect_error(), net::error::connection_refused);
}

} // namespace
} // namespace dots::http
