#include "stream_worker.hpp"

#include "clock.hpp"
#include "control.hpp"
#include "histogram.hpp"
#include "http_parse.hpp"
#include "net.hpp"
#include "sse_parser.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <map>
#include <memory>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dots::bench {

namespace {

constexpr std::uint64_t control_key = ~std::uint64_t{0};

class stream_worker {
public:
  stream_worker(const worker_config& cfg, int control)
      : cfg_(cfg)
      , control_(control)
      , tags_(cfg.run)
      , streams_(cfg.streams)
      , words_((cfg.events + 63) / 64)
      , buf_(64 * 1024)
      , split_(cfg.endpoints.size() > 1 &&
               cfg.publishers == cfg.endpoints.size()) {}

  ~stream_worker() {
    for (auto& s : streams_)
      if (s.fd >= 0)
        ::close(s.fd);
    if (epoll_ >= 0)
      ::close(epoll_);
  }

  int run();

private:
  enum class phase : std::uint8_t { idle, connecting, head, open, done };

  struct stream {
    int fd = -1;
    std::uint16_t endpoint = 0; ///< index into cfg_.endpoints
    phase ph = phase::idle;
    bool chunked = false;
    bool retry_seen = false;
    std::int32_t last_seq = -1;
    std::uint32_t unique = 0;
    std::int64_t started_ns = 0;
    std::unique_ptr<head_reader> head;
    // One bit per published event: order-independent duplicate detection,
    // since concurrent publishers may legitimately reorder events.
    std::unique_ptr<std::uint64_t[]> seen;
    chunked_decoder chunks;
    sse_parser sse;
  };

  /// Receives parser callbacks for one stream and one read.
  struct delivery {
    stream_worker& w;
    stream& s;
    std::int64_t recv_ns;

    void on_event(bool tagged, const event_tag& tag) {
      w.on_event(s, tagged, tag, recv_ns);
    }
    void on_comment() { ++w.comments_; }
    void on_retry() {
      if (!s.retry_seen) {
        s.retry_seen = true;
        ++w.retry_streams_;
      }
    }
  };

  void on_event(stream& s, bool tagged, const event_tag& tag,
                std::int64_t recv_ns);
  void open_more(std::int64_t now);
  void on_connected(std::uint32_t i, std::int64_t now);
  void on_readable(std::uint32_t i);
  bool on_head(std::uint32_t i, const char* p, std::size_t n, std::int64_t now);
  bool on_body(stream& s, const char* p, std::size_t n, std::int64_t now);
  void fail(std::uint32_t i, const std::string& reason);
  void close_open(std::uint32_t i);
  void release(stream& s);
  void check_timeouts(std::int64_t now);
  bool handle_control();
  bool finished_draining(std::int64_t now);
  std::uint32_t unacknowledged(const stream& s) const;
  void report_connected();
  message counters(std::string command) const;

  const worker_config& cfg_;
  int control_;
  int epoll_ = -1;
  tag_matcher tags_;
  std::vector<stream> streams_;
  std::size_t words_;
  std::vector<char> buf_;

  // -- progress ---
  bool connecting_ = false;
  bool connected_sent_ = false;
  bool finishing_ = false;
  bool quit_ = false;
  std::size_t next_ = 0;
  std::size_t in_flight_ = 0;
  std::int64_t first_start_ns_ = 0;
  std::int64_t last_established_ns_ = 0;
  std::int64_t last_scan_ns_ = 0;
  std::int64_t drain_deadline_ns_ = 0;
  std::uint32_t expected_ = 0;
  /// Events whose publishing failed: they may arrive but are not expected.
  std::vector<std::uint64_t> failed_mask_;

