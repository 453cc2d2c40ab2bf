#include "domain/rules.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

namespace dots::domain {

namespace {

// -- text ---------------------------------------------------------------------

struct code_point {
  char32_t value;
  std::size_t offset; ///< of its first byte
};

// Strict UTF-8: overlong forms, surrogates and values past U+10FFFF are
// rejected, since any of them could let a name look different to different
// readers (or smuggle a control character past a lax decoder).
std::optional<std::vector<code_point>> decode_utf8(std::string_view s) {
  std::vector<code_point> out;
  out.reserve(s.size());
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
      return std::nullopt;
    }
    if (s.size() - i < len)
      return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80)
        return std::nullopt;
      cp = (cp << 6) | (cont & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return std::nullopt;
    out.push_back({cp, i});
    i += len;
  }
  return out;
}

// Unicode White_Space, plus U+FEFF: a byte order mark pasted in front of a
// name is invisible and nobody means it.
bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 ||
         c == 0xFEFF;
}

bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

// `#rrggbb` in lower case, or nullopt when `s` is not a colour.
std::optional<std::string> normalise_color(std::string_view s) {
  if (s.size() != 7 || s[0] != '#' ||
      !std::all_of(s.begin() + 1, s.end(), is_hex))
    return std::nullopt;
  return lower(s);
}

// -- fields and messages ------------------------------------------------------

// Messages never echo a rejected value: it may be long or not even text.
// Fields count from 0 (they index the body); messages count from 1 (they are
// read by people), hence "dot 3" for "dots[2]".
std::string indexed(std::string_view base, std::size_t i) {
  return std::string(base) + '[' + std::to_string(i) + ']';
}

std::string nth(std::string_view what, std::size_t i) {
  return std::string(what) + ' ' + std::to_string(i + 1);
}

std::string at(int row, int col) {
  // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, falsely) on
  // the chained operator+ form.
  std::string out = "[";
  out.append(std::to_string(row)).append(", ").append(std::to_string(col));
  out.push_back(']');
  return out;
}

std::string grid_size(int rows, int cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

// -- grids --------------------------------------------------------------------

bool inside(int rows, int cols, int row, int col) {
  return row >= 0 && row < rows && col >= 0 && col < cols;
}

// One slot per cell of a grid; the rules only ever need "who is here".
class grid_map {
public:
  grid_map(int rows, int cols)
      : cols_(std::max(cols, 0))
      , slots_(static_cast<std::size_t>(std::max(rows, 0)) *
                   static_cast<std::size_t>(cols_),
               -1) {}

  int& operator()(int row, int col) {
    return slots_[static_cast<std::size_t>(row) * cols_ +
                  static_cast<std::size_t>(col)];
  }

private:
  int cols_;
  std::vector<int> slots_;
};

error board_error(std::string message, std::string field) {
  return invalid("invalid_board", std::move(message), std::move(field));
}

error path_error(std::string message, std::string field) {
  return invalid("invalid_path", std::move(message), std::move(field));
}

std::optional<error> check_name(std::string& name) {
  auto cps = decode_utf8(name);
  if (!cps)
    return board_error("name must be valid UTF-8", "name");
  auto first = std::find_if_not(cps->begin(), cps->end(),
                                [](code_point c) { return is_space(c.value); });
  auto last = std::find_if_not(cps->rbegin(), std::make_reverse_iterator(first),
                               [](code_point c) { return is_space(c.value); })
                  .base();
  if (first == last)
    return board_error("name must not be empty", "name");
  if (std::any_of(first, last,
                  [](code_point c) { return is_control(c.value); }))
    return board_error("name must not contain control characters", "name");
  const auto chars = static_cast<std::size_t>(last - first);
  if (chars > limits::max_name_chars)
    return board_error("name must be at most " +
                           std::to_string(limits::max_name_chars) +
                           " characters (it has " + std::to_string(chars) + ")",
                       "name");
  const auto begin = first->offset;
  const auto end = last == cps->end() ? name.size() : last->offset;
  name = name.substr(begin, end - begin);
  return std::nullopt;
}

std::optional<error> check_side(int value, const char* field) {
  if (value < limits::min_side || value > limits::max_side)
    return board_error(std::string(field) + " must be between " +
                           std::to_string(limits::min_side) + " and " +
                           std::to_string(limits::max_side) + " (got " +
                           std::to_string(value) + ")",
                       field);
  return std::nullopt;
}

} // namespace

