// pg_listener against the test run's real PostgreSQL, on a real io_context
// run by a thread of its own, as the server runs it on a shard.
#include "storage/pg_listener.hpp"
#include "storage/pg_store.hpp"
#include "support/pg_database.hpp"
#include "util/log.hpp"

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using dots::storage::pg_listener;
using tcp = net::ip::tcp;

// Generous: the machines are small and run the suite in parallel. Waiting
// ends as soon as the condition holds, so passing runs stay fast.
constexpr auto deadline = 30s;
// How long "nothing happens" is watched. Absence cannot be awaited; this
// only has to outlast one round trip on loopback.
constexpr auto quiet_period = 400ms;

const std::string channel = dots::storage::pg_event_channel;
const std::string notify_sql = "NOTIFY " + channel;

bool eventually(const std::function<bool()>& condition,
                std::chrono::steady_clock::duration limit = deadline) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// What the listener reported, read by the test thread.
struct recorder {
  std::mutex mutex;
  int wakes = 0;
  std::vector<bool> states;
  std::atomic<bool> closed{false};
  std::atomic<int> late_callbacks{0};

  pg_listener::callbacks callbacks() {
    pg_listener::callbacks cb;
    cb.on_wake = [this] {
      if (closed)
        ++late_callbacks;
      std::lock_guard lock{mutex};
      ++wakes;
    };
    cb.on_state = [this](bool up) {
      if (closed)
        ++late_callbacks;
      std::lock_guard lock{mutex};
      states.push_back(up);
    };
    return cb;
  }
  int wake_count() {
    std::lock_guard lock{mutex};
    return wakes;
  }
  std::vector<bool> state_log() {
    std::lock_guard lock{mutex};
    return states;
  }
};

// A client connection of the test's own, for a transaction held open
// across steps (pg_database::exec connects per statement).
class session {
public:
  explicit session(const std::string& url)
      : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_.get()) != CONNECTION_OK)
      ADD_FAILURE() << "connect: " << PQerrorMessage(conn_.get());
  }
  void exec(const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r{
        PQexec(conn_.get(), sql.c_str()), &PQclear};
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn_.get());
  }

private:
  struct finisher {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::unique_ptr<PGconn, finisher> conn_;
};

// A timer on the listener's io_context, fired every 20 ms: if connecting
// blocked the thread, its ticks would be late.
class ticker {
public:
  explicit ticker(net::io_context& io)
      : timer_(io) {}
  void start(int ticks) {
    remaining_ = ticks;
    net::post(timer_.get_executor(), [this] { arm(); });
  }
  bool done() const { return done_; }
  std::chrono::milliseconds worst_delay() const {
    return std::chrono::milliseconds{worst_ms_.load()};
  }

private:
  void arm() {
    expected_ = std::chrono::steady_clock::now() + 20ms;
    timer_.expires_at(expected_);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec)
        return;
      const auto late = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - expected_);
      worst_ms_ = std::max<long>(worst_ms_, late.count());
      if (--remaining_ > 0)
        arm();
      else
        done_ = true;
    });
  }
  net::steady_timer timer_;
  std::chrono::steady_clock::time_point expected_;
  int remaining_ = 0;
  std::atomic<long> worst_ms_{0};
  std::atomic<bool> done_{false};
};

// A TCP port nothing listens on (bound once by the kernel's choice, then
// closed), so connecting to it is refused at once.
unsigned short closed_port() {
  net::io_context io;
  tcp::acceptor a{io, tcp::endpoint{net::ip::make_address("127.0.0.1"), 0}};
  return a.local_endpoint().port();
}

// Accepts `n` connections on `io` (not the listener's io_context) and keeps
// them open in `held`; false when they did not all come within the deadline.
bool accept_connections(tcp::acceptor& acceptor, net::io_context& io, int n,
                        std::list<tcp::socket>& held) {
  int accepted = 0;
  std::function<void()> next = [&] {
    acceptor.async_accept([&](boost::system::error_code ec, tcp::socket s) {
      if (ec)
        return;
      held.push_back(std::move(s));
      if (++accepted < n)
        next();
    });
  };
  next();
  // A run that ran out of work leaves `io` stopped.
  io.restart();
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (accepted < n && std::chrono::steady_clock::now() < end)
    io.run_one_until(end);
  // The handler refers to locals: let a pending accept end here.
  acceptor.cancel();
  io.restart();
  io.run();
  return accepted >= n;
}

std::string url_at_port(unsigned short port, const std::string& user = "dots") {
  return "postgresql://" + user + "@127.0.0.1:" + std::to_string(port) +
         "/postgres";
}

class pg_listener_test : public ::testing::Test {
protected:
  void SetUp() override {
    runner_ = std::thread{[this] {
      io_.run();
    }};
  }

  void TearDown() override {
    if (listener_) {
      listener_->stop();
      listener_.reset();
    }
    stop_io();
    EXPECT_EQ(rec_.late_callbacks.load(), 0);
  }

  void make_listener(const std::string& url,
                     dots::storage::connection_limits limits = {}) {
    listener_ = std::make_unique<pg_listener>(io_.get_executor(), url, limits,
                                              rec_.callbacks());
    listener_->start();
  }

