#include "storage/pg_conn.hpp"

#include "storage/outage.hpp"
#include "util/log.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace dots::storage::pg {

namespace {

/// libpq's messages end with a newline (and may hold several lines); one
/// line reads better inside our own messages and logs.
std::string tidy(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  for (auto& c : text)
    if (c == '\n')
      c = ' ';
  return text.empty() ? std::string("no message from libpq") : text;
}

/// SQLSTATEs after which the session is gone or going: connection
/// exceptions (class 08) and the server shutting it down (57P01 admin,
/// 57P02 crash, 57P03 cannot connect now).
bool session_lost(std::string_view state) {
  return state.starts_with("08") || state == "57P01" || state == "57P02" ||
         state == "57P03";
}

// statement_timeout cancels a statement with this state; the session stays
// usable, but the database is too slow or blocked to answer in time.
constexpr std::string_view query_canceled = "57014";

/// SQLSTATEs of a server that is up but cannot take the work now: class 53
/// "insufficient resources" (53100 disk full, 53200 out of memory, 53300
/// too many connections, 53400 configuration limit), 25006 a read-only
/// transaction (a standby, or default_transaction_read_only) and 58030 an
/// I/O error. The transaction has failed as a whole and is rolled back;
/// another try may succeed once the operator has made room.
bool out_of_service(std::string_view state) {
  return state.starts_with("53") || state == "25006" || state == "58030";
}

/// SQLSTATE 53100: no space left on the device holding the data.
constexpr std::string_view disk_full = "53100";

// The server's notices (warnings at shutdown, the FATAL that ends a
// terminated session) would otherwise go to stderr as raw lines.
void log_notice(void*, const char* message) {
  log::debug("postgresql says: ", tidy(message));
}

} // namespace

domain::error unavailable(std::string detail) {
  // The detail (which step, libpq's words, host and port) is for the
  // operator's log; a client learns only that it should try again.
  return database_unavailable("the database is unavailable; try again shortly",
                              1, detail);
}

domain::error failure(std::string_view what, std::string_view message) {
  std::string text(what);
  text += ": ";
  text += message;
  return domain::internal_error(std::move(text));
}

// -- params -------------------------------------------------------------------

params& params::add(std::string_view value) {
  values_.emplace_back(std::string(value));
  return *this;
}

params& params::add(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

params& params::add(int value) {
  return add(static_cast<std::int64_t>(value));
}

params& params::add(bool value) {
  values_.emplace_back(value ? "true" : "false");
  return *this;
}

params& params::add_null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_)
    out.push_back(v ? v->c_str() : nullptr);
  return out;
}

// -- rows ---------------------------------------------------------------------

int rows::count() const noexcept {
  return res_ ? PQntuples(res_.get()) : 0;
}

std::int64_t rows::affected() const noexcept {
  if (!res_)
    return 0;
  const char* n = PQcmdTuples(res_.get());
  std::int64_t value = 0;
  std::from_chars(n, n + std::strlen(n), value);
  return value;
}

std::string_view rows::command_status() const noexcept {
  return res_ ? PQcmdStatus(res_.get()) : "";
}

bool rows::is_null(int row, int column) const noexcept {
  return PQgetisnull(res_.get(), row, column) != 0;
}

std::string rows::text(int row, int column) const {
  return std::string(
      PQgetvalue(res_.get(), row, column),
      static_cast<std::size_t>(PQgetlength(res_.get(), row, column)));
}

std::int64_t rows::int64(int row, int column) const {
  if (is_null(row, column))
    return 0;
  const char* v = PQgetvalue(res_.get(), row, column);
  const char* end = v + PQgetlength(res_.get(), row, column);
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(v, end, value);
  if (ec != std::errc{} || ptr != end)
    throw std::runtime_error("column " + std::to_string(column) +
                             " is not an integer: " + std::string(v, end));
  return value;
}

int rows::int32(int row, int column) const {
  const auto v = int64(row, column);
  if (v < INT32_MIN || v > INT32_MAX)
    throw std::runtime_error("column " + std::to_string(column) +
                             " is out of range");
  return static_cast<int>(v);
}

bool rows::boolean(int row, int column) const noexcept {
  return !is_null(row, column) && PQgetvalue(res_.get(), row, column)[0] == 't';
}

// -- connection ---------------------------------------------------------------

