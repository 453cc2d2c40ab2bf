// Fuzz target: board and path bodies, from JSON text to validated values.
//
// The input is a request body as a client sends it. It is read the way the
// API reads it (domain::parse_json, then the shape checks of json.cpp) as
// a board (POST/PUT /api/boards), a path (PUT /api/boards/{id}/path) and
// credentials (register, login), and each shape that passes goes through
// the rules of rules.cpp. A body that is both a valid board and a path
// (`{"name", "rows", "cols", "dots", "segments"}`) has its path checked on
// its own board; any other path is checked on a fixed 5x5 board. What the
// rules accept is then checked against the contract (api.md, "Boards" and
// "Paths") independently of rules.cpp, and validating an accepted value
// again must give it back unchanged.

#include "check.hpp"
#include "domain/json.hpp"
#include "domain/rules.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace dots;
using domain::limits;

bool is_lower_hex_color(std::string_view c) {
  return c.size() == 7 && c[0] == '#' &&
         std::all_of(c.begin() + 1, c.end(), [](char x) {
           return (x >= '0' && x <= '9') || (x >= 'a' && x <= 'f');
         });
}

/// The number of code points of well-formed UTF-8 `s` (continuation bytes
/// are not counted).
std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool inside(const domain::board& b, int row, int col) {
  return row >= 0 && row < b.rows && col >= 0 && col < b.cols;
}

/// The contract's rules for a board, checked on one that validate_board
/// accepted.
void check_valid_board(const domain::board_draft& d) {
  DOTS_FUZZ_CHECK(!d.name.empty(), "an accepted name is not empty");
  DOTS_FUZZ_CHECK(code_points(d.name) <= limits::max_name_chars,
                  "an accepted name fits the limit");
  // Trimmed: no ASCII space or control at either end (the Unicode spaces
  // are checked by validating again below).
  for (char end : {d.name.front(), d.name.back()})
    DOTS_FUZZ_CHECK(static_cast<unsigned char>(end) > 0x20,
                    "an accepted name is trimmed");
  DOTS_FUZZ_CHECK(std::none_of(d.name.begin(), d.name.end(),
                               [](char c) {
                                 return static_cast<unsigned char>(c) < 0x20 ||
                                        c == 0x7F;
                               }),
                  "an accepted name holds no control character");
  DOTS_FUZZ_CHECK(d.rows >= limits::min_side && d.rows <= limits::max_side &&
                      d.cols >= limits::min_side && d.cols <= limits::max_side,
                  "an accepted board has sides from 2 to 50");
  DOTS_FUZZ_CHECK(!d.dots.empty() && d.dots.size() % 2 == 0,
                  "an accepted board has pairs of dots");
  std::map<std::string, int> per_color;
  std::set<std::pair<int, int>> cells;
  for (const auto& dot : d.dots) {
    DOTS_FUZZ_CHECK(is_lower_hex_color(dot.color),
                    "an accepted colour is #rrggbb in lower case");
    DOTS_FUZZ_CHECK(dot.row >= 0 && dot.row < d.rows && dot.col >= 0 &&
                        dot.col < d.cols,
                    "an accepted dot is on the grid");
    DOTS_FUZZ_CHECK(cells.emplace(dot.row, dot.col).second,
                    "accepted dots sit on distinct cells");
    ++per_color[dot.color];
  }
  for (const auto& [color, n] : per_color)
    DOTS_FUZZ_CHECK(n == 2, "every accepted colour has exactly two dots");
}

