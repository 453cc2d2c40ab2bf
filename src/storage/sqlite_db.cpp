#include "storage/sqlite_db.hpp"

#include "storage/outage.hpp"

#include <cassert>
#include <utility>

namespace dots::storage::sqlite {

domain::error failure(std::string_view what, std::string_view message) {
  std::string text(what);
  text += ": ";
  text += message;
  return domain::internal_error(std::move(text));
}

bool out_of_service(int rc) noexcept {
  switch (rc & 0xff) { // the primary code of an extended one
  case SQLITE_FULL:
  case SQLITE_READONLY:
  case SQLITE_IOERR:
  case SQLITE_CANTOPEN:
  case SQLITE_BUSY:
    return true;
  default:
    return false;
  }
}

domain::error failure(std::string_view what, int rc, std::string_view message) {
  if (!out_of_service(rc))
    return failure(what, message);
  std::string detail = "database unavailable: ";
  detail += what;
  detail += ": ";
  detail += message;
  detail += " (";
  detail += sqlite3_errstr(rc);
  detail += ", code " + std::to_string(rc) + ")";
  switch (rc & 0xff) {
  case SQLITE_FULL:
    return database_unavailable("the database is full; try again later", 5,
                                detail);
  case SQLITE_READONLY:
    return database_unavailable(
        "the database is read-only; changes cannot be saved now", 5, detail);
  case SQLITE_BUSY:
    // Another connection held the write lock for the whole busy timeout.
    return database_unavailable("the database is busy; try again shortly", 1,
                                detail);
  default:
    return database_unavailable(
        "the database cannot be used now; try again later", 5, detail);
  }
}

// -- statement ----------------------------------------------------------------

result<statement> statement::prepare(sqlite3* db, std::string_view text,
                                     bool persistent) {
  sqlite3_stmt* raw = nullptr;
  const unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
  const int rc = sqlite3_prepare_v3(
      db, text.data(), static_cast<int>(text.size()), flags, &raw, nullptr);
  statement s;
  s.stmt_.reset(raw);
  if (rc != SQLITE_OK)
    return sqlite::failure("prepare", rc, sqlite3_errmsg(db));
  if (!raw) // only whitespace or a comment: nothing a caller could run
    return sqlite::failure("prepare", "empty statement");
  return s;
}

statement& statement::bind(int index, std::int64_t value) noexcept {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (bind_rc_ == SQLITE_OK)
    bind_rc_ = rc;
  return *this;
}

statement& statement::bind(int index, int value) noexcept {
  return bind(index, static_cast<std::int64_t>(value));
}

statement& statement::bind(int index, std::string_view value) noexcept {
  // SQLITE_TRANSIENT copies: callers often bind temporaries that are gone by
  // the time the statement steps.
  const int rc =
      sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(),
                          SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK)
    bind_rc_ = rc;
  return *this;
}

statement& statement::bind_null(int index) noexcept {
  const int rc = sqlite3_bind_null(stmt_.get(), index);
  if (bind_rc_ == SQLITE_OK)
    bind_rc_ = rc;
  return *this;
}

int statement::step() noexcept {
  if (bind_rc_ != SQLITE_OK)
    return bind_rc_;
  return sqlite3_step(stmt_.get());
}

void statement::reset() noexcept {
  if (!stmt_)
    return;
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_rc_ = SQLITE_OK;
}

bool statement::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t statement::column_int64(int column) const noexcept {
  return sqlite3_column_int64(stmt_.get(), column);
}

int statement::column_int(int column) const noexcept {
  return sqlite3_column_int(stmt_.get(), column);
}

std::string statement::column_text(int column) const {
  // Text first, then its size: the documented order that keeps the pointer
  // valid.
  const auto* text = sqlite3_column_text(stmt_.get(), column);
  const auto size = sqlite3_column_bytes(stmt_.get(), column);
  if (!text)
    return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(size));
}

