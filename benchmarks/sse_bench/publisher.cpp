#include "publisher.hpp"

#include "clock.hpp"
#include "http_parse.hpp"
#include "net.hpp"
#include "sse_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace dots::bench {

namespace {

class publisher {
public:
  explicit publisher(const publish_config& cfg)
      : cfg_(cfg)
      , conns_(static_cast<std::size_t>(std::max(1, cfg.connections)) *
               std::max<std::size_t>(1, cfg.targets.size())) {
    for (std::size_t i = 0; i < conns_.size(); ++i)
      conns_[i].target = i % cfg.targets.size();
  }

  ~publisher() {
    for (auto& c : conns_)
      if (c.fd >= 0)
        ::close(c.fd);
    if (epoll_ >= 0)
      ::close(epoll_);
  }

  publish_result run();

private:
  enum class state : std::uint8_t {
    closed,
    connecting,
    idle,
    writing,
    reading
  };

  struct conn {
    std::size_t target = 0; ///< index into cfg_.targets
    int fd = -1;
    state st = state::closed;
    std::int64_t retry_at_ns = 0;
    std::string out;
    std::size_t out_off = 0;
    std::unique_ptr<head_reader> head;
    bool have_head = false;
    bool until_close = false;
    std::int64_t body_left = 0;
    chunked_decoder chunks;
    std::uint32_t seq = 0;
    std::int64_t sent_ns = 0;
  };

  std::string body_for(std::uint32_t seq, std::int64_t now) const;
  std::int64_t due(std::uint32_t seq) const;
  /// Whether connection `i` is the kind that carries event `seq`.
  bool carries(std::size_t i, std::uint32_t seq) const {
    return seq % cfg_.targets.size() == conns_[i].target;
  }
  void connect(std::size_t i, std::int64_t now);
  void send(std::size_t i, std::int64_t now);
  void flush(std::size_t i);
  void on_event(std::size_t i, std::uint32_t events, std::int64_t now);
  void on_readable(std::size_t i, std::int64_t now);
  void complete(std::size_t i, std::int64_t now, int status);
  void drop(std::size_t i, const std::string& reason, std::int64_t now);
  void watch(std::size_t i, std::uint32_t events, int op);

  const publish_config& cfg_;
  std::vector<conn> conns_;
  int epoll_ = -1;
  std::uint32_t next_ = 0;
  std::uint32_t consecutive_connect_failures_ = 0;
  publish_result r_;
};

std::string publisher::body_for(std::uint32_t seq, std::int64_t now) const {
  const std::string tag = make_tag(cfg_.run, seq, now);
  if (cfg_.kind == trigger_kind::plain)
    return tag;
  // The smallest valid board: one colour on two corners of a 2×2 grid.
  return R"({"name":")" + tag +
         R"(","rows":2,"cols":2,"dots":[{"row":0,"col":0,"color":"#ff0000"},)"
         R"({"row":1,"col":1,"color":"#ff0000"}]})";
}

std::int64_t publisher::due(std::uint32_t seq) const {
  if (cfg_.rate <= 0)
    return r_.start_ns;
  return r_.start_ns +
         static_cast<std::int64_t>(static_cast<double>(seq) * 1e9 / cfg_.rate);
}

void publisher::watch(std::size_t i, std::uint32_t events, int op) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = i;
  ::epoll_ctl(epoll_, op, conns_[i].fd, &ev);
}

void publisher::connect(std::size_t i, std::int64_t now) {
  conn& c = conns_[i];
  int err = 0;
  c.fd = start_connect(cfg_.targets[c.target].dest, nullptr, err);
  ++r_.connects;
  if (c.fd < 0) {
    ++consecutive_connect_failures_;
    c.st = state::closed;
    c.retry_at_ns = now + 100 * ns_per_ms;
    return;
  }
  c.st = state::connecting;
  c.sent_ns = now; // bounds the connect by the request timeout too
  watch(i, EPOLLOUT, EPOLL_CTL_ADD);
}

