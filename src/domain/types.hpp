#pragma once

#include <cstdint>
#include <string>
#include <vector>

// The course project's data: boards (a grid with pairs of same-coloured dots)
// and each user's private path on a board. Plain values: no I/O here.

namespace dots::domain {

/// Row-major cell coordinates inside a board's grid.
struct cell {
  int row = 0;
  int col = 0;
  friend bool operator==(const cell&, const cell&) = default;
};

/// One dot of a board; `color` is `#rrggbb` in lower case once validated.
struct dot {
  int row = 0;
  int col = 0;
  std::string color;
  friend bool operator==(const dot&, const dot&) = default;
};

/// What a client sends to create or change a board.
struct board_draft {
  std::string name; ///< trimmed once validated
  int rows = 0;
  int cols = 0;
  std::vector<dot> dots;
  friend bool operator==(const board_draft&, const board_draft&) = default;
};

/// A stored board.
struct board {
  std::int64_t id = 0;
  std::string name;
  int rows = 0;
  int cols = 0;
  std::vector<dot> dots;
  std::int64_t creator_id = 0;
  std::string creator_username;
  std::string created_at; ///< RFC 3339 UTC
  std::string updated_at; ///< RFC 3339 UTC
  friend bool operator==(const board&, const board&) = default;
};

/// The part of a user's path drawn in one colour, in drawing order.
struct segment {
  std::string color;
  std::vector<cell> cells;
  friend bool operator==(const segment&, const segment&) = default;
};

/// A user's own path on a board (at most one per board and user).
struct path {
  std::int64_t id = 0;
  std::int64_t board_id = 0;
  std::int64_t user_id = 0;
  std::string user_username;
  std::vector<segment> segments;
  bool complete = false;
  std::string created_at;
  std::string updated_at;
  friend bool operator==(const path&, const path&) = default;
};

/// A public account.
struct user {
  std::int64_t id = 0;
  std::string username;
  friend bool operator==(const user&, const user&) = default;
};

/// One page of the board list, newest first.
struct board_page {
  std::vector<board> boards;
  std::int64_t next = 0; ///< the `after` for the next page; 0 when none
};

} // namespace dots::domain
