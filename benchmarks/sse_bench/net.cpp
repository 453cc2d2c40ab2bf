#include "net.hpp"

#include "clock.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dots::bench {

std::optional<sockaddr_in> loopback_address(const url& u, std::string& error) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(u.port);
  const std::string host = u.host == "localhost" ? "127.0.0.1" : u.host;
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    error = "host must be a numeric IPv4 address: " + u.host;
    return std::nullopt;
  }
  if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
    error = "refusing a non-loopback target: " + u.host;
    return std::nullopt;
  }
  return sa;
}

int start_connect(const sockaddr_in& dest, const in_addr* source, int& err) {
  const int fd =
      ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno;
    return -1;
  }
  if (source != nullptr) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr = *source;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0) {
      err = errno;
      ::close(fd);
      return -1;
    }
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&dest), sizeof dest) !=
          0 &&
      errno != EINPROGRESS) {
    err = errno;
    ::close(fd);
    return -1;
  }
  return fd;
}

namespace {

/// Waits for `events` on fd until the absolute deadline.
bool wait_for(int fd, short events, std::int64_t deadline) {
  for (;;) {
    const std::int64_t left = deadline - now_ns();
    if (left <= 0)
      return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left / ns_per_ms + 1));
    if (r > 0)
      return true;
    if (r < 0 && errno != EINTR)
      return false;
  }
}

} // namespace

std::optional<http_reply> http_exchange(const sockaddr_in& dest,
                                        std::string_view request,
                                        int timeout_ms, std::string& error) {
  const std::int64_t deadline = now_ns() + timeout_ms * ns_per_ms;
  int err = 0;
  const int fd = start_connect(dest, nullptr, err);
  if (fd < 0) {
    error = "connect: " + errno_key(err);
    return std::nullopt;
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } guard{fd};

  std::size_t sent = 0;
  while (sent < request.size()) {
    if (!wait_for(fd, POLLOUT, deadline)) {
      error = "timeout while sending";
      return std::nullopt;
    }
    const ssize_t n =
        ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      error = "send: " + errno_key(errno);
      return std::nullopt;
    }
    if (n > 0)
      sent += static_cast<std::size_t>(n);
  }

  head_reader head;
  chunked_decoder chunks;
  bool have_head = false;
  http_reply reply;
  char buf[16384];
  for (;;) {
    if (!wait_for(fd, POLLIN, deadline)) {
      error = "timeout while reading the response";
      return std::nullopt;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        continue;
      error = "recv: " + errno_key(errno);
      return std::nullopt;
    }
    if (n == 0) {
      // Only a body delimited by the end of the connection may end here.
      if (have_head && !head.head().chunked && head.head().content_length < 0)
        return reply;
      error = "connection closed before the response was complete";
      return std::nullopt;
    }
    const char* p = buf;
    std::size_t left = static_cast<std::size_t>(n);
    if (!have_head) {
      std::size_t used = 0;
      const auto st = head.feed(p, left, used);
      if (st == head_reader::status::error) {
        error = "malformed response head";
        return std::nullopt;
      }
      p += used;
      left -= used;
      if (st == head_reader::status::need_more)
        continue;
      have_head = true;
      reply.status = head.head().status;
      if (head.head().bodiless() || head.head().content_length == 0)
        return reply;
    }
    const auto& h = head.head();
    if (h.chunked) {
      const auto st = chunks.feed(p, left, [&](const char* d, std::size_t k) {
        reply.body.append(d, k);
      });
      if (st == chunked_decoder::status::error) {
        error = "malformed chunked body";
        return std::nullopt;
      }
      if (st == chunked_decoder::status::finished)
        return reply;
    } else {
      reply.body.append(p, left);
      if (h.content_length >= 0 &&
          reply.body.size() >= static_cast<std::size_t>(h.content_length)) {
        reply.body.resize(static_cast<std::size_t>(h.content_length));
        return reply;
      }
    }
  }
}

std::string errno_key(int err) {
  switch (err) {
  case ECONNREFUSED:
    return "ECONNREFUSED";
  case ECONNRESET:
    return "ECONNRESET";
  case ETIMEDOUT:
    return "ETIMEDOUT";
  case EMFILE:
    return "EMFILE";
  case ENFILE:
    return "ENFILE";
  case EADDRNOTAVAIL:
    return "EADDRNOTAVAIL";
  case EADDRINUSE:
    return "EADDRINUSE";
  case EPIPE:
    return "EPIPE";
  case ENOBUFS:
    return "ENOBUFS";
  default:
    return "errno" + std::to_string(err);
  }
}

} // namespace dots::bench
