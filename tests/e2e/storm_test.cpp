// The reconnect storm (api.md, "Live notifications", Resume): 10,000 streams
// come back at once with their Last-Event-ID after the server restarted,
// against a stream cap of 6,000, on each storage backend. Every stream must end
// up resumed with no gap and no duplicate, the refused ones told a randomised
// Retry-After that they honour, and /healthz must keep answering meanwhile.
//
// The clients are one process of non-blocking sockets on epoll (about
// 10,000 descriptors, under the 20,000 a process may hold), bound to
// several 127.0.0.x source addresses so that ephemeral ports never run
// short. The server is the real binary. Bounded: every wait has a deadline,
// and the whole test takes well under a minute.

#include "support/e2e_helpers.hpp"
#include "support/http_client.hpp"
#include "support/pg_database.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <boost/json/object.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using dots::test::board_body;
using dots::test::http;
using dots::test::http_json;
using dots::test::int_at;
using dots::test::pg_database;
using dots::test::server_process;
using dots::test::string_at;
using dots::test::temp_dir;
using clock_type = std::chrono::steady_clock;

constexpr int stream_count = 10'000;
/// The restarted server's --max-streams: below stream_count, so that the
/// storm is refused in part.
constexpr int stream_cap = 6'000;
/// Source addresses 127.0.0.2 up to 127.0.0.(1 + this): each has its own
/// ephemeral ports (about 28,000), and the test opens about 24,000
/// connections in all, many of them left in TIME_WAIT.
constexpr int source_addresses = 8;
/// The window of a refused stream's Retry-After with the default 3 s
/// `retry:` hint (http/sse_endpoint.hpp, refused_stream_retry_window).
constexpr int retry_after_min = 3;
constexpr int retry_after_max = 6;

std::optional<std::int64_t> to_int(std::string_view text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return v;
}

/// One client's stream across its connections: what it saw, and where it
/// resumes from.
struct stream_client {
  int fd = -1;
  /// Its Last-Event-ID: the last `id:` it saw (EventSource's rule: set at
  /// dispatch, even by a frame without data).
  std::int64_t last_id = -1;
  /// Closes by itself once it saw this id (a tab that went away); -1: never.
  std::int64_t leave_at = -1;
  /// The ids of the events (frames with data) of its current connection.
  std::vector<std::int64_t> got;
  /// Status of each answer in order (200, 503, ...).
  std::vector<int> statuses;
  /// Retry-After of each refusal, in seconds.
  std::vector<int> retry_afters;
  /// The Last-Event-ID its storm connections send.
  std::int64_t resume_from = -1;
  /// When a refused client connects again.
  std::optional<clock_type::time_point> retry_at;
  bool ended_by_server = false;
  /// A connect or read that failed (not a refusal): what happened.
  std::string failure;

  // Parser state of the current connection.
  std::string out;
  std::string in;
  bool head_done = false;
  std::optional<std::int64_t> frame_id;
  bool frame_has_data = false;
};

/// The clients and their one epoll loop.
class stream_pool {
public:
  explicit stream_pool(std::uint16_t port)
      : port_(port)
      , clients_(stream_count)
      , epoll_(::epoll_create1(EPOLL_CLOEXEC)) {}
  ~stream_pool() {
    for (auto& c : clients_)
      close(c);
    ::close(epoll_);
  }
  stream_pool(const stream_pool&) = delete;
  stream_pool& operator=(const stream_pool&) = delete;

  std::vector<stream_client>& clients() { return clients_; }
  void set_port(std::uint16_t port) { port_ = port; }

