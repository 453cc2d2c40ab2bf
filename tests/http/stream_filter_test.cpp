#include "http/loopback_streams.hpp"
#include "http/stream_filter.hpp"

#include <gtest/gtest.h>

// Which events a stream wants: a pure function of the filter and the frame.

namespace dots::http::test {
namespace {

TEST(StreamFilter, TypesAndBoard) {
  stream_filter all;
  stream_filter paths{1u << static_cast<unsigned>(event_type::new_path), 0};
  stream_filter board7{~0u, 7};
  const auto new_path_7 = event_frame(1, event_type::new_path, 7);
  const auto new_board_8 = event_frame(2, event_type::new_board, 8);
  EXPECT_TRUE(all.passes(*new_path_7));
  EXPECT_TRUE(all.passes(*new_board_8));
  EXPECT_TRUE(paths.passes(*new_path_7));
  EXPECT_FALSE(paths.passes(*new_board_8));
  EXPECT_TRUE(board7.passes(*new_path_7));
  EXPECT_FALSE(board7.passes(*new_board_8));
}

TEST(StreamFilter, CommentsPassEveryFilter) {
  const auto ka = comment_frame("keep-alive");
  EXPECT_TRUE((stream_filter{0u, 0}).passes(*ka));
  EXPECT_TRUE((stream_filter{0u, 12345}).passes(*ka));
}

} // namespace
} // namespace dots::http::test
