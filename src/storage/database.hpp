#pragma once

#include "storage/store.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

// Which database the server uses, as told by `--db`, and how to open one
// connection to it. Every persistence actor and the event-log actor opens
// its own connection through `open_store`.

namespace dots::storage {

/// The storage backends.
enum class backend : std::uint8_t {
  sqlite,   ///< one file, one server process (the embedded default)
  postgres, ///< one database, any number of server instances
};

/// A parsed `--db` value.
struct database_location {
  backend kind = backend::sqlite;
  /// The SQLite file, or the libpq connection URI as given.
  std::string target;
};

/// Parses `--db`: `postgres://…` or `postgresql://…` is a libpq connection
/// URI (the password may also come from PGPASSWORD); `sqlite:FILE` or any
/// other text is a SQLite file path. Error `invalid_option` for an empty
/// file name, a URI of another scheme (`mysql://…`), `postgresql:` without
/// `//`, or a libpq `keyword=value` string: each would otherwise become a
/// SQLite file of that name. Messages never repeat the value (a password).
result<database_location> parse_database_location(std::string_view text);

/// The location as it may be logged: a URI's password is replaced by `***`
/// so that it never reaches a log.
std::string redacted(const database_location& where);

/// Limits of a PostgreSQL connection (SQLite ignores them).
struct connection_limits {
  /// How long libpq may take to connect (libpq's `connect_timeout`).
  std::chrono::seconds connect_timeout{5};
  /// How long one statement may run before the server cancels it
  /// (PostgreSQL's `statement_timeout`); the request then answers 503.
  std::chrono::milliseconds statement_timeout{5000};
};

/// Opens one connection to `where` and migrates its schema to this build's
/// version (safe when several processes start at once). Errors: `internal`
/// for a schema newer than this build, `unavailable` when the database
/// cannot be reached.
result<std::unique_ptr<store>> open_store(const database_location& where,
                                          const connection_limits& limits);

/// The schema version this build writes for `kind`.
int schema_version(backend kind);

} // namespace dots::storage
