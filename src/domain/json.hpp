#pragma once

#include "domain/error.hpp"
#include "domain/types.hpp"

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// Mapping between the contract's JSON and the domain types. Parsing checks
// shapes and types only (error code "invalid_json" for malformed text,
// "invalid_type" for a wrong or missing member, with the field); the rules
// themselves live in rules.hpp.

namespace dots::domain {

/// Parses text into a JSON value; "invalid_json" on malformed input. A
/// number too large for a double (`1e400`) reads as infinity (Boost.JSON
/// 1.81); the body rules then refuse it as not an integer, with its field.
result<boost::json::value> parse_json(std::string_view text);

/// `{"name", "rows", "cols", "dots"}` → board_draft.
result<board_draft> board_draft_from_json(const boost::json::value& v);

/// `{"segments": [...]}` → segments.
result<std::vector<segment>> segments_from_json(const boost::json::value& v);

/// Credentials of register and login: `{"username", "password"}`.
struct credentials {
  std::string username;
  std::string password;
};
result<credentials> credentials_from_json(const boost::json::value& v);

boost::json::value to_json(const board& b);
boost::json::value to_json(const path& p);
boost::json::value to_json(const user& u);
boost::json::value to_json(const board_page& page);
boost::json::value to_json(const error& e); ///< `{"error": {...}}`

/// Serialises a value to compact JSON text; always valid JSON: a number
/// that is not finite is written as null, as ECMAScript's JSON.stringify
/// does (Boost.JSON 1.81 would write `Infinity`).
std::string serialize(const boost::json::value& v);

} // namespace dots::domain
