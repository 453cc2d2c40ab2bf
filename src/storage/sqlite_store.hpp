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
///
/// A file SQLite cannot write (a read-only mount) is opened for reading, with
/// a warning in the log: reads and streams work and every write is
/// `unavailable` (503). It must already have the current schema, and, when
/// its folder holds no WAL index (-shm) that SQLite could use, no WAL
/// either; otherwise opening fails with a message that says why.
/// Errors: `unavailable` when the file or its folder cannot be created or
/// written (see sqlite::failure), `internal` for anything else.
result<std::unique_ptr<store>>
open_sqlite_store(const std::filesystem::path& file);

} // namespace dots::storage