  // -- counters ---
  std::uint64_t established_ = 0;
  std::uint64_t failed_ = 0;
  std::map<std::string, std::uint64_t> failures_;
  std::uint64_t closed_by_server_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t out_of_order_ = 0;
  std::uint64_t foreign_ = 0;
  std::uint64_t untagged_ = 0;
  std::uint64_t comments_ = 0;
  std::uint64_t retry_streams_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t warn_cache_control_ = 0;
  std::uint64_t warn_accel_ = 0;
  histogram latency_;
  histogram connect_;
  /// Latency split by where the event was written: on the stream's own
  /// instance or on another one (only with `split_`).
  bool split_;
  histogram latency_same_;
  histogram latency_cross_;
};

void stream_worker::on_event(stream& s, bool tagged, const event_tag& tag,
                             std::int64_t recv_ns) {
  if (!tagged) {
    // Pings sent as events (nchan can do that) and other runs' events.
    ++untagged_;
    return;
  }
  if (tag.seq >= cfg_.events) {
    ++foreign_;
    return;
  }
  if (!s.seen) {
    s.seen = std::make_unique<std::uint64_t[]>(words_);
    std::fill_n(s.seen.get(), words_, 0);
  }
  std::uint64_t& word = s.seen[tag.seq / 64];
  const std::uint64_t bit = std::uint64_t{1} << (tag.seq % 64);
  if (word & bit) {
    ++duplicates_;
    return;
  }
  word |= bit;
  ++s.unique;
  ++events_;
  if (static_cast<std::int32_t>(tag.seq) < s.last_seq)
    ++out_of_order_;
  s.last_seq = static_cast<std::int32_t>(tag.seq);
  latency_.record(recv_ns - tag.sent_ns);
  if (split_) {
    const bool same = tag.seq % cfg_.publishers == s.endpoint;
    (same ? latency_same_ : latency_cross_).record(recv_ns - tag.sent_ns);
  }
}

void stream_worker::open_more(std::int64_t now) {
  while (next_ < streams_.size() &&
         in_flight_ < static_cast<std::size_t>(cfg_.connect_concurrency)) {
    const std::uint32_t i = static_cast<std::uint32_t>(next_++);
    stream& s = streams_[i];
    s.started_ns = now;
    s.endpoint = static_cast<std::uint16_t>((cfg_.first_index + i) %
                                            cfg_.endpoints.size());
    if (first_start_ns_ == 0)
      first_start_ns_ = now;
    const in_addr* source =
        cfg_.sources.empty()
            ? nullptr
            : &cfg_.sources[(cfg_.first_index + i) % cfg_.sources.size()];
    int err = 0;
    s.fd = start_connect(cfg_.endpoints[s.endpoint].dest, source, err);
    if (s.fd < 0) {
      ++in_flight_; // fail() takes it back
      fail(i, errno_key(err));
      if (err == EMFILE || err == ENFILE) {
        // No descriptor will free itself up: mark the rest failed instead of
        // retrying in a loop.
        while (next_ < streams_.size()) {
          ++in_flight_;
          fail(static_cast<std::uint32_t>(next_++), errno_key(err));
        }
      }
      continue;
    }
    s.ph = phase::connecting;
    ++in_flight_;
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = i;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd, &ev);
  }
}

void stream_worker::on_connected(std::uint32_t i, std::int64_t /*now*/) {
  stream& s = streams_[i];
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    fail(i, errno_key(err));
    return;
  }
  const stream_endpoint& e = cfg_.endpoints[s.endpoint];
  const std::string request = "GET " + e.target +
                              " HTTP/1.1\r\nHost: " + e.host_header +
                              "\r\nAccept: text/event-stream\r\n"
                              "Cache-Control: no-cache\r\n\r\n";
  const ssize_t n = ::send(s.fd, request.data(), request.size(), MSG_NOSIGNAL);
  if (n != static_cast<ssize_t>(request.size())) {
    // A fresh socket always takes a few hundred bytes at once.
    fail(i, n < 0 ? errno_key(errno) : "short_write");
    return;
  }
  s.ph = phase::head;
  s.head = std::make_unique<head_reader>();
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = i;
  ::epoll_ctl(epoll_, EPOLL_CTL_MOD, s.fd, &ev);
}

void stream_worker::on_readable(std::uint32_t i) {
  stream& s = streams_[i];
  // A few reads per wake-up at most, so one busy stream cannot starve the
  // others (level-triggered epoll brings us back).
  for (int round = 0; round < 4 && s.fd >= 0; ++round) {
    const ssize_t n = ::recv(s.fd, buf_.data(), buf_.size(), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        return;
      if (s.ph == phase::head)
        fail(i, errno_key(errno));
      else
        close_open(i);
      return;
    }
    if (n == 0) {
      if (s.ph == phase::head)
        fail(i, "closed_before_head");
      else
        close_open(i);
      return;
    }
    const std::int64_t now = now_ns();
    bytes_ += static_cast<std::uint64_t>(n);
    const auto size = static_cast<std::size_t>(n);
    const bool ok = s.ph == phase::head ? on_head(i, buf_.data(), size, now)
                                        : on_body(s, buf_.data(), size, now);
    if (!ok) {
      close_open(i);
      return;
    }
    if (size < buf_.size())
      return;
  }
}

