// Fuzz target: SSE frames survive the trip to a browser.
//
// The input is a script of frames a stream could carry (the format is
// byte_reader's, below): events built from
// typed fields (any Unicode in board and user names: CR, LF, NUL, U+2028,
// U+FEFF, ...), events whose payload is any JSON, `reset` control events,
// comments, `retry:` hints and bare `id:` blocks. Each is encoded by
// src/domain (events.cpp builds the payload, sse.cpp the frame), the frames
// are concatenated as a stream writes them, and the stream is read back by
// the parser below, written from WHATWG HTML "Server-sent events", section
// 9.2.6 "Parsing an event stream" and 9.2.7 "Interpreting an event
// stream". Every event must come back exactly once with its type, its id
// as lastEventId, and its data byte for byte (text data with each line
// break as LF), which for an event of the log parses to JSON holding its
// fields as the spec's table names them; comments, hints and id blocks
// must dispatch nothing, and the client must end on the last id sent.

#include "check.hpp"
#include "domain/events.hpp"
#include "domain/json.hpp"
#include "domain/sse.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = boost::json;
using namespace dots;

// -- the client side: a spec-conformant event stream parser ----------------

/// An event as `EventSource` hands it to a page.
struct dispatched {
  std::string type;
  std::string data;
  std::string last_event_id;
};

/// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or values
/// past U+10FFFF). The client decodes the stream with "UTF-8 decode": any
/// ill-formed byte would reach the page as U+FFFD, so a frame built from
/// well-formed text must be well-formed itself.
bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (lead < 0x80) {
      len = 1;
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      len = 2;
      cp = lead & 0x1F;
      min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      len = 3;
      cp = lead & 0x0F;
      min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      len = 4;
      cp = lead & 0x07;
      min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i < len)
      return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (cont & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

/// The event stream interpretation of WHATWG HTML 9.2.6, run over a whole
/// stream. Works on UTF-8 bytes: every character the algorithm looks at
/// (CR, LF, ':', ' ', NUL) is ASCII, and no byte of a multi-byte sequence
/// is ASCII, so bytes and code points split the same way.
class event_source {
public:
  /// Feeds the whole stream, then its end.
  void read(std::string_view stream) {
    // "UTF-8 decode" drops one leading byte order mark.
    if (stream.starts_with("\xEF\xBB\xBF"))
      stream.remove_prefix(3);
    while (!stream.empty()) {
      // end-of-line = CRLF / LF / CR
      const auto brk = stream.find_first_of("\r\n");
      if (brk == std::string_view::npos)
        break; // an unterminated last line is never processed
      const auto line = stream.substr(0, brk);
      auto eol = std::size_t{1};
      if (stream[brk] == '\r' && brk + 1 < stream.size() &&
          stream[brk + 1] == '\n')
        eol = 2;
      stream.remove_prefix(brk + eol);
      process_line(line);
    }
    // "Once the end of the file is reached, any pending data must be
    // discarded": an event with no blank line after it is never fired.
  }

  std::vector<dispatched> events;
  std::string last_event_id; ///< the EventSource's last event ID string
  std::optional<std::int64_t> reconnection_time;

private:
  void process_line(std::string_view line) {
    if (line.empty()) {
      dispatch();
      return;
    }
    if (line.front() == ':')
      return; // a comment
    std::string_view field = line;
    std::string_view value;
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      field = line.substr(0, colon);
      value = line.substr(colon + 1);
      if (value.starts_with(' '))
        value.remove_prefix(1);
    }
    if (field == "event") {
      type_ = value;
    } else if (field == "data") {
      data_ += value;
      data_ += '\n';
    } else if (field == "id") {
      if (value.find('\0') == std::string_view::npos)
        id_buffer_ = value;
    } else if (field == "retry") {
      if (!value.empty() &&
          value.find_first_not_of("0123456789") == std::string_view::npos) {
        std::int64_t ms = 0;
        for (char c : value) // saturating: only small values are sent
          ms = ms > (INT64_MAX - 9) / 10 ? INT64_MAX : ms * 10 + (c - '0');
        reconnection_time = ms;
      }
    }
    // Any other field is ignored.
  }

  void dispatch() {
    last_event_id = id_buffer_;
    if (data_.empty()) {
      type_.clear();
      return;
    }
    if (data_.back() == '\n')
      data_.pop_back();
    events.push_back(dispatched{type_.empty() ? "message" : type_,
                                std::move(data_), last_event_id});
    data_.clear();
    type_.clear();
  }

  std::string data_;
  std::string type_;
  std::string id_buffer_;
};

