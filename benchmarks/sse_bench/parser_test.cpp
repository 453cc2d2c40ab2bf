// The client's parsers decide what counts as delivered, so they are checked
// on their own: every split of the input across reads must give the same
// events, whatever the line endings and whether the body is chunked.

#include "histogram.hpp"
#include "http_parse.hpp"
#include "sse_parser.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace dots::bench {
namespace {

struct recorder {
  std::vector<std::uint32_t> seqs;
  int untagged = 0;
  int comments = 0;
  int retries = 0;

  void on_event(bool tagged, const event_tag& tag) {
    if (tagged)
      seqs.push_back(tag.seq);
    else
      ++untagged;
  }
  void on_comment() { ++comments; }
  void on_retry() { ++retries; }
};

const std::string stream_text =
    "retry: 3000\n\n"
    ": keep-alive\r\n\r\n"
    "id: 1\nevent: newBoard\ndata: {\"board_name\": \"sb:run1:0:100\"}\n\n"
    "id: 2\r\ndata: sb:run1:1:200\r\n\r\n"
    "id: 3\rdata: sb:run1:2:300\r\r"
    "data: first line\ndata: sb:other:9:1\n\n" // another run: untagged
    "event: ping\n\n"                          // no data: no event
    "data: sb:run1:3:400\n\n";

recorder parse_in_pieces(const std::string& text, std::size_t piece) {
  tag_matcher tags("run1");
  sse_parser parser;
  recorder r;
  for (std::size_t i = 0; i < text.size(); i += piece)
    EXPECT_TRUE(parser.feed(text.data() + i, std::min(piece, text.size() - i),
                            tags, r));
  return r;
}

TEST(sse_parser, same_events_for_every_split) {
  for (std::size_t piece = 1; piece <= stream_text.size(); ++piece) {
    const recorder r = parse_in_pieces(stream_text, piece);
    EXPECT_EQ(r.seqs, (std::vector<std::uint32_t>{0, 1, 2, 3})) << piece;
    EXPECT_EQ(r.untagged, 1) << piece;
    EXPECT_EQ(r.comments, 1) << piece;
    EXPECT_EQ(r.retries, 1) << piece;
  }
}

TEST(sse_parser, tag_carries_send_time) {
  tag_matcher tags("abc");
  event_tag tag;
  ASSERT_TRUE(tags.find(make_tag("abc", 17, 123456789), tag));
  EXPECT_EQ(tag.seq, 17u);
  EXPECT_EQ(tag.sent_ns, 123456789);
  EXPECT_FALSE(tags.find("sb:abc:17", tag));
  EXPECT_FALSE(tags.find("sb:abd:17:5", tag));
}

std::string chunked(const std::string& body, std::size_t chunk) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    const std::size_t n = std::min(chunk, body.size() - i);
    std::string size;
    for (std::size_t v = n; v > 0; v /= 16)
      size.insert(size.begin(), hex[v % 16]);
    out +=
        size + (i == 0 ? ";ext=1" : "") + "\r\n" + body.substr(i, n) + "\r\n";
  }
  return out + "0\r\n\r\n";
}

TEST(chunked_decoder, sse_through_chunks_for_every_split) {
  for (std::size_t chunk : {1u, 7u, 64u, 4096u}) {
    const std::string wire = chunked(stream_text, chunk);
    for (std::size_t piece : {1u, 3u, 10u, 1000u}) {
      chunked_decoder dec;
      sse_parser parser;
      tag_matcher tags("run1");
      recorder r;
      auto last = chunked_decoder::status::ok;
      for (std::size_t i = 0; i < wire.size(); i += piece)
        last = dec.feed(
            wire.data() + i, std::min(piece, wire.size() - i),
            [&](const char* p, std::size_t n) { parser.feed(p, n, tags, r); });
      EXPECT_EQ(last, chunked_decoder::status::finished);
      EXPECT_EQ(r.seqs, (std::vector<std::uint32_t>{0, 1, 2, 3}));
    }
  }
}

TEST(chunked_decoder, rejects_garbage) {
  chunked_decoder dec;
  const std::string wire = "zz\r\n";
  EXPECT_EQ(dec.feed(wire.data(), wire.size(), [](const char*, std::size_t) {}),
            chunked_decoder::status::error);
}

TEST(head_reader, parses_split_head) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
      "cache-control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\nrest";
  head_reader h;
  std::size_t used = 0;
  ASSERT_EQ(h.feed(wire.data(), 20, used), head_reader::status::need_more);
  ASSERT_EQ(h.feed(wire.data() + 20, wire.size() - 20, used),
            head_reader::status::done);
  EXPECT_EQ(wire.substr(20 + used), "rest");
  EXPECT_EQ(h.head().status, 200);
  EXPECT_TRUE(h.head().chunked);
  EXPECT_EQ(h.head().cache_control, "no-cache");
}

TEST(histogram, percentiles_within_bucket_error) {
  histogram h;
  for (int i = 1; i <= 100000; ++i)
    h.record(i * 1000);
  EXPECT_NEAR(static_cast<double>(h.percentile(50)), 50e6, 50e6 * 0.02);
  EXPECT_NEAR(static_cast<double>(h.percentile(99)), 99e6, 99e6 * 0.02);
  EXPECT_EQ(h.max(), 100000 * 1000);
  const auto copy = histogram::parse(h.serialize());
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->count(), h.count());
  EXPECT_EQ(copy->percentile(99), h.percentile(99));
}

TEST(url, loopback_only_parsing) {
  const auto u = parse_url("http://127.0.0.1:8080/sse/notifications/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/sse/notifications/");
  EXPECT_FALSE(parse_url("https://127.0.0.1/"));
  EXPECT_FALSE(parse_url("http://127.0.0.1:99999/"));
}

} // namespace
} // namespace dots::bench