bool stream_worker::on_head(std::uint32_t i, const char* p, std::size_t n,
                            std::int64_t now) {
  stream& s = streams_[i];
  std::size_t used = 0;
  const auto st = s.head->feed(p, n, used);
  if (st == head_reader::status::need_more)
    return true;
  if (st == head_reader::status::error) {
    fail(i, "bad_head");
    return true;
  }
  const response_head& h = s.head->head();
  if (h.status != 200) {
    fail(i, "status_" + std::to_string(h.status));
    return true;
  }
  if (!icontains(h.content_type, "text/event-stream")) {
    fail(i, "content_type");
    return true;
  }
  if (!icontains(h.cache_control, "no-cache"))
    ++warn_cache_control_;
  if (!iequals(h.x_accel_buffering, "no"))
    ++warn_accel_;
  s.chunked = h.chunked;
  s.head.reset();
  s.ph = phase::open;
  --in_flight_;
  ++established_;
  last_established_ns_ = now;
  connect_.record(now - s.started_ns);
  return on_body(s, p + used, n - used, now);
}

bool stream_worker::on_body(stream& s, const char* p, std::size_t n,
                            std::int64_t now) {
  if (n == 0)
    return true;
  delivery d{*this, s, now};
  if (!s.chunked)
    return s.sse.feed(p, n, tags_, d);
  bool ok = true;
  const auto st = s.chunks.feed(p, n, [&](const char* q, std::size_t k) {
    ok = ok && s.sse.feed(q, k, tags_, d);
  });
  // The last chunk ends the stream just as a close would.
  return ok && st == chunked_decoder::status::ok;
}

void stream_worker::fail(std::uint32_t i, const std::string& reason) {
  stream& s = streams_[i];
  ++failed_;
  ++failures_[reason];
  --in_flight_;
  release(s);
}

void stream_worker::close_open(std::uint32_t i) {
  stream& s = streams_[i];
  if (s.ph != phase::open)
    return;
  ++closed_by_server_;
  release(s);
}

void stream_worker::release(stream& s) {
  if (s.fd >= 0)
    ::close(s.fd); // also leaves the epoll set
  s.fd = -1;
  s.ph = phase::done;
  s.head.reset();
}

void stream_worker::check_timeouts(std::int64_t now) {
  for (std::uint32_t i = 0; i < streams_.size(); ++i) {
    const stream& s = streams_[i];
    if ((s.ph == phase::connecting || s.ph == phase::head) &&
        now - s.started_ns > cfg_.connect_timeout_ns)
      fail(i, "timeout");
  }
}

std::uint32_t stream_worker::unacknowledged(const stream& s) const {
  if (failed_mask_.empty() || !s.seen)
    return 0;
  std::uint32_t n = 0;
  for (std::size_t w = 0; w < words_; ++w)
    n += static_cast<std::uint32_t>(std::popcount(s.seen[w] & failed_mask_[w]));
  return n;
}

bool stream_worker::finished_draining(std::int64_t now) {
  if (now >= drain_deadline_ns_)
    return true;
  for (const stream& s : streams_)
    if (s.ph == phase::open && s.unique - unacknowledged(s) < expected_)
      return false;
  return true;
}

message stream_worker::counters(std::string command) const {
  message m;
  m.command = std::move(command);
  std::uint64_t open = 0, complete = 0, extra = 0;
  std::uint32_t min_events = ~std::uint32_t{0};
  for (const stream& s : streams_) {
    const std::uint32_t unacked = unacknowledged(s);
    extra += unacked;
    if (s.ph != phase::open)
      continue;
    ++open;
    if (s.unique - unacked >= expected_)
      ++complete;
    min_events = std::min(min_events, s.unique - unacked);
  }
  m.set("established", static_cast<std::int64_t>(established_))
      .set("failed", static_cast<std::int64_t>(failed_))
      .set("open", static_cast<std::int64_t>(open))
      .set("complete", static_cast<std::int64_t>(complete))
      .set("min_events", open == 0 ? 0 : static_cast<std::int64_t>(min_events))
      .set("closed", static_cast<std::int64_t>(closed_by_server_))
      .set("events", static_cast<std::int64_t>(events_ - extra))
      .set("unacknowledged_events", static_cast<std::int64_t>(extra))
      .set("duplicates", static_cast<std::int64_t>(duplicates_))
      .set("out_of_order", static_cast<std::int64_t>(out_of_order_))
      .set("foreign", static_cast<std::int64_t>(foreign_))
      .set("untagged", static_cast<std::int64_t>(untagged_))
      .set("comments", static_cast<std::int64_t>(comments_))
      .set("retry", static_cast<std::int64_t>(retry_streams_))
      .set("bytes", static_cast<std::int64_t>(bytes_))
      .set("warn_cache_control", static_cast<std::int64_t>(warn_cache_control_))
      .set("warn_accel_buffering", static_cast<std::int64_t>(warn_accel_))
      .set("connect_wall_ns", last_established_ns_ > first_start_ns_
                                  ? last_established_ns_ - first_start_ns_
                                  : 0)
      .set("connect", connect_.serialize());
  for (const auto& [reason, n] : failures_)
    m.set("fail." + reason, static_cast<std::int64_t>(n));
  return m;
}