void publisher::send(std::size_t i, std::int64_t now) {
  conn& c = conns_[i];
  c.seq = next_++;
  const std::string body = body_for(c.seq, now);
  const publish_target& t = cfg_.targets[c.target];
  c.out =
      "POST " + t.target + " HTTP/1.1\r\nHost: " + t.host_header +
      "\r\nContent-Type: " +
      (cfg_.kind == trigger_kind::board ? "application/json" : "text/plain") +
      "\r\n";
  if (!cfg_.bearer.empty())
    c.out += "Authorization: Bearer " + cfg_.bearer + "\r\n";
  c.out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  c.out += body;
  c.out_off = 0;
  c.head = std::make_unique<head_reader>();
  c.have_head = false;
  c.until_close = false;
  c.chunks = chunked_decoder{};
  c.sent_ns = now;
  c.st = state::writing;
  ++r_.sent;
  flush(i);
}

void publisher::flush(std::size_t i) {
  conn& c = conns_[i];
  while (c.out_off < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_off,
                             c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN) {
        watch(i, EPOLLOUT, EPOLL_CTL_MOD);
        return;
      }
      if (errno == EINTR)
        continue;
      drop(i, errno_key(errno), now_ns());
      return;
    }
    c.out_off += static_cast<std::size_t>(n);
  }
  c.st = state::reading;
  watch(i, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
}

void publisher::complete(std::size_t i, std::int64_t now, int status) {
  conn& c = conns_[i];
  r_.latency.record(now - c.sent_ns);
  if (status >= 200 && status < 300) {
    ++r_.ok;
  } else {
    ++r_.failed;
    ++r_.failures["status_" + std::to_string(status)];
    r_.failed_seqs.push_back(c.seq);
  }
  const bool close = c.head->head().close || c.until_close;
  c.head.reset();
  if (close) {
    ::close(c.fd);
    c.fd = -1;
    c.st = state::closed;
    c.retry_at_ns = now;
  } else {
    c.st = state::idle;
  }
}

void publisher::drop(std::size_t i, const std::string& reason,
                     std::int64_t now) {
  conn& c = conns_[i];
  if (c.st == state::writing || c.st == state::reading) {
    ++r_.failed;
    ++r_.failures[reason];
    r_.failed_seqs.push_back(c.seq);
  } else if (c.st == state::connecting) {
    ++consecutive_connect_failures_;
  }
  if (c.fd >= 0)
    ::close(c.fd);
  c.fd = -1;
  c.st = state::closed;
  c.head.reset();
  c.retry_at_ns = now + 10 * ns_per_ms;
}

void publisher::on_readable(std::size_t i, std::int64_t now) {
  conn& c = conns_[i];
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        return;
      drop(i, errno_key(errno), now);
      return;
    }
    if (n == 0) {
      if (c.st == state::reading && c.have_head && c.until_close)
        complete(i, now, c.head->head().status);
      else
        drop(i, c.st == state::reading ? "closed" : "idle_closed", now);
      return;
    }
    if (c.st != state::reading)
      continue; // bytes nobody asked for: ignore
    const char* p = buf;
    auto left = static_cast<std::size_t>(n);
    if (!c.have_head) {
      std::size_t used = 0;
      const auto st = c.head->feed(p, left, used);
      if (st == head_reader::status::error) {
        drop(i, "bad_head", now);
        return;
      }
      if (st == head_reader::status::need_more)
        continue;
      c.have_head = true;
      p += used;
      left -= used;
      const response_head& h = c.head->head();
      if (h.bodiless()) {
        c.body_left = 0;
      } else if (h.chunked) {
        c.body_left = -1;
      } else if (h.content_length >= 0) {
        c.body_left = h.content_length;
      } else {
        c.until_close = true;
      }
      if (!h.chunked && !c.until_close && c.body_left == 0) {
        complete(i, now, h.status);
        return;
      }
    }
    const response_head& h = c.head->head();
    if (h.chunked) {
      const auto st = c.chunks.feed(p, left, [](const char*, std::size_t) {});
      if (st == chunked_decoder::status::error) {
        drop(i, "bad_chunk", now);
        return;
      }
      if (st == chunked_decoder::status::finished) {
        complete(i, now, h.status);
        return;
      }
    } else if (!c.until_close) {
      c.body_left -= static_cast<std::int64_t>(left);
      if (c.body_left <= 0) {
        complete(i, now, h.status);
        return;
      }
    }
  }
}

