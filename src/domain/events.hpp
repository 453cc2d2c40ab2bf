#pragma once

#include "domain/types.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// The events of the live notification stream. The durable event log stores
// an event's typed fields (spec "Live notifications", the table of events)
// in the same transaction as the change it describes; `event_data` builds
// the JSON payload from them, once per event, when its frame is encoded.

namespace dots::domain {

enum class event_type : std::uint8_t {
  new_board,
  new_path,
  board_updated,
  board_deleted,
  path_updated,
};

/// Every event type, in the enum's order (the order of the spec's table).
std::span<const event_type> all_event_types();

/// The wire names of every event type, comma-separated ("newBoard,
/// newPath, ..."), for messages that list them.
std::string all_event_names();

/// The wire name of an event type ("newBoard", ...).
std::string_view event_name(event_type t);

/// The event type of a wire name; nullopt for unknown names.
std::optional<event_type> event_type_from_name(std::string_view name);

/// An event of the durable log: what happened, as typed fields.
struct event {
  std::int64_t id = 0; ///< increases across the whole system, in commit order
  event_type type = event_type::new_board;
  std::int64_t board_id = 0; ///< the board the event is about (for filters)
  std::string board_name;    ///< the board's name when the event happened
  /// The board's creator (board events) or the path's owner (path events).
  std::string username;
  std::int64_t path_id = 0; ///< path events only; 0 for board events
  bool complete = false;    ///< pathUpdated only: the path joins every pair
  friend bool operator==(const event&, const event&) = default;
};

/// Whether `type` is one of the path events (newPath, pathUpdated).
bool is_path_event(event_type type);

/// The event a board change writes. `type` is newBoard, boardUpdated or
/// boardDeleted; `b` is the board as the event should describe it.
event board_event(event_type type, const board& b);
/// The event a path save writes: newPath or pathUpdated.
event path_event(event_type type, const board& b, const path& p);

/// The JSON payload of an event, compact and on one line, with exactly the
/// keys of the spec's event table: board events carry board_id, board_name
/// and creator_username; newPath adds path_id and user_username in place of
/// the creator; pathUpdated adds "complete".
std::string event_data(const event& ev);

} // namespace dots::domain
