#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Just enough HTTP/1.1 client parsing for a load generator: response heads,
// chunked bodies, and `http://host:port/target` URLs. Incremental, so that a
// stream can be fed whatever one read() returned.

namespace dots::bench {

/// An `http://` URL with a numeric IPv4 host (this tool talks to loopback).
struct url {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";
};

std::optional<url> parse_url(std::string_view text);

/// The parts of a response head the benchmark checks or needs.
struct response_head {
  int status = 0;
  std::int64_t content_length = -1; ///< -1 when absent
  bool chunked = false;
  bool close = false;
  std::string content_type;
  std::string cache_control;
  std::string x_accel_buffering;

  /// True when the response has no body whatever its headers say.
  bool bodiless() const noexcept {
    return status < 200 || status == 204 || status == 304;
  }
};

/// Collects bytes until the blank line that ends a response head.
class head_reader {
public:
  enum class status { need_more, done, error };

  /// Consumes a prefix of `data`; on `done`, `used` is how many bytes
  /// belonged to the head (the rest is body).
  status feed(const char* data, std::size_t size, std::size_t& used);

  const response_head& head() const noexcept { return head_; }

private:
  static constexpr std::size_t max_head = 16 * 1024;

  bool parse();

  std::string buf_;
  response_head head_;
};

/// Decodes `Transfer-Encoding: chunked`; the payload goes to a sink in runs.
class chunked_decoder {
public:
  enum class status { ok, finished, error };

  template <class Sink>
  status feed(const char* p, std::size_t n, Sink&& sink);

private:
  enum class state : std::uint8_t {
    size,
    extension,
    size_lf,
    data,
    data_cr,
    data_lf,
    finished,
  };

  std::uint64_t remaining_ = 0;
  std::uint8_t digits_ = 0;
  state state_ = state::size;
};

/// `name` equals `lower` ignoring ASCII case; `lower` must be lower case.
bool iequals(std::string_view name, std::string_view lower);

/// `text` contains `lower` ignoring ASCII case; `lower` must be lower case.
bool icontains(std::string_view text, std::string_view lower);

// -- template implementation ---

template <class Sink>
chunked_decoder::status chunked_decoder::feed(const char* p, std::size_t n,
                                              Sink&& sink) {
  const char* end = p + n;
  while (p < end) {
    switch (state_) {
    case state::size: {
      const char c = *p++;
      int v = -1;
      if (c >= '0' && c <= '9')
        v = c - '0';
      else if (c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v = c - 'A' + 10;
      if (v >= 0) {
        // Sixteen hex digits already overflow 64 bits.
        if (++digits_ > 15)
          return status::error;
        remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(v);
      } else if (digits_ == 0) {
        return status::error;
      } else if (c == ';' || c == ' ' || c == '\t') {
        state_ = state::extension;
      } else if (c == '\r') {
        state_ = state::size_lf;
      } else {
        return status::error;
      }
      break;
    }
    case state::extension:
      if (*p++ == '\r')
        state_ = state::size_lf;
      break;
    case state::size_lf:
      if (*p++ != '\n')
        return status::error;
      if (remaining_ == 0) {
        // The last chunk: a streaming response is over; trailers are of
        // no interest to a benchmark.
        state_ = state::finished;
        return status::finished;
      }
      state_ = state::data;
      break;
    case state::data: {
      const auto avail = static_cast<std::uint64_t>(end - p);
      const auto take = remaining_ < avail ? remaining_ : avail;
      sink(p, static_cast<std::size_t>(take));
      p += take;
      remaining_ -= take;
      if (remaining_ == 0)
        state_ = state::data_cr;
      break;
    }
    case state::data_cr:
      if (*p++ != '\r')
        return status::error;
      state_ = state::data_lf;
      break;
    case state::data_lf:
      if (*p++ != '\n')
        return status::error;
      digits_ = 0;
      state_ = state::size;
      break;
    case state::finished:
      return status::finished;
    }
  }
  return state_ == state::finished ? status::finished : status::ok;
}

} // namespace dots::bench
