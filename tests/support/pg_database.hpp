#pragma once

#include <cstdint>
#include <optional>
#include <string>

// The test run's PostgreSQL: a real server that ctest starts once (fixture
// "postgres", scripts/pg.sh) for the tests registered with
// `dots_test(... POSTGRES)`. Each test takes a database of its own.

namespace dots::test {

/// The URL of the test run's PostgreSQL server (its `postgres` database),
/// from DOTS_TEST_PG_URL, else from the file DOTS_TEST_PG_URL_FILE names.
/// Throws std::runtime_error when neither gives one: a test that needs
/// PostgreSQL fails without it, it is never skipped.
std::string pg_server_url();

/// A fresh, empty database on that server, dropped (with its connections
/// terminated) when this goes out of scope.
class pg_database {
public:
  pg_database();
  ~pg_database();
  pg_database(const pg_database&) = delete;
  pg_database& operator=(const pg_database&) = delete;

  /// A libpq URI of this database, for `--db` and open_pg_store.
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

  /// Runs SQL on a connection of its own (test setup and checks; no user
  /// input reaches it). Adds a test failure and returns false on error.
  bool exec(const std::string& sql);
  /// The first column of the first row; nullopt when no row or NULL.
  std::optional<std::string> text_value(const std::string& sql);
  std::optional<std::int64_t> int_value(const std::string& sql);

private:
  std::string name_;
  std::string url_;
};

} // namespace dots::test