/// The contract's rules for a path, checked on one that validate_path
/// accepted on `b`; returns whether it joins every pair (is_complete's
/// meaning, computed independently).
bool check_valid_path(const domain::board& b,
                      const std::vector<domain::segment>& segments) {
  std::map<std::pair<int, int>, std::string> dot_at;
  std::map<std::string, std::vector<domain::cell>> ends;
  for (const auto& d : b.dots) {
    dot_at[{d.row, d.col}] = d.color;
    ends[d.color].push_back(domain::cell{d.row, d.col});
  }
  DOTS_FUZZ_CHECK(!segments.empty(), "an accepted path has a segment");
  std::set<std::string> colors;
  std::set<std::pair<int, int>> used;
  for (const auto& s : segments) {
    DOTS_FUZZ_CHECK(ends.contains(s.color),
                    "an accepted segment has a colour of the board");
    DOTS_FUZZ_CHECK(colors.insert(s.color).second,
                    "an accepted path has one segment per colour");
    DOTS_FUZZ_CHECK(!s.cells.empty(), "an accepted segment has cells");
    for (std::size_t j = 0; j < s.cells.size(); ++j) {
      const auto& c = s.cells[j];
      DOTS_FUZZ_CHECK(inside(b, c.row, c.col),
                      "accepted cells are on the grid");
      DOTS_FUZZ_CHECK(used.emplace(c.row, c.col).second,
                      "no cell is used twice");
      const auto dot = dot_at.find({c.row, c.col});
      DOTS_FUZZ_CHECK(dot == dot_at.end() || dot->second == s.color,
                      "a segment crosses no dot of another colour");
      if (j == 0)
        DOTS_FUZZ_CHECK(dot != dot_at.end(),
                        "a segment starts on one of its dots");
      else
        DOTS_FUZZ_CHECK(std::abs(c.row - s.cells[j - 1].row) +
                                std::abs(c.col - s.cells[j - 1].col) ==
                            1,
                        "consecutive cells are neighbours");
      if (j > 0 && dot != dot_at.end())
        DOTS_FUZZ_CHECK(j + 1 == s.cells.size(),
                        "a segment ends at its other dot");
    }
  }
  for (const auto& [color_, pair_] : ends) {
    const auto& color = color_; // a structured binding cannot be captured
    const auto& pair = pair_;
    auto s = std::find_if(segments.begin(), segments.end(),
                          [&](const auto& seg) { return seg.color == color; });
    if (s == segments.end() || pair.size() != 2)
      return false;
    const auto& first = s->cells.front();
    const auto& last = s->cells.back();
    if (!((first == pair[0] && last == pair[1]) ||
          (first == pair[1] && last == pair[0])))
      return false;
  }
  return true;
}

/// A board every path body that is not also a board is checked on.
domain::board fixed_board() {
  domain::board b;
  b.id = 1;
  b.name = "five";
  b.rows = 5;
  b.cols = 5;
  // Solvable: red along row 0, green along row 1, blue from [2, 0] to the
  // far corner (the seeds path_*.json draw on it).
  b.dots = {{0, 0, "#ff0000"}, {0, 4, "#ff0000"}, {1, 0, "#00ff00"},
            {1, 4, "#00ff00"}, {2, 0, "#0000ff"}, {4, 4, "#0000ff"}};
  return b;
}

domain::board board_of(const domain::board_draft& d) {
  domain::board b;
  b.id = 7;
  b.name = d.name;
  b.rows = d.rows;
  b.cols = d.cols;
  b.dots = d.dots;
  return b;
}

void check_path(const domain::board& b, std::vector<domain::segment> body) {
  auto accepted = domain::validate_path(b, std::move(body));
  if (!accepted)
    return;
  const auto& segments = accepted.value();
  const bool complete = check_valid_path(b, segments);
  DOTS_FUZZ_CHECK(domain::is_complete(b, segments) == complete,
                  "is_complete says whether every pair is joined");
  auto again = domain::validate_path(b, segments);
  DOTS_FUZZ_CHECK(again && again.value() == segments,
                  "an accepted path validates to itself");
  // What the API answers: its JSON reads back as the same segments.
  domain::path p;
  p.segments = segments;
  auto round = domain::segments_from_json(domain::to_json(p));
  DOTS_FUZZ_CHECK(round && round.value() == segments,
                  "a path's JSON reads back as the same segments");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  auto parsed = domain::parse_json(text);
  if (!parsed)
    return 0;
  const auto& body = parsed.value();

  std::optional<domain::board> own_board;
  if (auto draft = domain::board_draft_from_json(body)) {
    if (auto valid = domain::validate_board(std::move(draft).value())) {
      const auto& d = valid.value();
      check_valid_board(d);
      auto again = domain::validate_board(d);
      DOTS_FUZZ_CHECK(again && again.value() == d,
                      "an accepted board validates to itself");
      own_board = board_of(d);
      // What the API answers: its JSON reads back as the same draft.
      auto round = domain::board_draft_from_json(domain::to_json(*own_board));
      DOTS_FUZZ_CHECK(round && round.value() == d,
                      "a board's JSON reads back as the same draft");
      DOTS_FUZZ_CHECK(!domain::update_drops_paths(*own_board, d),
                      "saving a board unchanged keeps its paths");
    }
  }

  if (auto segments = domain::segments_from_json(body))
    check_path(own_board ? *own_board : fixed_board(),
               std::move(segments).value());

  if (auto creds = domain::credentials_from_json(body)) {
    if (auto name = domain::validate_username(creds.value().username)) {
      const auto key = domain::username_key(name.value());
      DOTS_FUZZ_CHECK(domain::username_key(key) == key,
                      "a username key is its own key");
      DOTS_FUZZ_CHECK(domain::validate_username(key).has_value(),
                      "a username key is a valid username");
    }
    (void)domain::validate_password(creds.value().password);
  }
  return 0;
}
