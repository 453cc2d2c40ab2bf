#include "storage/json_columns.hpp"

#include <gtest/gtest.h>

namespace dots::storage {
namespace {

TEST(JsonColumns, DotsRoundTrip) {
  const std::vector<domain::dot> dots{{0, 0, "#ff0000"}, {49, 12, "#00ff00"}};
  auto back = decode_dots(encode_dots(dots));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, dots);
  EXPECT_EQ(decode_dots(encode_dots({})), std::vector<domain::dot>{});
}

TEST(JsonColumns, SegmentsRoundTrip) {
  const std::vector<domain::segment> segs{
      {"#ff0000", {{0, 0}, {0, 1}, {1, 1}}},
      {"#0000ff", {}},
  };
  auto back = decode_segments(encode_segments(segs));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, segs);
}

TEST(JsonColumns, TextIsEscaped) {
  const std::vector<domain::dot> dots{{1, 2, "\"quoted\"\n\\"}};
  EXPECT_EQ(decode_dots(encode_dots(dots)), dots);
}

TEST(JsonColumns, MalformedDotsAreRejected) {
  for (const char* text : {
           "",
           "not json",
           "{}",
           "[1]",
           "[{\"row\":0,\"col\":0}]",
           "[{\"row\":\"0\",\"col\":0,\"color\":\"#ff0000\"}]",
           "[{\"row\":0.5,\"col\":0,\"color\":\"#ff0000\"}]",
           "[{\"row\":99999999999,\"col\":0,\"color\":\"#ff0000\"}]",
           "[{\"row\":0,\"col\":0,\"color\":\"#ff0000\"}",
       })
    EXPECT_FALSE(decode_dots(text)) << text;
}

TEST(JsonColumns, MalformedSegmentsAreRejected) {
  for (const char* text : {
           "",
           "{\"color\":\"#ff0000\",\"cells\":[]}",
           "[{\"cells\":[[0,0]]}]",
           "[{\"color\":\"#ff0000\"}]",
           "[{\"color\":\"#ff0000\",\"cells\":[[0]]}]",
           "[{\"color\":\"#ff0000\",\"cells\":[[0,0,0]]}]",
           "[{\"color\":\"#ff0000\",\"cells\":[[0,\"1\"]]}]",
           "[{\"color\":\"#ff0000\",\"cells\":{\"0\":0}}]",
           "[{\"color\":7,\"cells\":[[0,0]]}]",
       })
    EXPECT_FALSE(decode_segments(text)) << text;
}

} // namespace
} // namespace dots::storage
