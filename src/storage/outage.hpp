#pragma once

#include "domain/error.hpp"

#include <string>
#include <string_view>

// The one error both backends answer with when the database cannot do the
// work now but may later (unreachable, full, read-only, failing I/O): the
// client gets 503 with Retry-After and a message fit for anyone; the
// operator gets the detail in the log.

namespace dots::storage {

/// An `unavailable` error, code "database_unavailable", with `message` for
/// the client and `retry_after` seconds for the Retry-After header.
/// `detail` (the failing step and the database's own words) is logged as a
/// warning, at most once every 5 s for the whole process: during an outage
/// every request fails alike, and one line says why.
domain::error database_unavailable(std::string_view message,
                                   unsigned retry_after,
                                   const std::string& detail);

} // namespace dots::storage
