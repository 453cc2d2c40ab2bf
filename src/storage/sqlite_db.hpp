#pragma once

#include "domain/error.hpp"

#include <cstdint>
#include <memory>
#include <sqlite3.h>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

// Thin RAII layer over the SQLite C API, private to the storage backend: a
// connection owns its handle and a cache of prepared statements, and every
// SQL text it accepts for a statement is a compile-time constant, so user
// data reaches SQLite only through bound parameters.

namespace dots::storage::sqlite {

using domain::result;

/// SQL text known at compile time. The consteval constructor rejects any
/// string built at run time, and the text lives in static storage, which is
/// what lets the statement cache key on it without copying.
class sql {
public:
  consteval sql(const char* text)
      : text_(text) {}
  std::string_view text() const noexcept { return text_; }

private:
  std::string_view text_;
};

/// A prepared statement with its bound parameters.
class statement {
public:
  statement() = default;

  /// Compiles one statement; `persistent` hints SQLite that it is reused.
  static result<statement> prepare(sqlite3* db, std::string_view text,
                                   bool persistent);

  // Bind failures are remembered and reported by the next step(), so that a
  // call site can bind a whole row without checking each parameter.
  statement& bind(int index, std::int64_t value) noexcept;
  statement& bind(int index, int value) noexcept;
  statement& bind(int index, std::string_view value) noexcept;
  statement& bind_null(int index) noexcept;

  /// SQLITE_ROW, SQLITE_DONE or an (extended) error code.
  int step() noexcept;

  /// Rewinds and clears the bindings so the statement can be used again and
  /// holds no read snapshot open in the meantime.
  void reset() noexcept;

  bool is_null(int column) const noexcept;
  std::int64_t column_int64(int column) const noexcept;
  int column_int(int column) const noexcept;
  std::string column_text(int column) const;

  /// The message of the last failure of this statement.
  std::string error_message() const;

  /// The error of a step that returned `rc`, classified as sqlite::failure
  /// does, with this statement's message.
  domain::error failure(std::string_view what, int rc) const;

private:
  struct finalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };

  std::unique_ptr<sqlite3_stmt, finalizer> stmt_;
  int bind_rc_ = SQLITE_OK;
};

/// A cached statement lent to one call site; resets it when the call is done.
class lease {
public:
  explicit lease(statement& s) noexcept
      : stmt_(&s) {}
  lease(lease&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)) {}
  lease& operator=(lease&&) = delete;
  ~lease() {
    if (stmt_)
      stmt_->reset();
  }

  statement* operator->() const noexcept { return stmt_; }
  statement& operator*() const noexcept { return *stmt_; }

private:
  statement* stmt_;
};

/// One open database connection and its statement cache. Not thread-safe:
/// it is opened with SQLITE_OPEN_NOMUTEX and has a single owner.
class connection {
public:
  /// Opens `file` with the given sqlite3_open_v2 flags, turns on extended
  /// result codes and sets the busy timeout.
  static result<connection> open(const std::string& file, int flags,
                                 int busy_timeout_ms);

  connection(connection&&) noexcept = default;
  connection& operator=(connection&&) noexcept = default;
  ~connection();

  sqlite3* handle() const noexcept { return db_.get(); }

  /// Runs a script of constant statements (schema steps, pragmas) that
  /// take no parameters.
  result<void> exec(std::string_view script);

  /// The cached statement for `text`, compiled on first use. The returned
  /// lease must end before the same text is leased again.
  result<lease> prepared(sql text);

  std::int64_t last_insert_rowid() const noexcept;
  std::int64_t changes() const noexcept;

private:
  explicit connection(sqlite3* db) noexcept
      : db_(db) {}

  struct closer {
    void operator()(sqlite3* db) const noexcept;
  };

  // Declared before the cache so that it is destroyed after it: every
  // statement must be finalized before its connection can close.
  std::unique_ptr<sqlite3, closer> db_;
  std::unordered_map<std::string_view, statement> cache_;
};

/// A transaction that rolls back unless committed.
class transaction {
public:
  enum class mode {
    deferred,  ///< a consistent read snapshot
    immediate, ///< takes the write lock at once (every writing transaction)
  };

  static result<transaction> begin(connection& db, mode m);

  transaction(transaction&& other) noexcept;
  transaction& operator=(transaction&&) = delete;
  ~transaction();

  result<void> commit();

private:
  explicit transaction(connection& db) noexcept
      : db_(&db) {}

  connection* db_ = nullptr; ///< null once committed or rolled back
};

/// An internal error carrying SQLite's message, prefixed with what failed.
domain::error failure(std::string_view what, std::string_view message);

/// The error of a failed SQLite call whose (extended) result code is `rc`.
/// `unavailable` (code "database_unavailable", 503 with Retry-After) when
/// the database cannot do the work now but may once the operator or another
/// connection lets it: SQLITE_FULL (the disk is full), SQLITE_READONLY (a
/// read-only file or file system), SQLITE_IOERR (the file system failed a
/// read or write, e.g. ENOSPC while growing the WAL index), SQLITE_CANTOPEN
/// (a journal or the WAL cannot be created) and SQLITE_BUSY (still locked
/// after the busy timeout). The detail goes to the log (at most one line
/// every 5 s), never to the client. Anything else (a constraint, a bug of
/// ours, a corrupt file) is `internal`, with SQLite's message.
domain::error failure(std::string_view what, int rc, std::string_view message);

/// Whether `rc` is one of the codes failure(what, rc, ...) turns into
/// `unavailable`.
bool out_of_service(int rc) noexcept;

} // namespace dots::storage::sqlite
