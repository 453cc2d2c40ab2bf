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

constexpr std::array<event_type, names.size()> types = [] {
  std::array<event_type, names.size()> out{};
  for (std::size_t i = 0; i < names.size(); ++i)
    out[i] = names[i].first;
  return out;
}();

} // namespace

std::span<const event_type> all_event_types() {
  return types;
}

std::string all_event_names() {
  std::string out;
  for (const auto& [type, name] : names) {
    if (!out.empty())
      out += ", ";
    out += name;
  }
  return out;
}

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

bool is_path_event(event_type type) {
  return type == event_type::new_path || type == event_type::path_updated;
}

event board_event(event_type type, const board& b) {
  return event{.id = 0,
               .type = type,
               .board_id = b.id,
               .board_name = b.name,
               .username = b.creator_username,
               .path_id = 0,
               .complete = false};
}

event path_event(event_type type, const board& b, const path& p) {
  return event{.id = 0,
               .type = type,
               .board_id = b.id,
               .board_name = b.name,
               .username = p.user_username,
               .path_id = p.id,
               .complete = p.complete};
}

// Payloads go through Boost.JSON rather than string concatenation so that
// whatever users typed (quotes, line breaks) comes out escaped: the payload
// is always one line of valid JSON.
std::string event_data(const event& ev) {
  boost::json::object data;
  if (is_path_event(ev.type)) {
    data["path_id"] = ev.path_id;
    data["board_id"] = ev.board_id;
    data["board_name"] = ev.board_name;
    data["user_username"] = ev.username;
    if (ev.type == event_type::path_updated)
      data["complete"] = ev.complete;
  } else {
    data["board_id"] = ev.board_id;
    data["board_name"] = ev.board_name;
    data["creator_username"] = ev.username;
  }
  return boost::json::serialize(data);
}

} // namespace dots::domain
