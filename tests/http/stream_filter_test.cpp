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

TEST(StreamFilter, SeveralBoards) {
  stream_filter f;
  EXPECT_TRUE(f.add_board(3));
  EXPECT_TRUE(f.add_board(9));
  EXPECT_TRUE(f.passes(*event_frame(1, event_type::new_path, 3)));
  EXPECT_TRUE(f.passes(*event_frame(2, event_type::board_deleted, 9)));
  EXPECT_FALSE(f.passes(*event_frame(3, event_type::new_path, 4)));
  // With a type filter too: both must pass.
  stream_filter paths_of_3{1u << static_cast<unsigned>(event_type::new_path),
                           3};
  EXPECT_TRUE(paths_of_3.passes(*event_frame(4, event_type::new_path, 3)));
  EXPECT_FALSE(paths_of_3.passes(*event_frame(5, event_type::new_board, 3)));
}

TEST(StreamFilter, BoardsAreCappedAndRepeatsCountOnce) {
  stream_filter f;
  for (std::int64_t id = 1;
       id <= static_cast<std::int64_t>(stream_filter::max_boards); ++id) {
    EXPECT_TRUE(f.add_board(id));
    EXPECT_TRUE(f.add_board(id)); // again: no second place taken
  }
  EXPECT_EQ(f.boards().size(), stream_filter::max_boards);
  EXPECT_FALSE(f.add_board(1000));
  EXPECT_EQ(f.boards().size(), stream_filter::max_boards);
  EXPECT_FALSE(f.passes(*event_frame(1, event_type::new_path, 1000)));
  EXPECT_TRUE(f.add_board(1)); // one of the named: still fine
  for (std::int64_t id = 1;
       id <= static_cast<std::int64_t>(stream_filter::max_boards); ++id)
    EXPECT_TRUE(f.passes(*event_frame(id, event_type::new_path, id))) << id;
}

TEST(StreamFilter, CommentsPassEveryFilter) {
  const auto ka = comment_frame("keep-alive");
  EXPECT_TRUE((stream_filter{0u, 0}).passes(*ka));
  EXPECT_TRUE((stream_filter{0u, 12345}).passes(*ka));
}

} // namespace
} // namespace dots::http::test
