#include "support/pg_database.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace dots::test {

namespace {

struct finisher {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct clearer {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using conn_ptr = std::unique_ptr<PGconn, finisher>;
using result_ptr = std::unique_ptr<PGresult, clearer>;

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

conn_ptr connect(const std::string& url) {
  conn_ptr c(PQconnectdb(url.c_str()));
  if (!c || PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string("cannot connect to the test "
                                         "PostgreSQL: ") +
                             (c ? PQerrorMessage(c.get()) : "out of memory"));
  return c;
}

/// Runs `sql` (no parameters, possibly several statements); the error text,
/// empty on success.
std::string run(PGconn* c, const std::string& sql) {
  result_ptr r(PQexec(c, sql.c_str()));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return {};
  return PQerrorMessage(c);
}

/// `url` with its database (the URI's path) replaced by `name`.
std::string with_database(const std::string& url, const std::string& name) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos)
    throw std::runtime_error("not a postgresql:// URI: " + url);
  const auto authority = scheme + 3;
  const auto path = url.find_first_of("/?", authority);
  if (path == std::string::npos)
    return url + "/" + name;
  const auto query = url.find('?', path);
  const std::string rest =
      query == std::string::npos ? std::string{} : url.substr(query);
  return url.substr(0, path) + "/" + name + rest;
}

std::string random_hex() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex << rd() << rd();
  return out.str();
}

} // namespace

std::string pg_server_url() {
  if (const char* url = std::getenv("DOTS_TEST_PG_URL"); url && *url)
    return trimmed(url);
  if (const char* file = std::getenv("DOTS_TEST_PG_URL_FILE"); file && *file) {
    std::ifstream in(file);
    if (!in)
      throw std::runtime_error(std::string("cannot read DOTS_TEST_PG_URL_FILE "
                                           "(is the postgres fixture up?): ") +
                               file);
    std::stringstream text;
    text << in.rdbuf();
    auto url = trimmed(text.str());
    if (url.empty())
      throw std::runtime_error(std::string("empty DOTS_TEST_PG_URL_FILE: ") +
                               file);
    return url;
  }
  throw std::runtime_error("this test needs PostgreSQL: set DOTS_TEST_PG_URL "
                           "or DOTS_TEST_PG_URL_FILE (ctest does)");
}

pg_database::pg_database() {
  const auto server = pg_server_url();
  // Lower-case letters, digits and '_' only: a plain identifier needs no
  // quoting in the statements below.
  name_ = "dots_test_" + std::to_string(::getpid()) + "_" + random_hex();
  auto c = connect(server);
  // template0 with an explicit encoding and the C locale: the database does
  // not depend on how the cluster was initialised.
  if (auto e = run(c.get(), "CREATE DATABASE " + name_ +
                                " TEMPLATE template0 ENCODING 'UTF8' "
                                "LOCALE 'C'");
      !e.empty())
    throw std::runtime_error("CREATE DATABASE " + name_ + ": " + e);
  url_ = with_database(server, name_);
}

pg_database::~pg_database() {
  try {
    auto c = connect(pg_server_url());
    // Stores a test leaked, or a held transaction, must not keep the
    // database alive; FORCE would do it too, but only for connections it
    // can see, so end them explicitly first.
    run(c.get(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE datname = '" +
                     name_ + "' AND pid <> pg_backend_pid()");
    if (auto e =
            run(c.get(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        !e.empty())
      ADD_FAILURE() << "DROP DATABASE " << name_ << ": " << e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "dropping " << name_ << ": " << e.what();
  }
}

bool pg_database::exec(const std::string& sql) {
  auto c = connect(url_);
  if (auto e = run(c.get(), sql); !e.empty()) {
    ADD_FAILURE() << "exec failed: " << e << "\n" << sql;
    return false;
  }
  return true;
}

std::optional<std::string> pg_database::text_value(const std::string& sql) {
  auto c = connect(url_);
  result_ptr r(PQexec(c.get(), sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    ADD_FAILURE() << "query failed: " << PQerrorMessage(c.get()) << "\n" << sql;
    return std::nullopt;
  }
  if (PQntuples(r.get()) == 0 || PQgetisnull(r.get(), 0, 0))
    return std::nullopt;
  return std::string(PQgetvalue(r.get(), 0, 0));
}

std::optional<std::int64_t> pg_database::int_value(const std::string& sql) {
  auto text = text_value(sql);
  if (!text)
    return std::nullopt;
  try {
    return std::stoll(*text);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not an integer: " << *text << "\n" << sql;
    return std::nullopt;
  }
}

} // namespace dots::test