result<connection> connection::open(const std::string& uri,
                                    const connection_limits& limits) {
  const std::string timeout = std::to_string(limits.connect_timeout.count());
  // Every statement of this session is cancelled past the limit, and the
  // store turns the cancellation into 503: a blocked database must not hold
  // a persistence actor (and its callers) for ever.
  const std::string options = "-c statement_timeout=" +
                              std::to_string(limits.statement_timeout.count());
  // The URI comes first and is expanded (expand_dbname = 1); the keywords
  // after it override what it says about the same settings.
  const std::array<const char*, 6> keywords{
      "dbname",           "connect_timeout", "options",
      "application_name", "client_encoding", nullptr};
  const std::array<const char*, 6> values{uri.c_str(),     timeout.c_str(),
                                          options.c_str(), "dots-server",
                                          "UTF8",          nullptr};
  connection db(PQconnectdbParams(keywords.data(), values.data(), 1));
  if (!db.conn_)
    return unavailable("database unavailable: out of memory");
  if (PQstatus(db.conn_.get()) != CONNECTION_OK)
    // libpq's message names the host and port, never the password.
    return unavailable("database unavailable: " +
                       tidy(PQerrorMessage(db.conn_.get())));
  PQsetNoticeProcessor(db.conn_.get(), log_notice, nullptr);
  return db;
}

result<void> connection::ready() {
  // A server that restarted while this connection sat idle has closed its
  // socket: non-blocking reads find out, so that the statement runs on a
  // fresh connection instead of failing the request. Two, because a
  // session the server ended first sends its FATAL notice, then closes.
  for (int i = 0; i < 2 && !broken_ && !in_tx_; ++i)
    if (PQconsumeInput(conn_.get()) == 0)
      broken_ = true;
  if (!broken_ && PQstatus(conn_.get()) == CONNECTION_OK)
    return domain::success();
  if (in_tx_)
    // A reset would continue on a new session outside the transaction,
    // without the work already done in it: fail, the caller rolls back.
    return unavailable("database unavailable: connection lost in a "
                       "transaction");
  // One cheap reconnect with the same parameters per call: the database
  // may be back (a restart, a killed backend), or the call fails fast.
  PQreset(conn_.get());
  broken_ = PQstatus(conn_.get()) != CONNECTION_OK;
  if (broken_)
    return unavailable("database unavailable: " +
                       tidy(PQerrorMessage(conn_.get())));
  return domain::success();
}

domain::error connection::failure(std::string_view what, const PGresult* res) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  sqlstate_ = state ? state : "";
  const char* primary =
      res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message =
      primary ? tidy(primary) : tidy(PQerrorMessage(conn_.get()));
  const bool lost =
      PQstatus(conn_.get()) != CONNECTION_OK || session_lost(sqlstate_);
  if (lost)
    broken_ = true;
  if (lost || sqlstate_ == query_canceled)
    return unavailable("database unavailable: " + std::string(what) + ": " +
                       message);
  if (out_of_service(sqlstate_))
    return database_unavailable(
        sqlstate_ == disk_full
            ? "the database is full; try again later"
            : "the database cannot take changes now; try again later",
        5,
        "database unavailable: " + std::string(what) + ": " + message +
            " (SQLSTATE " + sqlstate_ + ")");
  return pg::failure(what, message);
}

result<rows> connection::exec(std::string_view what, sql text,
                              const params& args) {
  sqlstate_.clear();
  BOOST_OUTCOME_TRY(ready());
  const auto values = args.pointers();
  // Text format both ways; the server infers each parameter's type from
  // the statement (explicit casts where it cannot).
  rows out(PQexecParams(conn_.get(), text.c_str(), args.size(), nullptr,
                        values.empty() ? nullptr : values.data(), nullptr,
                        nullptr, 0));
  const PGresult* res = out.res_.get();
  const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return out;
  return failure(what, res);
}

result<void> connection::exec_script(std::string_view what, sql script) {
  sqlstate_.clear();
  BOOST_OUTCOME_TRY(ready());
  rows out(PQexec(conn_.get(), script.c_str()));
  const PGresult* res = out.res_.get();
  const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return domain::success();
  return failure(what, res);
}

void connection::exec_quietly(const char* text) noexcept {
  if (broken_ || PQstatus(conn_.get()) != CONNECTION_OK)
    return; // the server ends the transaction with the session
  PQclear(PQexec(conn_.get(), text));
}

// -- transaction --------------------------------------------------------------

result<transaction> transaction::begin(connection& db, mode m) {
  const auto r =
      m == mode::snapshot
          ? db.exec("begin", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
          : db.exec("begin", "BEGIN");
  if (!r)
    return r.error();
  db.in_tx_ = true;
  return transaction(db);
}

transaction::transaction(transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)) {}

transaction::~transaction() {
  if (!db_)
    return;
  db_->exec_quietly("ROLLBACK");
  db_->in_tx_ = false;
}

result<void> transaction::commit() {
  connection* db = std::exchange(db_, nullptr);
  auto committed = db->exec("commit", "COMMIT");
  db->in_tx_ = false;
  BOOST_OUTCOME_TRY(auto r, std::move(committed));
  // COMMIT of a transaction that had failed answers ROLLBACK, not an error.
  if (r.command_status() != "COMMIT")
    return failure("commit", "the transaction was rolled back");
  return domain::success();
}

} // namespace dots::storage::pg
