#pragma once

#include "storage/database.hpp"
#include "storage/store.hpp"

#include <memory>
#include <string>

// The PostgreSQL backend: any number of server instances share one
// database, its accounts, tokens, boards, paths and one event log.

namespace dots::storage {

/// The LISTEN/NOTIFY channel every writing transaction notifies (with no
/// payload) and every instance's pg_listener listens on.
inline constexpr const char* pg_event_channel = "dots_events";

/// The schema version this build writes; older databases are migrated on
/// open under an advisory lock, so instances starting together migrate once.
int pg_schema_version();

/// Opens one libpq connection to `uri` (a postgres:// or postgresql:// URI)
/// with `limits`, and migrates the schema. Errors: `unavailable`
/// ("database_unavailable") when the server cannot be reached, `internal`
/// for a schema newer than this build.
result<std::unique_ptr<store>> open_pg_store(const std::string& uri,
                                             const connection_limits& limits);

} // namespace dots::storage
