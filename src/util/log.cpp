#include "util/log.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>
#include <unistd.h>

namespace dots::log {

namespace {

std::atomic<int> max_level{static_cast<int>(level::info)};

const char* level_name(level l) {
  switch (l) {
  case level::error:
    return "error";
  case level::warn:
    return "warn";
  case level::info:
    return "info";
  case level::debug:
    return "debug";
  }
  return "?";
}

} // namespace

void set_level(level l) {
  max_level.store(static_cast<int>(l), std::memory_order_relaxed);
}

level current_level() {
  return static_cast<level>(max_level.load(std::memory_order_relaxed));
}

std::optional<level> parse_level(std::string_view text) {
  for (auto l : {level::error, level::warn, level::info, level::debug})
    if (text == level_name(l))
      return l;
  return std::nullopt;
}

void write(level l, std::string_view text) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  auto n = std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line;
  line.reserve(text.size() + 48);
  line.append(stamp, n);
  line += '.';
  line += static_cast<char>('0' + ms / 100);
  line += static_cast<char>('0' + ms / 10 % 10);
  line += static_cast<char>('0' + ms % 10);
  line += "Z ";
  line += level_name(l);
  line += ' ';
  line.append(text);
  line += '\n';
  // One write per line keeps concurrent lines whole.
  [[maybe_unused]] auto written =
      ::write(STDERR_FILENO, line.data(), line.size());
}

} // namespace dots::log
