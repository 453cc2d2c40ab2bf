#pragma once

#include "storage/pg_conn.hpp"

#include <cstdint>
#include <span>
#include <string_view>

// The versioned schema of the PostgreSQL backend. The `schema_version`
// table holds one row per applied step; opening a database applies every
// newer step under an advisory lock, so that instances starting together
// migrate once, and refuses a database newer than this build.

namespace dots::storage::pg {

/// One step of the schema's history: applying `script` to a database of
/// version `version - 1` yields version `version`. Steps are never edited
/// once released; a change is a new step.
struct migration {
  int version;
  std::string_view name;
  sql script;
};

/// Every step, in order, versions 1, 2, ...
std::span<const migration> migrations();

/// The key of the advisory lock that serialises migrations, the same for
/// every instance ("dots" in ASCII: unlikely to clash with another
/// application's key in a shared database).
inline constexpr std::int64_t migration_lock_key = 0x646f7473;

/// The newest applied version; 0 for a database without our schema.
result<int> schema_version(connection& db);

/// Applies the missing steps in one transaction under the advisory lock
/// (so a failed step leaves the database as it was). Error code
/// "schema_too_new" (kind internal) when the database is newer than this
/// build; `unavailable` when the server cannot be reached.
result<void> migrate(connection& db);

} // namespace dots::storage::pg
