#pragma once

#include "domain/frame.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace dots::http {

/// Which events one stream wants: the `events=` and `board=` filters of
/// `GET /sse/notifications/` (api.md, "Live notifications"). A plain value,
/// checked against every frame a stream is handed: passes() is on the
/// fan-out path, so it is a bit test and, only for a stream that names
/// boards, a scan of at most max_boards ids held inline (no pointer to
/// follow, nothing allocated: the filter is copied into every stream).
class stream_filter {
public:
  /// How many boards one stream may name (`board=` values merged): enough
  /// for a page of boards, and a bound on what a stream keeps and searches.
  /// More is a 400 (parse_stream_request).
  static constexpr std::size_t max_boards = 8;

  /// Passes every event.
  stream_filter() = default;
  /// Passes the events whose type bit is set in `wanted` (see types) and,
  /// when `board` is not 0, only those about that board. Not explicit:
  /// `{types, board}` reads as the pair it is.
  stream_filter(std::uint32_t wanted, std::int64_t board)
      : types(wanted) {
    if (board != 0)
      add_board(board);
  }

  /// Bit i set: events of type `domain::event_type(i)` pass. Every bit set
  /// (the default): no `events=` filter.
  std::uint32_t types = ~0u;

  /// Lets the events about board `id` (> 0) pass as well; a filter that
  /// names no board passes every board. Naming a board twice is naming it
  /// once. False, and nothing changed, when max_boards other boards are
  /// already named.
  bool add_board(std::int64_t id) noexcept {
    const auto named = boards();
    if (std::find(named.begin(), named.end(), id) != named.end())
      return true;
    if (board_count_ == max_boards)
      return false;
    boards_[board_count_++] = id;
    return true;
  }

  /// The boards named, in the order first named; empty: every board.
  std::span<const std::int64_t> boards() const noexcept {
    return {boards_.data(), board_count_};
  }

  /// Whether the stream takes `f`. Frames without an event type
  /// (keep-alive comments, `reset`) pass every filter: the contract sends
  /// keep-alives to every client, and a client that filtered out every event
  /// must still learn that its resume point is gone.
  bool passes(const domain::frame& f) const noexcept {
    if (!f.type)
      return true;
    if ((types >> static_cast<unsigned>(*f.type) & 1u) == 0)
      return false;
    if (board_count_ == 0)
      return true;
    // No early exit: a fixed, short loop the compiler unrolls.
    bool named = false;
    for (std::size_t i = 0; i < board_count_; ++i)
      named |= boards_[i] == f.board_id;
    return named;
  }

private:
  /// The first board_count_ are the boards named, no repeats.
  std::array<std::int64_t, max_boards> boards_{};
  std::uint8_t board_count_ = 0;
};

} // namespace dots::http
