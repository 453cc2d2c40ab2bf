#pragma once

#include "domain/events.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace dots::domain {

/// One encoded SSE frame and what stream filters need to know about it.
/// Made once per event and shared, immutable, by every stream.
struct frame {
  std::int64_t id = 0;            ///< event id; 0 for keep-alives
  std::optional<event_type> type; ///< nullopt for comments
  std::int64_t board_id = 0;      ///< the event's board, 0 for comments
  std::string bytes;              ///< the wire bytes
};

using frame_ptr = std::shared_ptr<const frame>;

/// Whether `f` is a comment (a keep-alive): a block of lines that start
/// with ':', which EventSource ignores (WHATWG HTML, "Interpreting an event
/// stream"). `reset` has no id and no event type either, but is no comment.
inline bool is_comment(const frame& f) noexcept {
  return !f.type && !f.bytes.empty() && f.bytes.front() == ':';
}

} // namespace dots::domain
