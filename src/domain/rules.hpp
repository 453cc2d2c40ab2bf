#pragma once

#include "domain/error.hpp"
#include "domain/types.hpp"

#include <string>
#include <string_view>
#include <vector>

// Every board, path and account rule of the API contract. Pure functions:
// each returns the normalised value or the first rule it breaks, with the
// field at fault (e.g. "dots[2].color", "segments[0].cells[3]").

namespace dots::domain {

/// Limits of the contract, shared with the tests and the HTTP layer.
struct limits {
  static constexpr int min_side = 2;
  static constexpr int max_side = 50;
  static constexpr std::size_t max_name_chars = 100;
  static constexpr std::size_t min_username = 3;
  static constexpr std::size_t max_username = 32;
  static constexpr std::size_t min_password = 8;
  static constexpr std::size_t max_password = 128;
};

/// Validates a board draft; on success the name is trimmed and colours are
/// lower-case. Error code: "invalid_board".
result<board_draft> validate_board(board_draft draft);

/// Validates a path against its board; error code "invalid_path".
/// The segments are returned unchanged except colours in lower case.
result<std::vector<segment>> validate_path(const board& b,
                                           std::vector<segment> segments);

/// True when every colour of the board has a segment joining its two dots.
/// Expects segments that passed validate_path.
bool is_complete(const board& b, const std::vector<segment>& segments);

/// Whether saving `draft` over `old` drops the paths saved on the board:
/// true when the size or the dots change, since paths drawn on the old grid
/// would break the path rules and their `complete` would lie. Renaming
/// keeps them (DEVELOPERS.md, "Decisions the contract leaves open").
bool update_drops_paths(const board& old, const board_draft& draft);

/// Username: 3–32 characters of A–Z a–z 0–9 _ . - ; error "invalid_username".
result<std::string> validate_username(std::string_view username);

/// Password: 8–128 bytes; error "invalid_password".
result<void> validate_password(std::string_view password);

/// The key two usernames that differ only in case share (ASCII lower case).
std::string username_key(std::string_view username);

} // namespace dots::domain
