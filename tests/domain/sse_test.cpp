#include "domain/events.hpp"
#include "domain/json.hpp"
#include "domain/sse.hpp"

#include <gtest/gtest.h>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace dots::domain {
namespace {

// A client's view of a stream, following the WHATWG event-stream
// interpretation rules, so the tests check what a browser would see rather
// than the bytes we happen to write.
struct sse_event {
  std::string type;
  std::string data;
  std::string last_id;
};

struct sse_stream {
  std::vector<sse_event> events;
  std::vector<std::string> comments;
  std::string retry;
};

sse_stream parse_sse(std::string_view text) {
  sse_stream out;
  std::string type, data, last_id;
  auto dispatch = [&] {
    if (data.empty()) {
      type.clear();
      return;
    }
    if (data.back() == '\n')
      data.pop_back();
    out.events.push_back({type.empty() ? "message" : type, data, last_id});
    type.clear();
    data.clear();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto brk = text.find_first_of("\r\n", pos);
    if (brk == std::string_view::npos)
      break; // an unfinished line is never processed
    const auto line = text.substr(pos, brk - pos);
    pos = brk + 1;
    if (text[brk] == '\r' && pos < text.size() && text[pos] == '\n')
      ++pos;
    if (line.empty()) {
      dispatch();
      continue;
    }
    if (line.front() == ':') {
      out.comments.emplace_back(line.substr(1));
      continue;
    }
    const auto colon = line.find(':');
    auto field = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    }
    if (field == "event")
      type = value;
    else if (field == "data") {
      data += value;
      data += '\n';
    } else if (field == "id")
      last_id = value;
    else if (field == "retry")
      out.retry = value;
  }
  return out;
}

// What the client reads back: every line break becomes LF.
std::string as_lf(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n')
        ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

TEST(SseEvent, EncodesIdNameAndOneDataLine) {
  EXPECT_EQ(encode_sse_event(42, "newBoard", R"({"board_id":1})"),
            "id: 42\nevent: newBoard\ndata: {\"board_id\":1}\n\n");
}

TEST(SseEvent, ParsesBackToOneEvent) {
  const auto s = parse_sse(encode_sse_event(7, "newPath", "{}"));
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].type, "newPath");
  EXPECT_EQ(s.events[0].data, "{}");
  EXPECT_EQ(s.events[0].last_id, "7");
}

TEST(SseEvent, SplitsMultiLineDataIntoDataLines) {
  const auto frame = encode_sse_event(1, "x", "one\ntwo\nthree");
  EXPECT_EQ(frame, "id: 1\nevent: x\ndata: one\ndata: two\ndata: three\n\n");
  const auto s = parse_sse(frame);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].data, "one\ntwo\nthree");
}

TEST(SseEvent, TreatsCrlfAndLoneCrAsLineBreaks) {
  const auto frame = encode_sse_event(2, "x", "a\r\nb\rc\nd");
  EXPECT_EQ(frame, "id: 2\nevent: x\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(frame.find('\r'), std::string::npos);
  const auto s = parse_sse(frame);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].data, "a\nb\nc\nd");
}

TEST(SseEvent, KeepsBlankAndTrailingLinesOfData) {
  const auto frame = encode_sse_event(3, "x", "a\n\nb\n");
  EXPECT_EQ(frame, "id: 3\nevent: x\ndata: a\ndata: \ndata: b\ndata: \n\n");
  const auto s = parse_sse(frame);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].data, "a\n\nb\n");
}

TEST(SseEvent, EmptyDataStillMakesAnEvent) {
  const auto frame = encode_sse_event(4, "x", "");
  EXPECT_EQ(frame, "id: 4\nevent: x\ndata: \n\n");
  const auto s = parse_sse(frame);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].data, "");
}

TEST(SseEvent, KeepsUtf8BytesIntact) {
  const std::string name = "Plansza żółta 🟢";
  const auto frame = encode_sse_event(5, "newBoard", name);
  EXPECT_EQ(frame, "id: 5\nevent: newBoard\ndata: " + name + "\n\n");
  const auto s = parse_sse(frame);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].data, name);
}

TEST(SseEvent, DropsLineBreaksFromTheName) {
  const auto frame = encode_sse_event(6, "new\r\nBoard\n\nevent: x", "{}");
  EXPECT_EQ(frame, "id: 6\nevent: newBoardevent: x\ndata: {}\n\n");
  const auto s = parse_sse(frame);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].type, "newBoardevent: x");
}

TEST(SseEvent, OmitsAnEmptyName) {
  EXPECT_EQ(encode_sse_event(8, "\r\n", "{}"), "id: 8\ndata: {}\n\n");
}

