#pragma once

#include <chrono>
#include <string>

namespace dots::domain {

/// RFC 3339 UTC with second precision: "2026-11-26T12:00:00Z".
std::string format_rfc3339(std::chrono::system_clock::time_point t);

} // namespace dots::domain