  // Returns once the io_context ran everything posted before this call.
  void round_trip() {
    std::promise<void> ran;
    net::post(io_, [&ran] { ran.set_value(); });
    ASSERT_EQ(ran.get_future().wait_for(deadline), std::future_status::ready);
  }

  // Stops the listener and returns when no callback may come any more.
  void stop_listener() {
    listener_->stop();
    round_trip();
    rec_.closed = true;
  }

  void stop_io() {
    if (!runner_.joinable())
      return;
    work_.reset();
    io_.stop();
    runner_.join();
  }

  // The listener's connection as the server sees it: application_name is
  // set by pg_listener for this purpose.
  std::optional<std::int64_t> listener_backends() {
    return db_.int_value("SELECT count(*) FROM pg_stat_activity WHERE "
                         "application_name = 'dots-listener' AND datname = "
                         "current_database()");
  }

  void connect_and_settle() {
    make_listener(db_.url());
    ASSERT_TRUE(eventually([&] { return !rec_.state_log().empty(); }));
    ASSERT_EQ(rec_.state_log(), std::vector<bool>{true});
    // The wake that follows every connect (notifications may have been
    // missed before it).
    ASSERT_TRUE(eventually([&] { return rec_.wake_count() >= 1; }));
  }

  dots::test::pg_database db_;
  recorder rec_;
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread runner_;
  std::unique_ptr<pg_listener> listener_;
};

TEST_F(pg_listener_test, reports_connected_and_wakes_once_after_start) {
  connect_and_settle();
  std::this_thread::sleep_for(quiet_period);
  EXPECT_EQ(rec_.wake_count(), 1);
  EXPECT_EQ(listener_backends(), 1);
}

TEST_F(pg_listener_test, notify_from_another_connection_wakes_it) {
  connect_and_settle();
  for (int i = 1; i <= 3; ++i) {
    const int before = rec_.wake_count();
    ASSERT_TRUE(db_.exec(notify_sql));
    EXPECT_TRUE(eventually([&] { return rec_.wake_count() == before + 1; }))
        << "notification " << i;
  }
}

TEST_F(pg_listener_test, notify_in_a_transaction_wakes_only_after_commit) {
  connect_and_settle();
  const int before = rec_.wake_count();
  session writer{db_.url()};
  writer.exec("BEGIN");
  writer.exec(notify_sql);
  std::this_thread::sleep_for(quiet_period);
  EXPECT_EQ(rec_.wake_count(), before);
  writer.exec("COMMIT");
  EXPECT_TRUE(eventually([&] { return rec_.wake_count() == before + 1; }));
}

TEST_F(pg_listener_test, notify_rolled_back_never_wakes) {
  connect_and_settle();
  const int before = rec_.wake_count();
  session writer{db_.url()};
  writer.exec("BEGIN");
  writer.exec(notify_sql);
  writer.exec("ROLLBACK");
  std::this_thread::sleep_for(quiet_period);
  EXPECT_EQ(rec_.wake_count(), before);
  // Still listening: the silence was the rollback's.
  ASSERT_TRUE(db_.exec(notify_sql));
  EXPECT_TRUE(eventually([&] { return rec_.wake_count() == before + 1; }));
}

TEST_F(pg_listener_test, several_notifies_in_one_transaction_wake_once) {
  connect_and_settle();
  const int before = rec_.wake_count();
  ASSERT_TRUE(db_.exec("BEGIN; " + notify_sql + "; " + notify_sql + "; " +
                       notify_sql + "; COMMIT"));
  EXPECT_TRUE(eventually([&] { return rec_.wake_count() >= before + 1; }));
  std::this_thread::sleep_for(quiet_period);
  EXPECT_EQ(rec_.wake_count(), before + 1);
}

TEST_F(pg_listener_test, reconnects_by_itself_after_its_backend_is_killed) {
  connect_and_settle();
  const int before = rec_.wake_count();
  ASSERT_EQ(db_.int_value("SELECT count(pg_terminate_backend(pid)) FROM "
                          "pg_stat_activity WHERE application_name = "
                          "'dots-listener' AND datname = current_database()"),
            1);
  ASSERT_TRUE(eventually([&] { return rec_.state_log().size() >= 3; }));
  EXPECT_EQ(rec_.state_log(), (std::vector<bool>{true, false, true}));
  // The reconnect's own wake, then a later notification's.
  ASSERT_TRUE(eventually([&] { return rec_.wake_count() == before + 1; }));
  ASSERT_TRUE(db_.exec(notify_sql));
  EXPECT_TRUE(eventually([&] { return rec_.wake_count() == before + 2; }));
  EXPECT_EQ(listener_backends(), 1);
}

