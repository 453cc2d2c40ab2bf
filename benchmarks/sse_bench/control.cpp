#include "control.hpp"

#include <cerrno>
#include <charconv>
#include <poll.h>
#include <sys/socket.h>
#include <vector>

namespace dots::bench {

message& message::set(std::string key, std::string value) {
  fields[std::move(key)] = std::move(value);
  return *this;
}

message& message::set(std::string key, std::int64_t value) {
  return set(std::move(key), std::to_string(value));
}

std::int64_t message::get_int(std::string_view key,
                              std::int64_t fallback) const {
  const auto it = fields.find(key);
  if (it == fields.end())
    return fallback;
  std::int64_t v = fallback;
  const auto& s = it->second;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && p == s.data() + s.size() ? v : fallback;
}

std::string_view message::get(std::string_view key) const {
  const auto it = fields.find(key);
  return it == fields.end() ? std::string_view{} : std::string_view(it->second);
}

std::string message::encode() const {
  std::string out = command;
  for (const auto& [k, v] : fields) {
    out += ' ';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::optional<message> message::decode(std::string_view text) {
  message m;
  std::size_t sp = text.find(' ');
  m.command = std::string(text.substr(0, sp));
  if (m.command.empty())
    return std::nullopt;
  while (sp != text.npos) {
    const std::size_t next = text.find(' ', sp + 1);
    const std::string_view item = text.substr(sp + 1, next - sp - 1);
    const std::size_t eq = item.find('=');
    if (eq == item.npos)
      return std::nullopt;
    m.fields[std::string(item.substr(0, eq))] =
        std::string(item.substr(eq + 1));
    sp = next;
  }
  return m;
}

bool send_message(int fd, const message& m) {
  const std::string text = m.encode();
  for (;;) {
    const ssize_t n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(text.size()))
      return true;
    if (n < 0 && errno == EINTR)
      continue;
    return false;
  }
}

std::optional<message> receive_message(int fd, int timeout_ms, bool& closed) {
  closed = false;
  pollfd p{fd, POLLIN, 0};
  int r = 0;
  do {
    r = ::poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  if (r <= 0)
    return std::nullopt;
  // Histograms make the largest messages; 1 MiB is far above any of them.
  std::vector<char> buf(1 << 20);
  const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  if (n <= 0) {
    closed = true;
    return std::nullopt;
  }
  return message::decode(std::string_view(buf.data(), static_cast<size_t>(n)));
}

} // namespace dots::bench