void publisher::on_event(std::size_t i, std::uint32_t events,
                         std::int64_t now) {
  conn& c = conns_[i];
  if (c.st == state::connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      drop(i, errno_key(err), now);
      return;
    }
    consecutive_connect_failures_ = 0;
    c.st = state::idle;
    watch(i, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
    return;
  }
  if (c.st == state::writing && (events & EPOLLOUT)) {
    flush(i);
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    on_readable(i, now);
}

publish_result publisher::run() {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  r_.start_ns = now_ns();
  std::int64_t next_tick = r_.start_ns;
  std::vector<epoll_event> events(64);
  for (;;) {
    std::int64_t now = now_ns();
    if (r_.ok + r_.failed + r_.unsent >= cfg_.events || now >= cfg_.deadline_ns)
      break;
    if (cfg_.stop_sending_ns > 0 && now >= cfg_.stop_sending_ns &&
        next_ < cfg_.events) {
      r_.unsent = cfg_.events - next_;
      next_ = cfg_.events;
    }
    if (consecutive_connect_failures_ > 50) {
      // The target is gone: count every remaining event as failed.
      const std::uint32_t rest = cfg_.events - next_;
      r_.failed += rest;
      r_.failures["unreachable"] += rest;
      next_ = cfg_.events;
    }
    if (now >= next_tick) {
      next_tick = now + 100 * ns_per_ms;
      if (cfg_.on_tick)
        cfg_.on_tick();
    }
    std::int64_t wake = next_tick;
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      conn& c = conns_[i];
      if ((c.st == state::writing || c.st == state::reading ||
           c.st == state::connecting) &&
          now - c.sent_ns > cfg_.request_timeout_ns) {
        drop(i, "timeout", now);
      }
      if (c.st == state::closed && next_ < cfg_.events) {
        if (now >= c.retry_at_ns)
          connect(i, now);
        else
          wake = std::min(wake, c.retry_at_ns);
      }
      // The next event waits for a connection to its own target, even if
      // others are idle: which instance wrote it must follow from its seq.
      if (c.st == state::idle && next_ < cfg_.events && carries(i, next_)) {
        if (due(next_) <= now)
          send(i, now);
        else
          wake = std::min(wake, due(next_));
      }
    }
    wake = std::min(wake, cfg_.deadline_ns);
    const std::int64_t wait_ns = std::max<std::int64_t>(wake - now_ns(), 0);
    // Round up so that a due event is never spun on with a zero timeout.
    const int timeout = static_cast<int>((wait_ns + ns_per_ms - 1) / ns_per_ms);
    const int n = ::epoll_wait(epoll_, events.data(),
                               static_cast<int>(events.size()), timeout);
    now = now_ns();
    for (int k = 0; k < n; ++k) {
      const auto& ev = events[static_cast<std::size_t>(k)];
      on_event(static_cast<std::size_t>(ev.data.u64), ev.events, now);
    }
  }
  // Whatever is still in flight at the deadline never got an answer.
  for (std::size_t i = 0; i < conns_.size(); ++i) {
    const conn& c = conns_[i];
    if (c.st == state::writing || c.st == state::reading) {
      ++r_.failed;
      ++r_.failures["deadline"];
      r_.failed_seqs.push_back(c.seq);
    }
  }
  if (next_ < cfg_.events) {
    r_.failed += cfg_.events - next_;
    r_.failures["not_sent"] += cfg_.events - next_;
  }
  r_.end_ns = now_ns();
  return r_;
}

} // namespace

publish_result run_publisher(const publish_config& cfg) {
  if (cfg.targets.empty())
    return publish_result{};
  publisher p(cfg);
  return p.run();
}

} // namespace dots::bench
