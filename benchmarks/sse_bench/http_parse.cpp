#include "http_parse.hpp"

#include <charconv>

namespace dots::bench {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace

bool iequals(std::string_view name, std::string_view lower_text) {
  if (name.size() != lower_text.size())
    return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (lower(name[i]) != lower_text[i])
      return false;
  return true;
}

bool icontains(std::string_view text, std::string_view lower_text) {
  if (lower_text.size() > text.size())
    return false;
  for (std::size_t i = 0; i + lower_text.size() <= text.size(); ++i)
    if (iequals(text.substr(i, lower_text.size()), lower_text))
      return true;
  return false;
}

std::optional<url> parse_url(std::string_view text) {
  constexpr std::string_view scheme = "http://";
  if (text.substr(0, scheme.size()) != scheme)
    return std::nullopt;
  text.remove_prefix(scheme.size());
  url out;
  const std::size_t slash = text.find('/');
  const std::string_view authority = text.substr(0, slash);
  out.target = slash == text.npos ? "/" : std::string(text.substr(slash));
  const std::size_t colon = authority.rfind(':');
  out.host = std::string(authority.substr(0, colon));
  if (colon != authority.npos) {
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [ptr, ec] =
        std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || ptr != port.data() + port.size() || value == 0 ||
        value > 65535)
      return std::nullopt;
    out.port = static_cast<std::uint16_t>(value);
  }
  if (out.host.empty())
    return std::nullopt;
  return out;
}

head_reader::status head_reader::feed(const char* data, std::size_t size,
                                      std::size_t& used) {
  const std::size_t old = buf_.size();
  // Only the tail can complete a terminator that started in earlier bytes.
  const std::size_t from = old >= 3 ? old - 3 : 0;
  buf_.append(data, size);
  const std::size_t pos = buf_.find("\r\n\r\n", from);
  if (pos == std::string::npos) {
    if (buf_.size() > max_head)
      return status::error;
    used = size;
    return status::need_more;
  }
  used = pos + 4 - old;
  buf_.resize(pos + 2);
  const bool ok = parse();
  std::string().swap(buf_);
  return ok ? status::done : status::error;
}

bool head_reader::parse() {
  std::string_view text = buf_;
  std::size_t eol = text.find("\r\n");
  const std::string_view status_line = text.substr(0, eol);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/")
    return false;
  const std::size_t sp = status_line.find(' ');
  if (sp == status_line.npos || sp + 4 > status_line.size())
    return false;
  const std::string_view code = status_line.substr(sp + 1, 3);
  const auto [p, ec] =
      std::from_chars(code.data(), code.data() + code.size(), head_.status);
  if (ec != std::errc{} || p != code.data() + code.size())
    return false;
  if (status_line.substr(0, 8) == "HTTP/1.0")
    head_.close = true;
  text.remove_prefix(eol + 2);
  while (!text.empty()) {
    eol = text.find("\r\n");
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == text.npos ? text.size() : eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == line.npos)
      return false;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::int64_t n = -1;
      const auto [q, e] =
          std::from_chars(value.data(), value.data() + value.size(), n);
      if (e != std::errc{} || q != value.data() + value.size() || n < 0)
        return false;
      head_.content_length = n;
    } else if (iequals(name, "transfer-encoding")) {
      head_.chunked = icontains(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (icontains(value, "close"))
        head_.close = true;
    } else if (iequals(name, "content-type")) {
      head_.content_type = std::string(value);
    } else if (iequals(name, "cache-control")) {
      head_.cache_control = std::string(value);
    } else if (iequals(name, "x-accel-buffering")) {
      head_.x_accel_buffering = std::string(value);
    }
  }
  return true;
}

} // namespace dots::bench
