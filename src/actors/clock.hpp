#pragma once

#include "domain/time.hpp"

#include <chrono>
#include <string>

namespace dots::actors {

/// The time persistence actors stamp on rows, as stored.
inline std::string now_text() {
  return domain::format_rfc3339(std::chrono::system_clock::now());
}

} // namespace dots::actors