// -- boards -------------------------------------------------------------------

result<board_draft> validate_board(board_draft draft) {
  if (auto e = check_name(draft.name))
    return std::move(*e);
  if (auto e = check_side(draft.rows, "rows"))
    return std::move(*e);
  if (auto e = check_side(draft.cols, "cols"))
    return std::move(*e);
  if (draft.dots.empty())
    return board_error("a board needs at least one colour (two dots)", "dots");

  grid_map owner(draft.rows, draft.cols);
  std::map<std::string, int> uses;
  for (std::size_t i = 0; i < draft.dots.size(); ++i) {
    auto& d = draft.dots[i];
    auto color = normalise_color(d.color);
    if (!color)
      return board_error(nth("dot", i) + ": colour must be #rrggbb",
                         indexed("dots", i) + ".color");
    d.color = std::move(*color);
    if (!inside(draft.rows, draft.cols, d.row, d.col))
      return board_error(nth("dot", i) + ": " + at(d.row, d.col) +
                             " is outside the " +
                             grid_size(draft.rows, draft.cols) + " grid",
                         indexed("dots", i));
    auto& slot = owner(d.row, d.col);
    if (slot >= 0)
      return board_error(nth("dot", i) + ": " + at(d.row, d.col) +
                             " is already taken by " +
                             nth("dot", static_cast<std::size_t>(slot)),
                         indexed("dots", i));
    slot = static_cast<int>(i);
    ++uses[d.color];
  }

  // Reported at the dot that breaks the pair: the lone dot of a colour, or
  // the third dot of one.
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < draft.dots.size(); ++i) {
    const auto& c = draft.dots[i].color;
    const int total = uses[c];
    if (total == 1)
      return board_error(nth("dot", i) + ": colour " + c +
                             " is used once; every colour needs exactly "
                             "two dots",
                         indexed("dots", i) + ".color");
    if (++seen[c] == 3)
      return board_error(nth("dot", i) + ": colour " + c + " is used " +
                             std::to_string(total) + " times",
                         indexed("dots", i) + ".color");
  }
  return draft;
}

// -- paths --------------------------------------------------------------------