TEST(SseEvent, EndsWithTheOnlyBlankLine) {
  const auto frame = encode_sse_event(9, "x", "a\n\n\nb\r\n\r\n");
  ASSERT_GE(frame.size(), 2u);
  EXPECT_EQ(frame.find("\n\n"), frame.size() - 2);
}

TEST(SseEvent, RawDataCannotInjectAnEvent) {
  const std::string evil = "x\n\nevent: x\ndata: evil\n\nid: 999\nretry: 1";
  const auto s = parse_sse(encode_sse_event(10, "newBoard", evil));
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].type, "newBoard");
  EXPECT_EQ(s.events[0].data, evil);
  EXPECT_EQ(s.events[0].last_id, "10");
  EXPECT_TRUE(s.retry.empty());
}

TEST(SseEvent, BoardNameCannotBreakTheFrame) {
  board b;
  b.id = 3;
  b.name = "Plansza żółta 🟢\n\nevent: x\ndata: evil\r\n\r\n";
  b.creator_username = "autorX";
  const auto ev = board_event(event_type::new_board, b);
  const auto frame = encode_sse_event(11, event_name(ev.type), event_data(ev));
  EXPECT_EQ(frame.find("\n\n"), frame.size() - 2);

  const auto s = parse_sse(frame);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].type, "newBoard");
  EXPECT_EQ(s.events[0].last_id, "11");
  auto v = parse_json(s.events[0].data);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v.value().at("board_name").as_string(), b.name);
  EXPECT_EQ(v.value().at("board_id").as_int64(), 3);
}

TEST(SseEvent, AnyDataSurvivesTheRoundTrip) {
  // Random text drawn from the characters that matter to the framing.
  std::mt19937 rng(20261126);
  const std::string alphabet[] = {"\r",
                                  "\n",
                                  "\r\n",
                                  ":",
                                  " ",
                                  "a",
                                  "data",
                                  "event",
                                  "id",
                                  "\xC5\xBC",
                                  std::string(1, '\0')};
  std::uniform_int_distribution<std::size_t> pick(0, std::size(alphabet) - 1);
  std::uniform_int_distribution<int> length(0, 40);
  for (int round = 0; round < 2000; ++round) {
    std::string data;
    for (int n = length(rng); n > 0; --n)
      data += alphabet[pick(rng)];
    std::string name;
    for (int n = length(rng) / 4; n > 0; --n)
      name += alphabet[pick(rng)];
    const auto s = parse_sse(encode_sse_event(round + 1, name, data));
    ASSERT_EQ(s.events.size(), 1u) << "round " << round;
    EXPECT_EQ(s.events[0].data, as_lf(data)) << "round " << round;
    EXPECT_EQ(s.events[0].last_id, std::to_string(round + 1));
  }
}

TEST(SseControl, LeavesTheLastIdAlone) {
  const auto frame = encode_sse_control("reset", R"({"oldest_id":5})");
  EXPECT_EQ(frame, "event: reset\ndata: {\"oldest_id\":5}\n\n");
  const auto s = parse_sse(encode_sse_event(4, "newBoard", "{}") + frame);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[1].type, "reset");
  EXPECT_EQ(s.events[1].last_id, "4");
}

TEST(SseControl, SplitsDataLikeTheOther) {
  const auto s = parse_sse(encode_sse_control("x\ny", "a\r\nb"));
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].type, "xy");
  EXPECT_EQ(s.events[0].data, "a\nb");
}

TEST(SseRetry, EncodesMilliseconds) {
  EXPECT_EQ(encode_sse_retry(std::chrono::milliseconds{3000}),
            "retry: 3000\n\n");
  EXPECT_EQ(encode_sse_retry(std::chrono::seconds{2}), "retry: 2000\n\n");
  const auto s = parse_sse(encode_sse_retry(std::chrono::milliseconds{3000}));
  EXPECT_EQ(s.retry, "3000");
  EXPECT_TRUE(s.events.empty());
}

TEST(SseRetry, ClampsNegativeDelaysToZero) {
  EXPECT_EQ(encode_sse_retry(std::chrono::milliseconds{-5}), "retry: 0\n\n");
}

TEST(SseComment, EncodesAKeepAlive) {
  const auto frame = encode_sse_comment("keep-alive");
  EXPECT_EQ(frame, ": keep-alive\n\n");
  const auto s = parse_sse(frame);
  EXPECT_TRUE(s.events.empty());
  ASSERT_EQ(s.comments.size(), 1u);
  EXPECT_EQ(s.comments[0], " keep-alive");
}

TEST(SseComment, CannotCarryAnEvent) {
  const auto frame = encode_sse_comment("a\r\n\r\nevent: x\ndata: evil\n\n");
  EXPECT_EQ(frame, ": aevent: xdata: evil\n\n");
  EXPECT_TRUE(parse_sse(frame).events.empty());
}

} // namespace
} // namespace dots::domain
