#pragma once

#include "storage/store.hpp"

#include <filesystem>
#include <memory>

namespace dots::storage {

/// The schema version this build writes; older files are migrated on open.
int sqlite_schema_version();

/// Opens (creating if needed, with its folder) the SQLite database at `file`,
/// in WAL mode with foreign keys on, and migrates it to the current schema.
/// Several connections to one file may exist (one per persistence actor);
/// writers wait for each other through SQLite's busy timeout.
result<std::unique_ptr<store>>
open_sqlite_store(const std::filesystem::path& file);

} // namespace dots::storage
