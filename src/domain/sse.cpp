#include "domain/sse.hpp"

#include <algorithm>
#include <charconv>

namespace dots::domain {

namespace {

bool is_line_break(char c) {
  return c == '\r' || c == '\n';
}

// A field value may not contain a line break: one would end the field and let
// the rest of the value be read as a new field (or end the frame).
void append_single_line(std::string& out, std::string_view text) {
  for (char c : text)
    if (!is_line_break(c))
      out.push_back(c);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec; // 24 bytes hold every int64
  out.append(buf, end);
}

// Each line of `data` becomes its own `data:` field; the client joins them
// back with LF, so the payload survives whatever line breaks it contains.
void append_data(std::string& out, std::string_view data) {
  std::size_t pos = 0;
  while (true) {
    const auto brk =
        std::find_if(data.begin() + pos, data.end(), is_line_break) -
        data.begin();
    out.append("data: ");
    out.append(data.substr(pos, brk - pos));
    out.push_back('\n');
    if (static_cast<std::size_t>(brk) == data.size())
      break;
    pos = brk + 1;
    if (data[brk] == '\r' && pos < data.size() && data[pos] == '\n')
      ++pos;
  }
}

void append_event_body(std::string& out, std::string_view name,
                       std::string_view data) {
  // An empty `event:` field means "message" to clients anyway; leaving it out
  // keeps such frames minimal.
  if (std::any_of(name.begin(), name.end(),
                  [](char c) { return !is_line_break(c); })) {
    out.append("event: ");
    append_single_line(out, name);
    out.push_back('\n');
  }
  append_data(out, data);
  out.push_back('\n');
}

} // namespace

std::string encode_sse_event(std::int64_t id, std::string_view name,
                             std::string_view data) {
  std::string out;
  out.reserve(name.size() + data.size() + 48);
  out.append("id: ");
  append_int(out, id);
  out.push_back('\n');
  append_event_body(out, name, data);
  return out;
}

std::string encode_sse_control(std::string_view name, std::string_view data) {
  std::string out;
  out.reserve(name.size() + data.size() + 32);
  append_event_body(out, name, data);
  return out;
}

std::string encode_sse_retry(std::chrono::milliseconds delay) {
  std::string out = "retry: ";
  append_int(out, std::max<std::int64_t>(delay.count(), 0));
  out.append("\n\n");
  return out;
}

std::string encode_sse_id(std::int64_t id) {
  std::string out = "id: ";
  append_int(out, id);
  out.append("\n\n");
  return out;
}

std::string encode_sse_comment(std::string_view text) {
  std::string out = ": ";
  append_single_line(out, text);
  out.append("\n\n");
  return out;
}

} // namespace dots::domain