void stream_worker::report_connected() {
  connected_sent_ = true;
  send_message(control_, counters("connected"));
}

bool stream_worker::handle_control() {
  bool closed = false;
  const auto m = receive_message(control_, 0, closed);
  if (closed)
    return false; // the coordinator is gone: nothing to report to
  if (!m)
    return true;
  const std::int64_t now = now_ns();
  if (m->command == "connect") {
    connecting_ = true;
  } else if (m->command == "mark") {
    send_message(control_, counters("mark"));
  } else if (m->command == "finish") {
    finishing_ = true;
    expected_ = static_cast<std::uint32_t>(m->get_int("expected"));
    const std::string_view failed = m->get("failed");
    if (!failed.empty()) {
      failed_mask_.assign(words_, 0);
      std::size_t pos = 0;
      while (pos < failed.size()) {
        const std::size_t comma =
            std::min(failed.find(',', pos), failed.size());
        std::uint32_t seq = 0;
        std::from_chars(failed.data() + pos, failed.data() + comma, seq);
        if (seq < cfg_.events)
          failed_mask_[seq / 64] |= std::uint64_t{1} << (seq % 64);
        pos = comma + 1;
      }
    }
    drain_deadline_ns_ = now + m->get_int("drain_ms") * ns_per_ms;
  } else if (m->command == "quit") {
    quit_ = true;
  }
  return true;
}

int stream_worker::run() {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0)
    return 1;
  epoll_event cev{};
  cev.events = EPOLLIN;
  cev.data.u64 = control_key;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, control_, &cev);

  std::vector<epoll_event> events(1024);
  while (!quit_) {
    std::int64_t now = now_ns();
    if (now >= cfg_.hard_deadline_ns)
      break;
    if (connecting_) {
      open_more(now);
      if (now - last_scan_ns_ > 100 * ns_per_ms) {
        last_scan_ns_ = now;
        check_timeouts(now);
      }
      if (next_ == streams_.size() && in_flight_ == 0) {
        connecting_ = false;
        report_connected();
      }
    }
    if (finishing_ && now - last_scan_ns_ > 20 * ns_per_ms) {
      last_scan_ns_ = now;
      if (finished_draining(now))
        break;
    }
    const int timeout = (connecting_ || finishing_) ? 20 : 200;
    const int n = ::epoll_wait(epoll_, events.data(),
                               static_cast<int>(events.size()), timeout);
    if (n < 0 && errno != EINTR)
      break;
    now = now_ns();
    for (int k = 0; k < n; ++k) {
      const epoll_event& ev = events[static_cast<std::size_t>(k)];
      if (ev.data.u64 == control_key) {
        if (!handle_control())
          return 1;
        continue;
      }
      const auto i = static_cast<std::uint32_t>(ev.data.u64);
      stream& s = streams_[i];
      if (s.ph == phase::connecting)
        on_connected(i, now);
      else if (s.ph == phase::head || s.ph == phase::open)
        on_readable(i);
    }
  }
  if (!connected_sent_)
    report_connected();
  message m = counters("final");
  m.set("latency", latency_.serialize());
  if (split_) {
    m.set("latency_same", latency_same_.serialize());
    m.set("latency_cross", latency_cross_.serialize());
  }
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const auto cpu_us = [](const timeval& t) {
    return std::int64_t{t.tv_sec} * 1'000'000 + t.tv_usec;
  };
  m.set("cpu_us", cpu_us(ru.ru_utime) + cpu_us(ru.ru_stime));
  m.set("maxrss_kib", std::int64_t{ru.ru_maxrss});
  send_message(control_, m);
  return 0;
}

} // namespace

int run_stream_worker(const worker_config& cfg, int control_fd) {
  stream_worker w(cfg, control_fd);
  return w.run();
}

} // namespace dots::bench
