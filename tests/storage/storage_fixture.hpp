#pragma once

#include "domain/types.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <sqlite3.h>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

// Shared by the storage tests: a fresh temporary folder per test and a raw
// SQLite connection for looking under (or tampering with) the store.

namespace dots::storage::test {

namespace fs = std::filesystem;

using ::dots::test::temp_dir;

/// A plain connection that bypasses the store, for test setup and checks.
/// Test-only: SQL here is built freely since no user input reaches it.
class raw_db {
public:
  explicit raw_db(const fs::path& file) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(
        file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(db);
    if (rc != SQLITE_OK)
      ADD_FAILURE() << "open " << file << ": " << sqlite3_errmsg(db);
    sqlite3_busy_timeout(db, 5000);
  }

  /// Runs a script; false (and a test failure unless `may_fail`) on error.
  bool exec(const std::string& script, bool may_fail = false) {
    char* message = nullptr;
    const int rc =
        sqlite3_exec(db_.get(), script.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK && !may_fail)
      ADD_FAILURE() << "exec failed: " << (message ? message : "?") << "\n"
                    << script;
    sqlite3_free(message);
    return rc == SQLITE_OK;
  }

  /// The first column of the first row, as an integer (nullopt when no row
  /// or NULL).
  std::optional<std::int64_t> int_value(const std::string& query) {
    std::optional<std::int64_t> out;
    with_first_row(query, [&](sqlite3_stmt* st) {
      if (sqlite3_column_type(st, 0) != SQLITE_NULL)
        out = sqlite3_column_int64(st, 0);
    });
    return out;
  }

  std::optional<std::string> text_value(const std::string& query) {
    std::optional<std::string> out;
    with_first_row(query, [&](sqlite3_stmt* st) {
      if (const auto* t = sqlite3_column_text(st, 0))
        out = reinterpret_cast<const char*>(t);
    });
    return out;
  }

  std::int64_t count(const std::string& table) {
    return int_value("SELECT count(*) FROM " + table).value_or(-1);
  }

private:
  template <class F>
  void with_first_row(const std::string& query, F&& f) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), query.c_str(), -1, &raw, nullptr) !=
        SQLITE_OK) {
      ADD_FAILURE() << "prepare failed: " << sqlite3_errmsg(db_.get()) << "\n"
                    << query;
      return;
    }
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> st(
        raw, &sqlite3_finalize);
    if (sqlite3_step(st.get()) == SQLITE_ROW)
      f(st.get());
  }

  struct closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
  };
  std::unique_ptr<sqlite3, closer> db_;
};

/// Timestamps as the actors pass them (RFC 3339 UTC, one fixed format).
/// Opens a store on `n` threads released together, as instances that start
/// at the same moment would; returns each opener's error message, "" for
/// those that succeeded. `open` returns a result of a store.
template <class Open>
std::vector<std::string> open_together(int n, Open open) {
  std::atomic<int> ready{0};
  std::vector<std::string> failures(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < n)
        std::this_thread::yield();
      if (auto s = open(); !s)
        failures[static_cast<std::size_t>(i)] = s.error().message;
    });
  for (auto& t : threads)
    t.join();
  return failures;
}

inline constexpr const char* t0 = "2026-11-26T12:00:00Z";
inline constexpr const char* t1 = "2026-11-26T12:05:00Z";
inline constexpr const char* t2 = "2026-11-26T13:00:00Z";

/// An unfinished red segment on sample_draft()'s board.
inline std::vector<domain::segment> red_start() {
  return {{"#ff0000", {{0, 0}, {0, 1}, {1, 1}}}};
}

/// A valid 5x5 board with two colours.
inline domain::board_draft sample_draft(std::string name = "Plansza testowa") {
  return domain::board_draft{
      std::move(name),
      5,
      5,
      {
          {0, 0, "#ff0000"},
          {4, 4, "#ff0000"},
          {0, 4, "#00ff00"},
          {4, 0, "#00ff00"},
      },
  };
}

/// The schema of version 1, exactly as released: what an old file holds.
/// Kept here, not taken from the code, so that the migration test keeps
/// testing the old format even if someone edits the code's copy.
inline constexpr const char* v1_schema = R"sql(
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  username      TEXT NOT NULL,
  username_key  TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE TABLE tokens (
  token_hash TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_expiry ON tokens (expires_at);
CREATE TABLE boards (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT NOT NULL,
  rows       INTEGER NOT NULL,
  cols       INTEGER NOT NULL,
  dots       TEXT NOT NULL,
  creator_id INTEGER NOT NULL REFERENCES users (id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX boards_creator ON boards (creator_id, id);
CREATE TABLE paths (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  board_id   INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users (id),
  segments   TEXT NOT NULL,
  complete   INTEGER NOT NULL CHECK (complete IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (board_id, user_id)
);
CREATE INDEX paths_user ON paths (user_id);
PRAGMA user_version = 1;
)sql";

} // namespace dots::storage::test
