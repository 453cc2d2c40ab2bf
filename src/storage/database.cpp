#include "storage/database.hpp"

#include "storage/pg_store.hpp"
#include "storage/sqlite_store.hpp"

namespace dots::storage {

result<database_location> parse_database_location(std::string_view text) {
  if (text.starts_with("postgres://") || text.starts_with("postgresql://"))
    return database_location{backend::postgres, std::string{text}};
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (text.starts_with(sqlite_prefix))
    text.remove_prefix(sqlite_prefix.size());
  if (text.empty())
    return domain::invalid("invalid_option",
                           "expected a file name, sqlite:FILE or a "
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