// -- the server side: frames from fuzzed input -----------------------------

/// Appends code point `cp` (a Unicode scalar value) as UTF-8.
void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Reads the input front to back; past its end every read gives 0. The
/// format is simple enough for fuzz/sse_frame_seeds.py to write seeds in.
class byte_reader {
public:
  byte_reader(const std::uint8_t* data, std::size_t size)
      : data_(data)
      , size_(size) {}

  bool empty() const { return at_ == size_; }

  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }

  /// `n` bytes, little-endian.
  std::uint64_t bits(int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= std::uint64_t{byte()} << (8 * i);
    return v;
  }

  std::int64_t int64() { return static_cast<std::int64_t>(bits(8)); }
  std::int32_t int32() { return static_cast<std::int32_t>(bits(4)); }

  /// A length-prefixed (2 bytes) run of raw bytes.
  std::string_view bytes() {
    const auto n = std::min<std::size_t>(bits(2), size_ - at_);
    std::string_view out{reinterpret_cast<const char*>(data_ + at_), n};
    at_ += n;
    return out;
  }

  /// Well-formed UTF-8 text of any scalar values, with the ones that break
  /// line-based formats and naive escaping one byte away: a count byte,
  /// then per character one byte (below 0x80: that ASCII character; below
  /// 0xC0: one of `tricky`) or, from 0xC0, three more bytes (big-endian)
  /// for any code point.
  std::string unicode_text() {
    static constexpr char32_t tricky[] = {
        0x00,   '\r',     '\n',    ':',    ' ',    '"',    '\\',
        0x7F,   0x85,     0xA0,    0x2028, 0x2029, 0xFEFF, 0xFFFD,
        0xFFFE, 0x10FFFF, 0x1F600, 0x0B,   0x0C,   0x1B,   0x300};
    std::string out;
    const auto n = byte();
    for (unsigned i = 0; i < n && !empty(); ++i) {
      const auto b = byte();
      if (b < 0x80) {
        append_utf8(out, b);
      } else if (b < 0xC0) {
        append_utf8(out, tricky[b % std::size(tricky)]);
      } else {
        char32_t cp = byte();
        cp = (cp << 8) | byte();
        cp = ((cp << 8) | byte()) % 0x110000;
        if (cp >= 0xD800 && cp <= 0xDFFF)
          cp ^= 0x800; // a surrogate is no scalar value: move it out of range
        append_utf8(out, cp);
      }
    }
    return out;
  }

private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

/// What a frame must come back as: the event it dispatches, if any, and
/// the client's last event id after it.
struct expectation {
  std::optional<dispatched> event;
  /// The typed event behind the frame, when it has one: its payload must
  /// carry these fields, whatever characters they hold.
  std::optional<domain::event> typed;
  /// The JSON the data must parse to; nullopt when the data is text.
  std::optional<json::value> data_json;
};

/// The JSON payload the spec's event table gives `ev`, built independently
/// of events.cpp.
json::value table_payload(const domain::event& ev) {
  json::object o;
  o["board_id"] = ev.board_id;
  o["board_name"] = ev.board_name;
  if (domain::is_path_event(ev.type)) {
    o["path_id"] = ev.path_id;
    o["user_username"] = ev.username;
    if (ev.type == domain::event_type::path_updated)
      o["complete"] = ev.complete;
  } else {
    o["creator_username"] = ev.username;
  }
  return o;
}