TEST_F(pg_listener_test, unreachable_server_reports_false_and_keeps_trying) {
  const auto port = closed_port();
  ticker tick{io_};
  tick.start(50);
  make_listener(url_at_port(port));
  ASSERT_TRUE(eventually([&] { return !rec_.state_log().empty(); }));
  EXPECT_EQ(rec_.state_log(), std::vector<bool>{false});

  // Something now listens on the port: the listener's next attempts reach
  // it (and fail, as it answers nothing like PostgreSQL).
  net::io_context other;
  tcp::acceptor acceptor{other};
  const tcp::endpoint at{net::ip::make_address("127.0.0.1"), port};
  acceptor.open(at.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(at);
  acceptor.listen();
  for (int i = 0; i < 2; ++i) {
    // Closed at once, so that each attempt fails without waiting out its
    // connect timeout.
    std::list<tcp::socket> held;
    EXPECT_TRUE(accept_connections(acceptor, other, 1, held)) << i;
  }

  ASSERT_TRUE(eventually([&] { return tick.done(); }));
  // 20 ms ticks while it retried: a blocked thread would show seconds.
  EXPECT_LT(tick.worst_delay(), 500ms);
  EXPECT_EQ(rec_.state_log(), std::vector<bool>{false});
  EXPECT_EQ(rec_.wake_count(), 0);
}

TEST_F(pg_listener_test, a_silent_server_times_out_each_attempt) {
  // Accepts and never answers: only the listener's own deadline ends an
  // attempt (libpq's connect_timeout does not apply to PQconnectPoll).
  net::io_context other;
  tcp::acceptor acceptor{other,
                         tcp::endpoint{net::ip::make_address("127.0.0.1"), 0}};
  ticker tick{io_};
  tick.start(100);
  dots::storage::connection_limits limits;
  limits.connect_timeout = 1s;
  make_listener(url_at_port(acceptor.local_endpoint().port()), limits);

  std::list<tcp::socket> held;
  ASSERT_TRUE(accept_connections(acceptor, other, 2, held));
  ASSERT_TRUE(eventually([&] { return !rec_.state_log().empty(); }));
  EXPECT_EQ(rec_.state_log(), std::vector<bool>{false});
  // The first attempt was given up before the second began, so its socket
  // is closed: after libpq's opening request (SSLRequest) comes the end.
  boost::system::error_code ec;
  std::array<char, 64> bytes{};
  while (!ec)
    held.front().read_some(net::buffer(bytes), ec);
  EXPECT_EQ(ec, net::error::eof);

  ASSERT_TRUE(eventually([&] { return tick.done(); }));
  EXPECT_LT(tick.worst_delay(), 500ms);
}

TEST_F(pg_listener_test, logs_never_show_the_password) {
  const auto saved = dots::log::current_level();
  dots::log::set_level(dots::log::level::debug);
  testing::internal::CaptureStderr();
  make_listener(url_at_port(closed_port(), "dots:s3cr3t-pw"));
  const bool reported = eventually([&] { return !rec_.state_log().empty(); });
  stop_listener();
  const auto output = testing::internal::GetCapturedStderr();
  dots::log::set_level(saved);
  ASSERT_TRUE(reported);
  EXPECT_NE(output.find("dots:***@127.0.0.1"), std::string::npos) << output;
  EXPECT_EQ(output.find("s3cr3t"), std::string::npos) << output;
}

TEST_F(pg_listener_test, stop_closes_the_connection_and_ends_callbacks) {
  connect_and_settle();
  stop_listener();
  // Destroyed with its wait for the socket still pending.
  listener_.reset();
  const int before = rec_.wake_count();
  const auto states = rec_.state_log();
  EXPECT_TRUE(eventually([&] { return listener_backends() == 0; }));
  ASSERT_TRUE(db_.exec(notify_sql));
  std::this_thread::sleep_for(quiet_period);
  EXPECT_EQ(rec_.wake_count(), before);
  EXPECT_EQ(rec_.state_log(), states);
}

TEST_F(pg_listener_test, destroyed_at_once_after_stop_while_retrying) {
  make_listener(url_at_port(closed_port()));
  ASSERT_TRUE(eventually([&] { return !rec_.state_log().empty(); }));
  // No round trip: stop's work and the backoff timer are both pending
  // when the listener goes.
  listener_->stop();
  listener_.reset();
  round_trip();
  rec_.closed = true;
  std::this_thread::sleep_for(200ms);
}

TEST_F(pg_listener_test, destroyed_while_its_executor_is_not_running) {
  connect_and_settle();
  // The stop posted by the destructor never runs; the io_context's own
  // destruction frees the pending handlers and with them the connection.
  stop_io();
  rec_.closed = true;
  listener_.reset();
}

TEST_F(pg_listener_test, start_and_stop_from_another_thread_before_running) {
  // Both are posted before anything runs: the attempt that start begins
  // is closed by stop before it could report anything or log in.
  stop_io();
  listener_ = std::make_unique<pg_listener>(io_.get_executor(), db_.url(),
                                            dots::storage::connection_limits{},
                                            rec_.callbacks());
  std::thread other{[&] {
    listener_->start();
    listener_->stop();
  }};
  other.join();
  io_.restart();
  io_.run_for(300ms);
  EXPECT_TRUE(rec_.state_log().empty());
  EXPECT_EQ(listener_backends(), 0);
}

} // namespace
