#pragma once

#include "domain/types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The JSON text of the columns that hold lists (a board's dots, a path's
// segments). This is the storage format, owned by the schema rather than by
// the HTTP contract, so it has its own small codec: changing the API's JSON
// must not change what old files contain.

namespace dots::storage {

/// `[{"row":0,"col":0,"color":"#ff0000"},...]`
std::string encode_dots(const std::vector<domain::dot>& dots);

/// The dots of a column; nullopt when the text is not what encode_dots writes.
std::optional<std::vector<domain::dot>> decode_dots(std::string_view text);

/// `[{"color":"#ff0000","cells":[[0,0],[0,1]]},...]`
std::string encode_segments(const std::vector<domain::segment>& segments);

/// The segments of a column; nullopt when the text is malformed.
std::optional<std::vector<domain::segment>>
decode_segments(std::string_view text);

} // namespace dots::storage
