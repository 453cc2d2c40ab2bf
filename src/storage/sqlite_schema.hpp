#pragma once

#include "storage/sqlite_db.hpp"

#include <span>
#include <string_view>

// The versioned schema of the SQLite backend. `PRAGMA user_version` holds the
// version of a file; opening it applies every newer step in order, each in
// its own transaction, and refuses a file newer than this build.

namespace dots::storage::sqlite {

/// One step of the schema's history: applying `script` to a file of version
/// `version - 1` yields version `version`. Steps are never edited once
/// released; a change is a new step.
struct migration {
  int version;
  std::string_view name;
  std::string_view script;
};

/// Every step, in order, versions 1, 2, ...
std::span<const migration> migrations();

/// The `PRAGMA user_version` of an open database.
result<int> schema_version(connection& db);

/// Applies the missing steps. Safe against a concurrent opener of the same
/// file: each step re-reads the version under the write lock. Error code
/// "schema_too_new" when the file is newer than this build.
result<void> migrate(connection& db);

} // namespace dots::storage::sqlite
