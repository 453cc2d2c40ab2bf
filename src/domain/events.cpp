#include "domain/events.hpp"

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <utility>

namespace dots::domain {

namespace {

constexpr std::array<std::pair<event_type, std::string_view>, 5> names{{
    {event_type::new_board, "newBoard"},
    {event_type::new_path, "newPath"},
    {event_type::board_updated, "boardUpdated"},
    {event_type::board_deleted, "boardDeleted"},
    {event_type::path_updated, "pathUpdated"},
}};

} // namespace

std::string_view event_name(event_type t) {
  for (const auto& [type, name] : names)
    if (type == t)
      return name;
  return "unknown";
}

std::optional<event_type> event_type_from_name(std::string_view name) {
  for (const auto& [type, n] : names)
    if (n == name)
      return type;
  return std::nullopt;
}

// Payloads go through Boost.JSON rather than string concatenation so that
// whatever users typed (quotes, line breaks) comes out escaped: the stored
// payload is always one line of valid JSON.

event board_event(event_type type, const board& b) {
  boost::json::object data;
  data["board_id"] = b.id;
  data["board_name"] = b.name;
  data["creator_username"] = b.creator_username;
  return event{0, type, b.id, boost::json::serialize(data)};
}

event path_event(event_type type, const board& b, const path& p) {
  boost::json::object data;
  data["path_id"] = p.id;
  data["board_id"] = b.id;
  data["board_name"] = b.name;
  data["user_username"] = p.user_username;
  if (type == event_type::path_updated)
    data["complete"] = p.complete;
  return event{0, type, b.id, boost::json::serialize(data)};
}

} // namespace dots::domain