  /// Starts a connection for client `i`, with a Last-Event-ID when `from`
  /// is set; the loop sends the request once connected.
  void connect(int i, std::optional<std::int64_t> from) {
    auto& c = clients_[static_cast<std::size_t>(i)];
    close(c);
    c.in.clear();
    c.head_done = false;
    c.frame_id.reset();
    c.frame_has_data = false;
    c.got.clear();
    c.retry_at.reset();
    c.ended_by_server = false;
    c.out = "GET /sse/notifications/ HTTP/1.1\r\nHost: 127.0.0.1:" +
            std::to_string(port_) + "\r\nAccept: text/event-stream\r\n";
    if (from)
      c.out += "Last-Event-ID: " + std::to_string(*from) + "\r\n";
    c.out += "\r\n";
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      c.failure = "socket: " + std::string{std::strerror(errno)};
      return;
    }
    // The port is picked at connect, per destination, not at bind.
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr =
        htonl(0x7f000002u + static_cast<std::uint32_t>(i % source_addresses));
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    dst.sin_port = htons(port_);
    if (::bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
        (::connect(c.fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 &&
         errno != EINPROGRESS)) {
      c.failure = "connect: " + std::string{std::strerror(errno)};
      close(c);
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
    ev.data.u32 = static_cast<std::uint32_t>(i);
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
    ++open_;
  }

  /// Called with a client's index whenever it saw an event or an answer.
  std::function<void(int)> on_progress = [](int) {
  };

  /// Runs the loop (and the retries that fall due) until `done()` holds or
  /// `deadline` passes; returns done().
  bool run_until(const std::function<bool()>& done,
                 clock_type::time_point deadline) {
    std::vector<epoll_event> events(1024);
    while (!done()) {
      const auto now = clock_type::now();
      if (now >= deadline)
        return false;
      start_due_retries(now);
      int n = ::epoll_wait(epoll_, events.data(),
                           static_cast<int>(events.size()), 5);
      for (int k = 0; k < n; ++k)
        handle(static_cast<int>(events[static_cast<std::size_t>(k)].data.u32),
               events[static_cast<std::size_t>(k)].events);
    }
    return true;
  }

  /// Closes client `i`'s connection (the client leaves).
  void leave(int i) { close(clients_[static_cast<std::size_t>(i)]); }

  int open_connections() const { return open_; }

private:
  void close(stream_client& c) {
    if (c.fd < 0)
      return;
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c.fd = -1;
    --open_;
  }

  void start_due_retries(clock_type::time_point now) {
    if (now < next_retry_check_)
      return;
    next_retry_check_ = now + 10ms;
    for (std::size_t i = 0; i < clients_.size(); ++i)
      if (clients_[i].retry_at && *clients_[i].retry_at <= now)
        connect(static_cast<int>(i), clients_[i].resume_from);
  }

  void handle(int i, std::uint32_t what) {
    auto& c = clients_[static_cast<std::size_t>(i)];
    if (c.fd < 0)
      return;
    if (!c.out.empty() && (what & EPOLLOUT)) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        c.failure = "connect: " + std::string{std::strerror(err)};
        close(c);
        return;
      }
      auto sent = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (sent > 0)
        c.out.erase(0, static_cast<std::size_t>(sent));
      if (c.out.empty()) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.u32 = static_cast<std::uint32_t>(i);
        ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
      }
    }
    if (!(what & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
      return;
    char buf[16384];
    for (;;) {
      auto n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<std::size_t>(n));
        if (!parse(i, c))
          return;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
      // The server closed (or reset) the connection.
      if (c.head_done)
        c.ended_by_server = true;
      else if (c.failure.empty())
        c.failure = "closed before an answer";
      close(c);
      on_progress(i);
      return;
    }
  }

  /// Parses what arrived; false once the connection is gone.
  bool parse(int i, stream_client& c) {
    if (!c.head_done) {
      auto end = c.in.find("\r\n\r\n");
      if (end == std::string::npos)
        return true;
      std::string_view head{c.in.data(), end};
      auto status = to_int(head.substr(9, 3)).value_or(0);
      c.statuses.push_back(static_cast<int>(status));
      c.head_done = true;
      if (status != 200) {
        // A refusal: note its Retry-After and come back then, with the
        // same Last-Event-ID.
        int wait = -1;
        std::size_t pos = 0;
        while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
          pos += 2;
          auto line = head.substr(pos, head.find("\r\n", pos) - pos);
          constexpr std::string_view name = "retry-after:";
          if (line.size() > name.size() &&
              std::equal(
                  name.begin(), name.end(), line.begin(), [](char a, char b) {
                    return a == std::tolower(static_cast<unsigned char>(b));
                  })) {
            auto value = line.substr(name.size());
            while (!value.empty() && value.front() == ' ')
              value.remove_prefix(1);
            wait = static_cast<int>(to_int(value).value_or(-1));
          }
        }
        c.retry_afters.push_back(wait);
        close(c);
        if (wait >= 0)
          c.retry_at = clock_type::now() + std::chrono::seconds{wait};
        on_progress(i);
        return false;
      }
      c.in.erase(0, end + 4);
    }
    // The stream: lines ending in \n (the server's frames); a blank line
    // dispatches, per the EventSource rules.
    std::size_t start = 0;
    for (;;) {
      auto nl = c.in.find('\n', start);
      if (nl == std::string::npos)
        break;
      std::string_view line{c.in.data() + start, nl - start};
      start = nl + 1;
      if (line.empty()) {
        if (c.frame_id)
          c.last_id = *c.frame_id;
        if (c.frame_has_data && c.frame_id)
          c.got.push_back(*c.frame_id);
        const bool progressed = c.frame_id.has_value();
        c.frame_id.reset();
        c.frame_has_data = false;
        if (progressed) {
          on_progress(i);
          if (c.fd < 0)
            return false;
        }
      } else if (line.starts_with("id: ")) {
        c.frame_id = to_int(line.substr(4));
      } else if (line.starts_with("data:")) {
        c.frame_has_data = true;
      }
    }
    c.in.erase(0, start);
    return true;
  }

  std::uint16_t port_;
  std::vector<stream_client> clients_;
  int epoll_;
  int open_ = 0;
  clock_type::time_point next_retry_check_{};
};

