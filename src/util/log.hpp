#pragma once

#include <optional>
#include <sstream>
#include <string_view>

// A small leveled logger: one line per call, written with a single write(2)
// so lines from several threads never interleave. Logging stays off the hot
// paths (per event, never per stream).

namespace dots::log {

enum class level : int { error = 0, warn = 1, info = 2, debug = 3 };

/// Sets the most verbose level that is printed (default: info).
void set_level(level l);
level current_level();

/// Parses "error", "warn", "info" or "debug".
std::optional<level> parse_level(std::string_view text);

/// Writes one line to standard error with a timestamp and the level.
void write(level l, std::string_view text);

template <class... Ts>
void print(level l, const Ts&... xs) {
  if (static_cast<int>(l) > static_cast<int>(current_level()))
    return;
  std::ostringstream out;
  (out << ... << xs);
  write(l, out.str());
}

template <class... Ts>
void error(const Ts&... xs) {
  print(level::error, xs...);
}
template <class... Ts>
void warn(const Ts&... xs) {
  print(level::warn, xs...);
}
template <class... Ts>
void info(const Ts&... xs) {
  print(level::info, xs...);
}
template <class... Ts>
void debug(const Ts&... xs) {
  print(level::debug, xs...);
}

} // namespace dots::log
