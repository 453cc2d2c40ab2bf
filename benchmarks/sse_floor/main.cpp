// sse-floor: the least work a server can do to fan SSE frames out, as the
// floor the real servers are compared with. One thread, one epoll set, no
// allocation per frame: any GET becomes a stream; a POST's body is published
// as one frame, written to every stream with one send() each.
//
//   sse-floor --listen 127.0.0.1:PORT [--keepalive-seconds 15]
//             [--max-streams 19900] [--max-backlog-kib 256]

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

volatile sig_atomic_t stop_requested = 0;

void on_signal(int) {
  stop_requested = 1;
}

std::int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sse-floor: %s\n", what);
  std::exit(1);
}

struct options {
  sockaddr_in listen{};
  std::string listen_text;
  int keepalive_s = 15;
  std::size_t max_streams = 19900;
  std::size_t max_backlog = 256 * 1024;
};

long parse_long(const char* text, const char* what) {
  long v = 0;
  const std::string_view s = text;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < 0)
    die(what);
  return v;
}

options parse_options(int argc, char** argv) {
  options o;
  o.listen_text = "127.0.0.1:8090";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view key = argv[i];
    if (key == "--listen")
      o.listen_text = argv[i + 1];
    else if (key == "--keepalive-seconds")
      o.keepalive_s =
          static_cast<int>(parse_long(argv[i + 1], "bad keepalive"));
    else if (key == "--max-streams")
      o.max_streams =
          static_cast<std::size_t>(parse_long(argv[i + 1], "bad max-streams"));
    else if (key == "--max-backlog-kib")
      o.max_backlog = static_cast<std::size_t>(
                          parse_long(argv[i + 1], "bad max-backlog-kib")) *
                      1024;
    else
      die("usage: sse-floor --listen 127.0.0.1:PORT [--keepalive-seconds N] "
          "[--max-streams N] [--max-backlog-kib N]");
  }
  if (argc % 2 == 0)
    die("options come in pairs");
  const std::size_t colon = o.listen_text.rfind(':');
  if (colon == std::string::npos)
    die("--listen needs IP:PORT");
  const std::string host = o.listen_text.substr(0, colon);
  o.listen.sin_family = AF_INET;
  o.listen.sin_port = htons(static_cast<std::uint16_t>(
      parse_long(o.listen_text.c_str() + colon + 1, "bad port")));
  if (inet_pton(AF_INET, host.c_str(), &o.listen.sin_addr) != 1 ||
      (ntohl(o.listen.sin_addr.s_addr) >> 24) != 127)
    die("--listen must be a 127.x.x.x address: this is a loopback benchmark");
  return o;
}

class floor_server {
public:
  explicit floor_server(const options& o)
      : opt_(o) {}
  int run();

private:
  enum class kind : std::uint8_t { none, request, stream };

  struct conn {
    kind k = kind::none;
    std::uint32_t index = 0; ///< position in streams_
    std::string in;          ///< request bytes not yet handled
    std::string out;         ///< what a stream could not take at once
  };

  void accept_all();
  void on_readable(int fd);
  bool handle_requests(int fd);
  void start_stream(int fd);
  void publish(std::string_view body);
  void write_all(std::string_view frame);
  void write_to(int fd, std::string_view bytes);
  void flush(int fd);
  void close_conn(int fd);
  void watch(int fd, std::uint32_t events, int op);

  const options& opt_;
  int epoll_ = -1;
  int listener_ = -1;
  bool listening_ = true;
  std::int64_t resume_accept_ms_ = 0;
  std::vector<conn> conns_; ///< indexed by descriptor
  std::vector<int> streams_;
  std::int64_t next_id_ = 1;
  std::string frame_; ///< reused for every frame: no allocation per event
};

void floor_server::watch(int fd, std::uint32_t events, int op) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  ::epoll_ctl(epoll_, op, fd, &ev);
}

