#pragma once

#include "domain/frame.hpp"

#include <cstdint>

namespace dots::http {

/// Which events one stream wants: the `events=` and `board=` filters of
/// `GET /sse/notifications/` (api.md, "Live notifications"). A plain value,
/// checked against every frame a stream is handed.
struct stream_filter {
  /// Bit i set: events of type `domain::event_type(i)` pass. Every bit set
  /// (the default): no `events=` filter.
  std::uint32_t types = ~0u;
  /// The one board whose events pass; 0 (the default): every board.
  std::int64_t board_id = 0;

  /// Whether the stream takes `f`. Frames without an event type
  /// (keep-alive comments, `reset`) pass every filter: the contract sends
  /// keep-alives to every client, and a client that filtered out every event
  /// must still learn that its resume point is gone.
  bool passes(const domain::frame& f) const noexcept {
    if (!f.type)
      return true;
    return (types >> static_cast<unsigned>(*f.type) & 1u) &&
           (board_id == 0 || f.board_id == board_id);
  }
};

} // namespace dots::http
