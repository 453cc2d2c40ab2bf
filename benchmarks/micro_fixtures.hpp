#pragma once

#include "domain/types.hpp"

#include <cstdio>
#include <string>
#include <vector>

// Valid inputs of every size the contract allows, built rather than stored
// so that each micro benchmark can ask for the shape it needs.

namespace dots::bench::fixtures {

/// `#rrggbb` distinct for every i below 2^20.
inline std::string colour(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%06x",
                static_cast<unsigned>(0x100000 + i) & 0xffffffu);
  return buf;
}

/// A rows×cols draft with `colours` pairs (at most rows × cols/2), each pair
/// on two horizontally adjacent cells, so that a one-step segment joins it.
inline domain::board_draft paired_draft(int rows, int cols, int colours) {
  domain::board_draft d;
  d.name = "  Plansza testowa  ";
  d.rows = rows;
  d.cols = cols;
  const int per_row = cols / 2;
  for (int i = 0; i < colours; ++i) {
    const int row = i / per_row, col = 2 * (i % per_row);
    d.dots.push_back({row, col, colour(i)});
    d.dots.push_back({row, col + 1, colour(i)});
  }
  return d;
}

inline domain::board board_of(const domain::board_draft& d) {
  domain::board b;
  b.id = 7;
  b.name = d.name;
  b.rows = d.rows;
  b.cols = d.cols;
  b.dots = d.dots;
  b.creator_id = 1;
  b.creator_username = "autorX";
  b.created_at = b.updated_at = "2026-11-26T12:00:00Z";
  return b;
}

/// One complete segment per colour of a paired_draft board.
inline std::vector<domain::segment> paired_path(const domain::board& b) {
  std::vector<domain::segment> out;
  for (std::size_t i = 0; i + 1 < b.dots.size(); i += 2)
    out.push_back({b.dots[i].color,
                   {{b.dots[i].row, b.dots[i].col},
                    {b.dots[i + 1].row, b.dots[i + 1].col}}});
  return out;
}

/// A side×side board (side even) with one colour at (0,0) and (side-1,0),
/// and the boustrophedon path joining them through every cell: the longest
/// path the contract allows.
inline domain::board snake_board(int side) {
  domain::board_draft d;
  d.name = "snake";
  d.rows = d.cols = side;
  d.dots = {{0, 0, colour(0)}, {side - 1, 0, colour(0)}};
  return board_of(d);
}

inline std::vector<domain::segment> snake_path(int side) {
  domain::segment s{colour(0), {}};
  for (int r = 0; r < side; ++r)
    for (int k = 0; k < side; ++k)
      s.cells.push_back({r, r % 2 == 0 ? k : side - 1 - k});
  return {s};
}

} // namespace dots::bench::fixtures
