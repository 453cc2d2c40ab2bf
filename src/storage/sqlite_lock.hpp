#pragma once

#include "domain/error.hpp"

#include <filesystem>

// One SQLite file, one server (api.md, "Operations": SQLite serves exactly
// one server process). Each process keeps its own copy of the event log's
// tail and wakes only its own streams, so a second server on the same file
// would split the event stream in two. The first server takes an exclusive
// lock on the file for as long as it runs; a second one is refused at start.
// Several instances are the PostgreSQL backend's job.

namespace dots::storage {

/// An exclusive flock(2) on a SQLite database file, held from `acquire` to
/// destruction; the kernel also lets it go when the process dies (kill -9
/// included), so a crash never leaves the file locked.
///
/// flock, not fcntl (POSIX) locks: SQLite takes fcntl locks on the same
/// file, and those belong to the whole process, so a second fcntl user
/// would drop SQLite's locks when it closes its descriptor. flock locks
/// belong to the open file description and do not interact with them on
/// Linux. The descriptor is closed only after every connection has closed
/// (declare the lock before the stores).
class sqlite_lock {
public:
  sqlite_lock() = default;
  ~sqlite_lock();
  sqlite_lock(sqlite_lock&& other) noexcept;
  sqlite_lock& operator=(sqlite_lock&& other) noexcept;
  sqlite_lock(const sqlite_lock&) = delete;
  sqlite_lock& operator=(const sqlite_lock&) = delete;

  /// Locks `file`, creating it (empty: SQLite makes it a database) when it
  /// does not exist yet. Works on a read-only file system too (an existing
  /// file is opened for reading). Errors, kind `internal` (the server exits
  /// 1): another process holds the lock (the message names the file and
  /// says what to do instead), or the file cannot be opened or locked at
  /// all (the message names the file and the system's reason).
  static domain::result<sqlite_lock> acquire(const std::filesystem::path& file);

  /// Whether a lock is held.
  bool held() const noexcept { return fd_ >= 0; }

private:
  explicit sqlite_lock(int fd) noexcept
      : fd_(fd) {}
  int fd_ = -1;
};

} // namespace dots::storage