/// `text` with each CRLF, CR or LF as one LF: what `data:` lines join back to.
std::string lf_normalised(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n')
        ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string without_line_breaks(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != '\r' && c != '\n')
      out += c;
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  byte_reader in(data, size);
  std::string stream;
  std::vector<expectation> expected;
  std::string last_id; // the client's last event ID string so far
  std::optional<std::int64_t> retry;

  for (int frames = 0; frames < 16 && !in.empty(); ++frames) {
    expectation e;
    switch (in.byte() % 7) {
    case 0: { // an event of the log, as the notifier encodes it
      const auto types = domain::all_event_types();
      domain::event ev;
      ev.id = in.int64();
      ev.type = types[in.byte() % types.size()];
      ev.board_id = in.int64();
      ev.path_id = in.int64();
      ev.complete = (in.byte() & 1) != 0;
      ev.board_name = in.unicode_text();
      ev.username = in.unicode_text();
      auto payload = domain::event_data(ev);
      stream +=
          domain::encode_sse_event(ev.id, domain::event_name(ev.type), payload);
      last_id = std::to_string(ev.id);
      e.event = dispatched{std::string{domain::event_name(ev.type)},
                           std::move(payload), last_id};
      e.data_json = table_payload(ev);
      e.typed = ev;
      break;
    }
    case 1: { // an event whose payload is any JSON, under any name
      const auto id = in.int64();
      const auto name = in.unicode_text();
      boost::system::error_code ec;
      const auto text = in.bytes();
      auto value = json::parse(json::string_view{text.data(), text.size()}, ec);
      if (ec)
        continue;
      auto payload = domain::serialize(value);
      stream += domain::encode_sse_event(id, name, payload);
      last_id = std::to_string(id);
      // CR and LF are dropped from the name; no name at all is "message".
      auto type = without_line_breaks(name);
      // Compared as the text sent: Boost 1.81 parses long decimals
      // imprecisely, so a double need not survive serialize and parse.
      e.data_json = json::parse(payload);
      e.event = dispatched{type.empty() ? "message" : type, std::move(payload),
                           last_id};
      break;
    }
    case 2: { // a control event (reset): no id line, so no id change
      json::object data;
      data["oldest_id"] = in.int64();
      auto payload = domain::serialize(data);
      stream += domain::encode_sse_control("reset", payload);
      e.event = dispatched{"reset", std::move(payload), last_id};
      e.data_json = std::move(data);
      break;
    }
    case 3: { // a keep-alive comment with any text
      stream += domain::encode_sse_comment(in.unicode_text());
      break;
    }
    case 4: { // the retry hint
      const auto ms = in.int32();
      stream += domain::encode_sse_retry(std::chrono::milliseconds{ms});
      retry = ms < 0 ? 0 : ms;
      break;
    }
    case 5: { // a bare id block: moves the last event id, fires nothing
      const auto id = in.int64();
      stream += domain::encode_sse_id(id);
      last_id = std::to_string(id);
      break;
    }
    case 6: { // an event whose data is any text, line breaks included
      const auto id = in.int64();
      const auto text = in.unicode_text();
      stream += domain::encode_sse_event(id, "message", text);
      last_id = std::to_string(id);
      e.event = dispatched{"message", lf_normalised(text), last_id};
      break;
    }
    }
    expected.push_back(std::move(e));
  }

  DOTS_FUZZ_CHECK(is_utf8(stream),
                  "frames built from well-formed text are well-formed UTF-8");
  event_source client;
  client.read(stream);

  std::size_t next = 0;
  for (const auto& e : expected) {
    if (!e.event)
      continue;
    DOTS_FUZZ_CHECK(next < client.events.size(), "every event is dispatched");
    const auto& got = client.events[next++];
    DOTS_FUZZ_CHECK(got.type == e.event->type, "the event type comes back");
    DOTS_FUZZ_CHECK(got.last_event_id == e.event->last_event_id,
                    "the event's id comes back as its lastEventId");
    DOTS_FUZZ_CHECK(got.data == e.event->data,
                    "the data comes back, line breaks as LF");
    if (e.data_json) {
      boost::system::error_code ec;
      const auto value = json::parse(got.data, ec);
      DOTS_FUZZ_CHECK(!ec, "the data is JSON");
      DOTS_FUZZ_CHECK(value == *e.data_json, "the data is the same JSON");
      if (e.typed) {
        const auto& o = value.as_object();
        const std::string_view user_key = domain::is_path_event(e.typed->type)
                                              ? "user_username"
                                              : "creator_username";
        DOTS_FUZZ_CHECK(std::string_view{o.at("board_name").as_string()} ==
                            e.typed->board_name,
                        "the board name comes back byte for byte");
        DOTS_FUZZ_CHECK(std::string_view{o.at(user_key).as_string()} ==
                            e.typed->username,
                        "the user name comes back byte for byte");
      }
    }
  }
  DOTS_FUZZ_CHECK(next == client.events.size(),
                  "nothing but the events is dispatched");
  DOTS_FUZZ_CHECK(client.last_event_id == last_id,
                  "the client ends on the last id sent");
  DOTS_FUZZ_CHECK(client.reconnection_time == retry,
                  "the retry hint comes back");
  return 0;
}
