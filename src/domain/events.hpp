#pragma once

#include "domain/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The events of the live notification stream. An event's payload is built
// once, stored in the durable event log with the change it describes, and
// sent to clients exactly as stored.

namespace dots::domain {

enum class event_type : std::uint8_t {
  new_board,
  new_path,
  board_updated,
  board_deleted,
  path_updated,
};

/// The wire name of an event type ("newBoard", ...).
std::string_view event_name(event_type t);

/// The event type of a wire name; nullopt for unknown names.
std::optional<event_type> event_type_from_name(std::string_view name);

/// An event of the durable log.
struct event {
  std::int64_t id = 0; ///< increases across the whole system
  event_type type = event_type::new_board;
  std::int64_t board_id = 0; ///< the board the event is about (for filters)
  std::string data;          ///< the JSON payload, compact, one line
  friend bool operator==(const event&, const event&) = default;
};

/// Payloads of the contract. `type` picks newBoard/boardUpdated/boardDeleted.
event board_event(event_type type, const board& b);
/// newPath or pathUpdated (the latter carries "complete").
event path_event(event_type type, const board& b, const path& p);

} // namespace dots::domain