void floor_server::accept_all() {
  for (int k = 0; k < 1024; ++k) {
    const int fd =
        ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
          errno == ENOMEM) {
        // Out of descriptors: stop polling the listener for a while rather
        // than spin on an error that will not go away by itself.
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listener_, nullptr);
        listening_ = false;
        resume_accept_ms_ = now_ms() + 100;
      }
      return;
    }
    if (static_cast<std::size_t>(fd) >= conns_.size()) {
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conns_[static_cast<std::size_t>(fd)].k = kind::request;
    watch(fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
  }
}

void floor_server::on_readable(int fd) {
  conn& c = conns_[static_cast<std::size_t>(fd)];
  char buf[16384];
  for (int round = 0; round < 4; ++round) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      close_conn(fd);
      return;
    }
    if (n < 0)
      return;
    if (c.k == kind::stream)
      continue; // a stream's client has nothing to say; drain and ignore
    c.in.append(buf, static_cast<std::size_t>(n));
    if (c.in.size() > 1024 * 1024) {
      close_conn(fd);
      return;
    }
    if (!handle_requests(fd))
      return;
    if (static_cast<std::size_t>(n) < sizeof buf)
      return;
  }
}

/// Handles every complete request in the buffer; false if fd was closed.
bool floor_server::handle_requests(int fd) {
  conn& c = conns_[static_cast<std::size_t>(fd)];
  while (c.k == kind::request) {
    const std::size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos)
      return true;
    const std::string_view head(c.in.data(), end);
    const std::string_view method = head.substr(0, head.find(' '));
    if (method == "GET") {
      start_stream(fd);
      return conns_[static_cast<std::size_t>(fd)].k == kind::stream;
    }
    if (method != "POST") {
      write_to(fd, "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, POST\r\n"
                   "Content-Length: 0\r\nConnection: close\r\n\r\n");
      close_conn(fd);
      return false;
    }
    std::size_t length = 0;
    std::size_t at = 0;
    while ((at = head.find("\r\n", at)) != std::string_view::npos) {
      at += 2;
      constexpr std::string_view key = "content-length:";
      if (head.size() - at < key.size())
        break;
      bool match = true;
      for (std::size_t i = 0; i < key.size() && match; ++i)
        match = (head[at + i] | 0x20) == key[i];
      if (match) {
        std::size_t p = at + key.size();
        while (p < head.size() && head[p] == ' ')
          ++p;
        std::from_chars(head.data() + p, head.data() + head.size(), length);
      }
    }
    if (c.in.size() < end + 4 + length)
      return true;
    publish(std::string_view(c.in).substr(end + 4, length));
    c.in.erase(0, end + 4 + length);
    write_to(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    if (conns_[static_cast<std::size_t>(fd)].k == kind::none)
      return false;
  }
  return true;
}

void floor_server::start_stream(int fd) {
  conn& c = conns_[static_cast<std::size_t>(fd)];
  if (streams_.size() >= opt_.max_streams) {
    write_to(fd, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n"
                 "Content-Length: 0\r\nConnection: close\r\n\r\n");
    close_conn(fd);
    return;
  }
  std::string().swap(c.in);
  c.k = kind::stream;
  c.index = static_cast<std::uint32_t>(streams_.size());
  streams_.push_back(fd);
  write_to(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
               "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"
               "Connection: close\r\n\r\nretry: 2000\n\n");
}

void floor_server::publish(std::string_view body) {
  frame_.clear();
  frame_ += "id: ";
  frame_ += std::to_string(next_id_++);
  frame_ += "\nevent: message\n";
  // Every line of the body becomes a data line, so no body can end the
  // frame early.
  std::size_t start = 0;
  for (;;) {
    const std::size_t nl = body.find('\n', start);
    std::string_view line = body.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    frame_ += "data: ";
    frame_ += line;
    frame_ += '\n';
    if (nl == std::string_view::npos)
      break;
    start = nl + 1;
  }
  frame_ += '\n';
  write_all(frame_);
}

void floor_server::write_all(std::string_view frame) {
  // Backwards, because closing a stream moves the last one into its slot.
  for (std::size_t i = streams_.size(); i-- > 0;)
    write_to(streams_[i], frame);
}

