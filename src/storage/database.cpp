#include "storage/database.hpp"

#include "storage/pg_store.hpp"
#include "storage/sqlite_store.hpp"

namespace dots::storage {

namespace {

domain::error bad_location(std::string message) {
  return domain::invalid("invalid_option", std::move(message));
}

/// Whether `text` opens like a libpq keyword/value string
/// ("host=... dbname=..."), which would otherwise be taken for a file name
/// (and logged whole, password included).
bool looks_like_conninfo(std::string_view text) {
  constexpr std::string_view keywords[] = {
      "host",     "hostaddr", "port",    "dbname",          "user",
      "password", "service",  "sslmode", "connect_timeout", "options"};
  const auto eq = text.find('=');
  if (eq == std::string_view::npos)
    return false;
  const auto key = text.substr(0, eq);
  for (auto k : keywords)
    if (key == k)
      return true;
  return false;
}

} // namespace

result<database_location> parse_database_location(std::string_view text) {
  if (text.starts_with("postgres://") || text.starts_with("postgresql://"))
    return database_location{backend::postgres, std::string{text}};
  // An explicit prefix names a file whatever it looks like.
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (text.starts_with(sqlite_prefix)) {
    text.remove_prefix(sqlite_prefix.size());
    if (text.empty())
      return bad_location("expected a file name after sqlite:");
    return database_location{backend::sqlite, std::string{text}};
  }
  // Mistakes that would otherwise quietly become a SQLite file named after
  // them. The messages never repeat the text: it may hold a password.
  if (text.starts_with("postgres:") || text.starts_with("postgresql:"))
    return bad_location("a PostgreSQL URI starts with postgresql:// (two "
                        "slashes), e.g. postgresql://dots@127.0.0.1:5432/dots");
  if (const auto scheme = text.find("://"); scheme != std::string_view::npos)
    return bad_location("unsupported database URI scheme '" +
                        std::string{text.substr(0, scheme)} +
                        "': use a postgresql:// URI or a SQLite file");
  if (looks_like_conninfo(text))
    return bad_location("keyword=value connection strings are not accepted: "
                        "use a postgresql:// URI (the password may come from "
                        "PGPASSWORD)");
  if (text.empty())
    return bad_location("expected a file name, sqlite:FILE or a "
                        "postgresql:// URI");
  return database_location{backend::sqlite, std::string{text}};
}

std::string redacted(const database_location& where) {
  if (where.kind != backend::postgres)
    return where.target;
  // scheme://[user[:password]@]host...: the password sits between the first
  // ':' after the scheme and the last '@' of the authority.
  const auto& uri = where.target;
  const auto authority = uri.find("://") + 3;
  auto end = uri.find_first_of("/?", authority);
  if (end == std::string::npos)
    end = uri.size();
  const auto at = uri.rfind('@', end);
  if (at == std::string::npos || at < authority)
    return uri;
  const auto colon = uri.find(':', authority);
  if (colon == std::string::npos || colon > at)
    return uri;
  return uri.substr(0, colon + 1) + "***" + uri.substr(at);
}

result<std::unique_ptr<store>> open_store(const database_location& where,
                                          const connection_limits& limits) {
  if (where.kind == backend::postgres)
    return open_pg_store(where.target, limits);
  return open_sqlite_store(where.target);
}

int schema_version(backend kind) {
  return kind == backend::postgres ? pg_schema_version()
                                   : sqlite_schema_version();
}

} // namespace dots::storage
