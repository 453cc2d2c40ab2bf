#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

// The client side of the SSE wire format (lines ending in CR, LF or CRLF;
// fields `data`, `event`, `id`, `retry`; comments; a blank line dispatches).
// It keeps no event data: a benchmark only needs to know that an event was
// complete and which tag it carried, so memory per stream stays a few bytes.

namespace dots::bench {

/// The send stamp that the publisher puts into an event's data, e.g.
/// `sb:1a2b3c4d:17:123456789` (run, sequence number, CLOCK_MONOTONIC ns).
/// Dots carries it inside the board name, the others as the whole data.
struct event_tag {
  std::uint32_t seq = 0;
  std::int64_t sent_ns = 0;
};

/// Finds the tag of one run in a data line; other runs' tags do not match.
class tag_matcher {
public:
  explicit tag_matcher(std::string run)
      : prefix_("sb:" + run + ":") {}

  /// The prefix that starts every tag of this run.
  const std::string& prefix() const noexcept { return prefix_; }

  bool find(std::string_view line, event_tag& out) const;

private:
  std::string prefix_;
};

/// Builds the tag text for `seq` sent at `sent_ns`.
std::string make_tag(std::string_view run, std::uint32_t seq,
                     std::int64_t sent_ns);

/// Incremental SSE parser. Handler needs `on_event(bool tagged, const
/// event_tag&)`, `on_comment()` and `on_retry()`.
class sse_parser {
public:
  /// False when a line grows past a sane limit (a broken stream).
  template <class Handler>
  bool feed(const char* p, std::size_t n, const tag_matcher& tags, Handler& h);

private:
  static constexpr std::size_t max_line = 64 * 1024;

  template <class Handler>
  void line(std::string_view text, const tag_matcher& tags, Handler& h);

  std::string partial_;
  event_tag tag_{};
  bool skip_lf_ = false;
  bool have_data_ = false;
  bool have_tag_ = false;
};

// -- template implementation ---

template <class Handler>
bool sse_parser::feed(const char* p, std::size_t n, const tag_matcher& tags,
                      Handler& h) {
  const char* end = p + n;
  while (p < end) {
    if (skip_lf_) {
      // A CR ended the previous line; a LF right after it belongs to it.
      skip_lf_ = false;
      if (*p == '\n') {
        ++p;
        continue;
      }
    }
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* limit = nl ? nl : end;
    const auto* cr = static_cast<const char*>(std::memchr(p, '\r', limit - p));
    const char* eol = cr ? cr : nl;
    if (eol == nullptr) {
      if (partial_.size() + (end - p) > max_line)
        return false;
      partial_.append(p, end - p);
      return true;
    }
    if (partial_.empty()) {
      line(std::string_view(p, eol - p), tags, h);
    } else {
      partial_.append(p, eol - p);
      line(partial_, tags, h);
      partial_.clear();
    }
    if (eol == cr) {
      p = cr + 1;
      if (p == end)
        skip_lf_ = true;
      else if (*p == '\n')
        ++p;
    } else {
      p = nl + 1;
    }
  }
  return true;
}

template <class Handler>
void sse_parser::line(std::string_view text, const tag_matcher& tags,
                      Handler& h) {
  if (text.empty()) {
    if (have_data_)
      h.on_event(have_tag_, tag_);
    have_data_ = have_tag_ = false;
    return;
  }
  if (text.front() == ':') {
    h.on_comment();
    return;
  }
  const std::size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  std::string_view value;
  if (colon != text.npos) {
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  if (name == "data") {
    have_data_ = true;
    if (!have_tag_)
      have_tag_ = tags.find(value, tag_);
  } else if (name == "retry") {
    h.on_retry();
  }
}

} // namespace dots::bench