void floor_server::write_to(int fd, std::string_view bytes) {
  conn& c = conns_[static_cast<std::size_t>(fd)];
  if (!c.out.empty()) {
    // Already behind: keep order, and drop a client that stays behind.
    if (c.out.size() + bytes.size() > opt_.max_backlog) {
      close_conn(fd);
      return;
    }
    c.out.append(bytes);
    return;
  }
  const ssize_t n =
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n == static_cast<ssize_t>(bytes.size()))
    return;
  if (n < 0 && errno != EAGAIN && errno != EINTR) {
    close_conn(fd);
    return;
  }
  c.out.assign(bytes.substr(n < 0 ? 0 : static_cast<std::size_t>(n)));
  watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, EPOLL_CTL_MOD);
}

void floor_server::flush(int fd) {
  conn& c = conns_[static_cast<std::size_t>(fd)];
  const ssize_t n =
      ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR)
      close_conn(fd);
    return;
  }
  c.out.erase(0, static_cast<std::size_t>(n));
  if (c.out.empty()) {
    std::string().swap(c.out);
    watch(fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
  }
}

void floor_server::close_conn(int fd) {
  conn& c = conns_[static_cast<std::size_t>(fd)];
  if (c.k == kind::none)
    return;
  if (c.k == kind::stream) {
    const int last = streams_.back();
    streams_[c.index] = last;
    conns_[static_cast<std::size_t>(last)].index = c.index;
    streams_.pop_back();
  }
  c = conn{};
  ::close(fd);
}

int floor_server::run() {
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGTERM, on_signal);
  ::signal(SIGINT, on_signal);
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
  conns_.resize(static_cast<std::size_t>(rl.rlim_cur));
  streams_.reserve(opt_.max_streams);

  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listener_, reinterpret_cast<const sockaddr*>(&opt_.listen),
             sizeof opt_.listen) != 0 ||
      ::listen(listener_, 4096) != 0)
    die("cannot listen (address in use?)");
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  watch(listener_, EPOLLIN, EPOLL_CTL_ADD);
  std::printf("sse-floor listening on http://%s/\n", opt_.listen_text.c_str());
  std::fflush(stdout);

  const std::int64_t interval = std::int64_t{opt_.keepalive_s} * 1000;
  std::int64_t next_keepalive = now_ms() + interval;
  std::vector<epoll_event> events(1024);
  while (!stop_requested) {
    std::int64_t now = now_ms();
    if (interval > 0 && now >= next_keepalive) {
      write_all(": keep-alive\n\n");
      next_keepalive += interval;
      if (next_keepalive <= now)
        next_keepalive = now + interval;
    }
    if (!listening_ && now >= resume_accept_ms_) {
      watch(listener_, EPOLLIN, EPOLL_CTL_ADD);
      listening_ = true;
    }
    std::int64_t wait = 1000;
    if (interval > 0)
      wait = std::min(wait, next_keepalive - now);
    if (!listening_)
      wait = std::min(wait, resume_accept_ms_ - now);
    const int n =
        ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                     static_cast<int>(std::max<std::int64_t>(wait, 0)));
    for (int k = 0; k < n; ++k) {
      const epoll_event& ev = events[static_cast<std::size_t>(k)];
      const int fd = ev.data.fd;
      if (fd == listener_) {
        accept_all();
        continue;
      }
      if (conns_[static_cast<std::size_t>(fd)].k == kind::none)
        continue; // closed earlier in this batch
      if (ev.events & EPOLLOUT)
        flush(fd);
      if (conns_[static_cast<std::size_t>(fd)].k != kind::none &&
          (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        on_readable(fd);
    }
  }
  for (std::size_t fd = 0; fd < conns_.size(); ++fd)
    if (conns_[fd].k != kind::none)
      ::close(static_cast<int>(fd));
  ::close(listener_);
  ::close(epoll_);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  const options o = parse_options(argc, argv);
  floor_server server(o);
  return server.run();
}