result<std::vector<segment>> validate_path(const board& b,
                                           std::vector<segment> segments) {
  if (segments.empty())
    return path_error("a path needs at least one segment", "segments");

  // Which dot (index into b.dots) sits on each cell, and the board's colours
  // in lower case so that a board stored before normalisation still matches.
  grid_map dot_at(b.rows, b.cols);
  std::vector<std::string> dot_color(b.dots.size());
  std::set<std::string_view> board_colors;
  for (std::size_t i = 0; i < b.dots.size(); ++i) {
    const auto& d = b.dots[i];
    dot_color[i] = lower(d.color);
    board_colors.insert(dot_color[i]);
    if (inside(b.rows, b.cols, d.row, d.col))
      dot_at(d.row, d.col) = static_cast<int>(i);
  }

  grid_map used_by(b.rows, b.cols);
  std::map<std::string, std::size_t> segment_of;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    auto& seg = segments[i];
    const auto seg_field = indexed("segments", i);
    const auto who = nth("segment", i);
    auto color = normalise_color(seg.color);
    if (!color)
      return path_error(who + ": colour must be #rrggbb", seg_field + ".color");
    seg.color = std::move(*color);
    if (!board_colors.contains(seg.color))
      return path_error(who + ": colour " + seg.color + " is not on this board",
                        seg_field + ".color");
    if (auto [it, fresh] = segment_of.emplace(seg.color, i); !fresh)
      return path_error(who + ": colour " + seg.color +
                            " already has a segment (" +
                            nth("segment", it->second) + ")",
                        seg_field + ".color");
    if (seg.cells.empty())
      return path_error(who + " has no cells", seg_field + ".cells");

    for (std::size_t j = 0; j < seg.cells.size(); ++j) {
      const auto& c = seg.cells[j];
      const auto field = indexed(seg_field + ".cells", j);
      const auto where =
          who + ", cell " + std::to_string(j + 1) + ": " + at(c.row, c.col);
      if (!inside(b.rows, b.cols, c.row, c.col))
        return path_error(where + " is outside the " +
                              grid_size(b.rows, b.cols) + " grid",
                          field);
      const int dot = dot_at(c.row, c.col);
      const bool own_dot =
          dot >= 0 && dot_color[static_cast<std::size_t>(dot)] == seg.color;
      if (j == 0 && !own_dot)
        return path_error(who + " must start on one of the two " + seg.color +
                              " dots",
                          field);
      if (j > 0) {
        const auto& prev = seg.cells[j - 1];
        if (std::abs(prev.row - c.row) + std::abs(prev.col - c.col) != 1)
          return path_error(where + " is not next to " + at(prev.row, prev.col),
                            field);
      }
      auto& user = used_by(c.row, c.col);
      if (user >= 0)
        return path_error(
            where + " is already used " +
                (static_cast<std::size_t>(user) == i
                     ? std::string("earlier in this segment")
                     : "by " + nth("segment", static_cast<std::size_t>(user))),
            field);
      user = static_cast<int>(i);
      if (dot >= 0 && !own_dot)
        return path_error(where + " is a " +
                              dot_color[static_cast<std::size_t>(dot)] + " dot",
                          field);
      // The other dot of the colour ends the line, as in the game: going on
      // past it would leave a "finished" pair that is_complete disowns.
      if (j > 0 && own_dot && j + 1 < seg.cells.size())
        return path_error(who + ", cell " + std::to_string(j + 2) + ": " +
                              at(seg.cells[j + 1].row, seg.cells[j + 1].col) +
                              " goes on past the other " + seg.color + " dot",
                          indexed(seg_field + ".cells", j + 1));
    }
  }
  return segments;
}

bool is_complete(const board& b, const std::vector<segment>& segments) {
  // A board without colours has nothing to solve; calling it complete would
  // announce a win nobody played for.
  if (b.dots.empty())
    return false;
  std::map<std::string, std::vector<cell>> pairs;
  for (const auto& d : b.dots)
    pairs[lower(d.color)].push_back(cell{d.row, d.col});
  std::map<std::string, const segment*> by_color;
  for (const auto& s : segments)
    by_color.emplace(lower(s.color), &s);
  for (const auto& [color, ends] : pairs) {
    const auto it = by_color.find(color);
    if (ends.size() != 2 || it == by_color.end())
      return false;
    const auto& cells = it->second->cells;
    // Guards for input that skipped validation: front() of nothing is
    // undefined, and two dots on one cell would make any one-cell segment
    // "join" them.
    if (cells.empty() || ends[0] == ends[1])
      return false;
    const bool joined = (cells.front() == ends[0] && cells.back() == ends[1]) ||
                        (cells.front() == ends[1] && cells.back() == ends[0]);
    if (!joined)
      return false;
  }
  return true;
}

// -- accounts -----------------------------------------------------------------

result<std::string> validate_username(std::string_view username) {
  if (username.size() < limits::min_username ||
      username.size() > limits::max_username)
    return invalid("invalid_username",
                   "username must be " + std::to_string(limits::min_username) +
                       " to " + std::to_string(limits::max_username) +
                       " characters",
                   "username");
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  };
  if (!std::all_of(username.begin(), username.end(), allowed))
    return invalid("invalid_username",
                   "username may contain only letters A-Z and a-z, digits, "
                   "'_', '.' and '-'",
                   "username");
  return std::string(username);
}

result<void> validate_password(std::string_view password) {
  if (password.size() < limits::min_password ||
      password.size() > limits::max_password)
    return invalid("invalid_password",
                   "password must be " + std::to_string(limits::min_password) +
                       " to " + std::to_string(limits::max_password) + " bytes",
                   "password");
  return domain::success();
}

std::string username_key(std::string_view username) {
  return lower(username);
}

bool update_drops_paths(const board& old, const board_draft& draft) {
  return old.rows != draft.rows || old.cols != draft.cols ||
         old.dots != draft.dots;
}

} // namespace dots::domain