/// Polls GET /healthz on its own thread, one request at a time, until
/// stopped: every status and the slowest answer.
class health_poller {
public:
  explicit health_poller(std::string url)
      : url_(std::move(url))
      , thread_([this] { run(); }) {}
  ~health_poller() { stop(); }
  health_poller(const health_poller&) = delete;
  health_poller& operator=(const health_poller&) = delete;

  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  std::vector<long> statuses() const {
    std::lock_guard lock{mtx_};
    return statuses_;
  }
  clock_type::duration slowest() const {
    std::lock_guard lock{mtx_};
    return slowest_;
  }

private:
  void run() {
    while (!stop_) {
      const auto t0 = clock_type::now();
      auto r = http("GET", url_);
      const auto took = clock_type::now() - t0;
      {
        std::lock_guard lock{mtx_};
        statuses_.push_back(r.status);
        slowest_ = std::max(slowest_, took);
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  std::string url_;
  mutable std::mutex mtx_;
  std::vector<long> statuses_;
  clock_type::duration slowest_{};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::uint16_t port_of(const server_process& s) {
  auto colon = s.address().rfind(':');
  return static_cast<std::uint16_t>(
      to_int(s.address().substr(colon + 1)).value_or(0));
}

/// The storm's one account: signed up on the first start, logged in again
/// after the restart; returns its token.
std::string log_in(const server_process& s, bool first) {
  return first ? dots::test::sign_up(s.base_url(), "storm").token
               : dots::test::log_in(s.base_url(), "storm");
}

std::int64_t create_board(const server_process& s, const std::string& token,
                          const std::string& name) {
  return dots::test::create_board(s.base_url(), token, board_body(name));
}

/// A counter of GET /metrics (Prometheus text); -1 when it is missing.
std::int64_t counter(const server_process& s, std::string_view name) {
  auto page = http("GET", s.base_url() + "/metrics").body;
  const auto line = "\n" + std::string{name} + " ";
  auto at = page.find(line);
  if (at == std::string::npos)
    return -1;
  at += line.size();
  return to_int(std::string_view{page}.substr(at, page.find('\n', at) - at))
      .value_or(-1);
}

/// The first failures of `clients` that `bad` names, for a message.
std::string
first_failures(const std::vector<stream_client>& clients,
               const std::function<std::string(const stream_client&)>& bad) {
  std::string out;
  int shown = 0;
  for (std::size_t i = 0; i < clients.size() && shown < 5; ++i)
    if (auto why = bad(clients[i]); !why.empty()) {
      out += "\n  client " + std::to_string(i) + ": " + why;
      ++shown;
    }
  return out;
}

std::string ids_text(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids)
    out += std::to_string(id) + " ";
  return out;
}

/// The storm on the database `db` (a SQLite file or a PostgreSQL URI); the
/// servers write their logs into `log_dir`.
void storm(const std::string& db, const std::filesystem::path& log_dir) {
  // Room for the clients' descriptors: the soft limit up to the hard one.
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  ASSERT_GE(lim.rlim_cur, static_cast<rlim_t>(stream_count + 1000))
      << "a process here may hold 20,000 descriptors";

  // One bound for every wait of the test; it takes about 13 s here.
  const auto deadline = clock_type::now() + 50s;
  auto server = std::make_unique<server_process>(db, std::vector<std::string>{},
                                                 "127.0.0.1:0", log_dir);
  auto token = log_in(*server, true);
  // Every event is a new board, on a fresh database: ids 1, 2, 3.
  for (int i = 0; i < 3; ++i)
    create_board(*server, token, "before " + std::to_string(i));

  // -- before the restart: 10,000 fresh streams, then live events ------------
  stream_pool pool{port_of(*server)};
  auto& clients = pool.clients();
  for (int i = 0; i < stream_count; ++i)
    pool.connect(i, std::nullopt);
  // A fresh stream opens with the latest id: every client has one to
  // resume from even before its first event.
  auto all_at = [&](std::int64_t id) {
    return std::all_of(clients.begin(), clients.end(), [&](auto& c) {
      return c.last_id >= id || (c.leave_at >= 0 && c.last_id >= c.leave_at);
    });
  };
  ASSERT_TRUE(pool.run_until([&] { return all_at(3); }, deadline))
      << first_failures(clients, [](auto& c) {
           return c.last_id < 3
                      ? "last id " + std::to_string(c.last_id) + " " + c.failure
                      : std::string{};
         });
  // Four live events. A quarter of the clients leaves after each of the
  // first three (tabs closed at different times), so the storm resumes
  // from four different ids; the last quarter is still connected when the
  // server goes down.
  for (int i = 0; i < stream_count; ++i)
    clients[static_cast<std::size_t>(i)].leave_at = i % 4 == 3 ? -1 : 4 + i % 4;
  pool.on_progress = [&](int i) {
    auto& c = clients[static_cast<std::size_t>(i)];
    if (c.leave_at >= 0 && c.last_id >= c.leave_at)
      pool.leave(i);
  };
  for (std::int64_t id = 4; id <= 7; ++id) {
    create_board(*server, token, "live " + std::to_string(id));
    ASSERT_TRUE(pool.run_until([&] { return all_at(id); }, deadline))
        << "event " << id << " did not reach every stream";
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto& c = clients[i];
    const std::int64_t expected_last = c.leave_at >= 0 ? c.leave_at : 7;
    std::vector<std::int64_t> expected(
        static_cast<std::size_t>(expected_last - 3));
    std::iota(expected.begin(), expected.end(), 4);
    ASSERT_EQ(c.got, expected) << "client " << i << " before the restart";
  }

  // -- the restart: SIGTERM ends the streams; events while they are away ----
  const auto address = server->address();
  ASSERT_EQ(server->stop(SIGTERM), 0) << server->log();
  ASSERT_TRUE(
      pool.run_until([&] { return pool.open_connections() == 0; }, deadline))
      << pool.open_connections() << " streams still open after the stop";
  server.reset();
  server = std::make_unique<server_process>(
      db, std::vector<std::string>{"--max-streams", std::to_string(stream_cap)},
      address, log_dir);
  token = log_in(*server, false);
  for (std::int64_t id = 8; id <= 10; ++id)
    create_board(*server, token, "away " + std::to_string(id));
  constexpr std::int64_t latest = 10;

  // -- the storm -------------------------------------------------------------
  // Every client comes back at once with its Last-Event-ID. A resumed client
  // keeps its stream until every client has had its first answer, so that
  // the cap really is full while the storm arrives; then the caught-up ones
  // leave, and the refused ones come back when their Retry-After says.
  for (auto& c : clients) {
    c.resume_from = c.last_id;
    c.statuses.clear();
    c.failure.clear();
  }
  bool holding = true;
  auto caught_up = [&](const stream_client& c) {
    return !c.statuses.empty() && c.statuses.back() == 200 &&
           c.last_id == latest;
  };
  pool.on_progress = [&](int i) {
    if (!holding && caught_up(clients[static_cast<std::size_t>(i)]))
      pool.leave(i);
  };
  health_poller health{server->base_url() + "/healthz"};
  std::this_thread::sleep_for(100ms); // a first poll before the storm
  const auto storm_start = clock_type::now();
  for (int i = 0; i < stream_count; ++i)
    pool.connect(i, clients[static_cast<std::size_t>(i)].resume_from);
  const bool first_answers = pool.run_until(
      [&] {
        return std::all_of(clients.begin(), clients.end(), [&](auto& c) {
          return !c.failure.empty() || c.retry_at || caught_up(c);
        });
      },
      deadline);
  holding = false;
  for (int i = 0; i < stream_count; ++i)
    if (caught_up(clients[static_cast<std::size_t>(i)]))
      pool.leave(i);
  const bool all_resumed =
      first_answers &&
      pool.run_until(
          [&] {
            return std::all_of(clients.begin(), clients.end(), [&](auto& c) {
              return !c.failure.empty() || (caught_up(c) && c.fd < 0);
            });
          },
          deadline);
  const auto storm_time = clock_type::now() - storm_start;
  health.stop();

  // -- what every client saw ----------------------------------------------
  int resumed_first = 0;
  int refused_first = 0;
  std::map<int, int> retry_after_spread;
  for (auto& c : clients) {
    resumed_first += !c.statuses.empty() && c.statuses.front() == 200;
    refused_first += !c.statuses.empty() && c.statuses.front() == 503;
    for (auto s : c.retry_afters)
      ++retry_after_spread[s];
  }
  const auto healthz = health.statuses();
  std::cout << "storm: " << stream_count << " streams, cap " << stream_cap
            << "; resumed at first try " << resumed_first << ", refused "
            << refused_first << "; Retry-After (s: count)";
  for (auto [s, n] : retry_after_spread)
    std::cout << " " << s << ": " << n;
  std::cout << "; all resumed after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(storm_time)
                   .count()
            << " ms; /healthz polled " << healthz.size()
            << " times, slowest answer "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   health.slowest())
                   .count()
            << " ms\n";

  EXPECT_TRUE(first_answers) << "not every client got an answer";
  EXPECT_TRUE(all_resumed) << first_failures(clients, [&](auto& c) {
    return caught_up(c)
               ? std::string{}
               : "last id " + std::to_string(c.last_id) + " " + c.failure;
  });
  // Each stream, resumed at once or after its refusals, got exactly the
  // events after its Last-Event-ID, in order, once.
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto& c = clients[i];
    ASSERT_TRUE(c.failure.empty()) << "client " << i << ": " << c.failure;
    std::vector<std::int64_t> expected(
        static_cast<std::size_t>(latest - c.resume_from));
    std::iota(expected.begin(), expected.end(), c.resume_from + 1);
    ASSERT_EQ(c.got, expected) << "client " << i << " resumed from "
                               << c.resume_from << " got " << ids_text(c.got);
    ASSERT_FALSE(c.statuses.empty());
    EXPECT_EQ(c.statuses.back(), 200) << "client " << i;
    for (std::size_t k = 0; k + 1 < c.statuses.size(); ++k)
      EXPECT_EQ(c.statuses[k], 503) << "client " << i << " answer " << k;
  }
  // The cap held while the storm arrived: exactly that many got in, the
  // rest were refused.
  EXPECT_EQ(resumed_first, stream_cap);
  EXPECT_EQ(refused_first, stream_count - stream_cap);
  // Refusals named waits from the documented window, not all the same.
  ASSERT_FALSE(retry_after_spread.empty());
  EXPECT_GE(retry_after_spread.begin()->first, retry_after_min);
  EXPECT_LE(retry_after_spread.rbegin()->first, retry_after_max);
  EXPECT_GT(retry_after_spread.size(), 1u);
  // The server counted every refusal the clients saw.
  const auto refusals =
      std::accumulate(retry_after_spread.begin(), retry_after_spread.end(), 0,
                      [](int sum, const auto& kv) { return sum + kv.second; });
  EXPECT_EQ(counter(*server, "dots_streams_refused_total"), refusals);
  // /healthz answered every poll, before, during and after the storm.
  ASSERT_FALSE(healthz.empty());
  EXPECT_EQ(std::count(healthz.begin(), healthz.end(), 200L),
            static_cast<std::ptrdiff_t>(healthz.size()));

  EXPECT_EQ(server->stop(SIGTERM), 0) << server->log();
}

TEST(Storm, TenThousandStreamsResumeAfterARestartThroughRefusalsOnSqlite) {
  temp_dir dir;
  storm((dir.path() / "dots.db").string(), dir.path());
}

TEST(Storm, TenThousandStreamsResumeAfterARestartThroughRefusalsOnPostgres) {
  temp_dir logs;
  pg_database db;
  storm(db.url(), logs.path());
}

} // namespace