std::string statement::error_message() const {
  if (bind_rc_ != SQLITE_OK)
    return std::string("bind: ") + sqlite3_errstr(bind_rc_);
  return sqlite3_errmsg(sqlite3_db_handle(stmt_.get()));
}

domain::error statement::failure(std::string_view what, int rc) const {
  return sqlite::failure(what, rc, error_message());
}

// -- connection ---------------------------------------------------------------

void connection::closer::operator()(sqlite3* db) const noexcept {
  [[maybe_unused]] const int rc = sqlite3_close(db);
  // SQLITE_BUSY here means a statement outlived the cache: a bug of ours.
  assert(rc == SQLITE_OK);
}

connection::~connection() {
  // Explicit for clarity; member order already finalizes the statements
  // before the handle closes.
  cache_.clear();
}

result<connection> connection::open(const std::string& file, int flags,
                                    int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  // SQLite allocates a handle even when opening fails; own it at once.
  connection db(raw);
  if (rc != SQLITE_OK) {
    // Internal whatever the code: a file that cannot be opened at start is
    // a setting to fix, and the message names it.
    std::string message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return failure("open " + file, message);
  }
  // Extended codes tell a UNIQUE violation from a FOREIGN KEY one.
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  return db;
}

result<void> connection::exec(std::string_view script) {
  const std::string text(script); // sqlite3_exec wants a terminated string
  char* message = nullptr;
  const int rc =
      sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK)
    return domain::success();
  std::string what = message ? message : sqlite3_errmsg(db_.get());
  sqlite3_free(message);
  const int code = sqlite3_extended_errcode(db_.get());
  what += " (code " + std::to_string(code) + ")";
  return failure("exec", code, what);
}

result<lease> connection::prepared(sql text) {
  auto it = cache_.find(text.text());
  if (it == cache_.end()) {
    BOOST_OUTCOME_TRY(auto st,
                      statement::prepare(db_.get(), text.text(), true));
    it = cache_.emplace(text.text(), std::move(st)).first;
  }
  return lease(it->second);
}

std::int64_t connection::last_insert_rowid() const noexcept {
  return sqlite3_last_insert_rowid(db_.get());
}

std::int64_t connection::changes() const noexcept {
  return sqlite3_changes64(db_.get());
}

// -- transaction --------------------------------------------------------------

result<transaction> transaction::begin(connection& db, mode m) {
  // A transaction whose ROLLBACK failed (the disk failing under it) would
  // otherwise make every later BEGIN fail with "cannot start a transaction
  // within a transaction": end it first, so one bad moment of the disk
  // does not leave the connection unusable for good.
  if (sqlite3_get_autocommit(db.handle()) == 0) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    if (sqlite3_get_autocommit(db.handle()) == 0)
      return failure("begin", sqlite3_extended_errcode(db.handle()),
                     "an earlier transaction cannot be rolled back");
  }
  BOOST_OUTCOME_TRY(auto st, m == mode::immediate
                                 ? db.prepared("BEGIN IMMEDIATE")
                                 : db.prepared("BEGIN"));
  if (const int rc = st->step(); rc != SQLITE_DONE)
    return st->failure("begin", rc);
  return transaction(db);
}

transaction::transaction(transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)) {}

transaction::~transaction() {
  if (!db_)
    return;
  // Uncached on purpose: this path must work even when preparing a new
  // statement is what failed. A ROLLBACK that fails leaves the transaction
  // to SQLite (it rolls back itself when it cannot continue one) or, at
  // worst, to the next begin(), which ends it before starting anew.
  sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

result<void> transaction::commit() {
  // On failure db_ stays set: the destructor rolls back what SQLite has not
  // already rolled back itself (it does after SQLITE_FULL or an I/O error,
  // while SQLITE_BUSY leaves the transaction open).
  BOOST_OUTCOME_TRY(auto st, db_->prepared("COMMIT"));
  if (const int rc = st->step(); rc != SQLITE_DONE)
    return st->failure("commit", rc);
  db_ = nullptr;
  return domain::success();
}

} // namespace dots::storage::sqlite
