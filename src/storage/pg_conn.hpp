#pragma once

#include "domain/error.hpp"
#include "storage/database.hpp"

#include <cstdint>
#include <libpq-fe.h>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Thin RAII layer over libpq, private to the PostgreSQL backend. SQL text is
// always a compile-time constant and user data travels only as parameters
// ($1, $2, ...) of PQexecParams, never inside the text. Failures are values:
// a lost connection, a server shutting down or a statement that hit
// statement_timeout become `unavailable` ("database_unavailable", retry
// after 1 s), and so does a server that is up but cannot take the work (a
// full disk, SQLSTATE class 53; a read-only transaction, 25006; an I/O
// error, 58030; retry after 5 s), so that callers answer 503; anything else
// is `internal`.

namespace dots::storage::pg {

using domain::result;

/// SQL text known at compile time: the consteval constructor rejects any
/// string built at run time, so no user input can reach the SQL text.
class sql {
public:
  consteval sql(const char* text)
      : text_(text) {}
  const char* c_str() const noexcept { return text_; }

private:
  const char* text_;
};

/// The parameters of one statement, kept as text (libpq's text format);
/// a disengaged optional is SQL NULL.
class params {
public:
  params& add(std::string_view value);
  params& add(std::int64_t value);
  params& add(int value);
  params& add(bool value);
  params& add_null();

  int size() const noexcept { return static_cast<int>(values_.size()); }
  /// Pointers into the stored values, as PQexecParams wants them; valid
  /// while this object is alive and unchanged.
  std::vector<const char*> pointers() const;

private:
  std::vector<std::optional<std::string>> values_;
};

/// The rows of a successful statement, in text format.
class rows {
public:
  rows() = default;
  explicit rows(PGresult* res) noexcept
      : res_(res) {}

  int count() const noexcept;
  /// Rows changed by INSERT/UPDATE/DELETE (PQcmdTuples).
  std::int64_t affected() const noexcept;
  /// The command tag, e.g. "COMMIT" or "ROLLBACK".
  std::string_view command_status() const noexcept;

  bool is_null(int row, int column) const noexcept;
  std::string text(int row, int column) const;
  /// An integer column; 0 for NULL. Throws std::runtime_error for text that
  /// is not an integer (caught by the store's guard: a schema fault).
  std::int64_t int64(int row, int column) const;
  int int32(int row, int column) const;
  /// A boolean column ("t"/"f" in text format); false for NULL.
  bool boolean(int row, int column) const noexcept;

private:
  friend class connection;

  struct clearer {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
  };
  std::unique_ptr<PGresult, clearer> res_;
};

/// One libpq connection. Not thread-safe: it has a single owner.
class connection {
public:
  /// Connects to `uri` (parsed by libpq: expand_dbname) with
  /// `limits.connect_timeout` (whole seconds; libpq waits at least 2) and
  /// `statement_timeout`, as application "dots-server". `unavailable` when
  /// the server cannot be reached; the message never holds the password.
  static result<connection> open(const std::string& uri,
                                 const connection_limits& limits);

  connection(connection&&) noexcept = default;
  connection& operator=(connection&&) noexcept = default;
  ~connection() = default;

  PGconn* handle() const noexcept { return conn_.get(); }

  /// Runs one parameterised statement; `what` names it in error messages.
  /// A failure's SQLSTATE (e.g. "23505") is kept for last_sqlstate();
  /// connection failures, statement timeouts and a server out of resources
  /// or read-only are `unavailable`.
  result<rows> exec(std::string_view what, sql text, const params& args = {});

  /// Runs a script of constant statements without parameters (schema
  /// steps), through the simple query protocol.
  result<void> exec_script(std::string_view what, sql script);

  /// The SQLSTATE of the last failed statement; empty when it had none
  /// (e.g. the connection dropped) or the last statement succeeded.
  const std::string& last_sqlstate() const noexcept { return sqlstate_; }

private:
  friend class transaction;

  struct finisher {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
  };

  explicit connection(PGconn* c) noexcept
      : conn_(c) {}

  /// Makes sure the connection is usable before a statement: a connection
  /// that broke is reset (reconnected) once, outside a transaction only,
  /// since a new session has lost the transaction's work.
  result<void> ready();

  /// Turns a failed (or missing) PGresult into an error value.
  domain::error failure(std::string_view what, const PGresult* res);

  /// Runs a statement that needs no parameters and may fail silently
  /// (ROLLBACK on the way out).
  void exec_quietly(const char* text) noexcept;

  std::unique_ptr<PGconn, finisher> conn_;
  std::string sqlstate_;
  /// Set when a statement failed in a way that leaves the session unusable
  /// (the server shut it down) even if libpq has not noticed yet.
  bool broken_ = false;
  /// Inside a transaction of ours: a reset must not silently continue it.
  bool in_tx_ = false;
};

/// A transaction that rolls back unless committed.
class transaction {
public:
  enum class mode {
    read_write, ///< READ COMMITTED: every writing transaction
    snapshot,   ///< REPEATABLE READ READ ONLY: consistent reads
  };

  static result<transaction> begin(connection& db, mode m);

  transaction(transaction&& other) noexcept;
  transaction& operator=(transaction&&) = delete;
  ~transaction();

  /// Commits; `internal` when the server rolled back instead, `unavailable`
  /// when the connection was lost (the outcome is then unknown).
  result<void> commit();

private:
  explicit transaction(connection& db) noexcept
      : db_(&db) {}

  connection* db_ = nullptr; ///< null once committed or rolled back
};

/// The `unavailable` error every caller answers with 503 and Retry-After.
/// `detail` (the step, libpq's message) goes to the log, at most once every
/// 5 s; the error's message is a generic one, fit for clients.
domain::error unavailable(std::string detail);

/// An `internal` error, the failing step's name before the server's message.
domain::error failure(std::string_view what, std::string_view message);

/// SQLSTATEs the store tells apart.
inline constexpr std::string_view unique_violation = "23505";
inline constexpr std::string_view foreign_key_violation = "23503";

} // namespace dots::storage::pg
