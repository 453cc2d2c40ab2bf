#include "storage/database.hpp"

#include <gtest/gtest.h>

namespace dots::storage {
namespace {

TEST(DatabaseLocation, PostgresUrisChoosePostgres) {
  for (std::string uri : {"postgresql://dots@127.0.0.1:5432/dots",
                          "postgres://db.example/dots?sslmode=require"}) {
    auto where = parse_database_location(uri);
    ASSERT_TRUE(where) << uri << ": " << where.error().message;
    EXPECT_EQ(where.value().kind, backend::postgres);
    EXPECT_EQ(where.value().target, uri);
  }
}

TEST(DatabaseLocation, FilesAndSqlitePrefixChooseSqlite) {
  for (auto [text, file] : std::vector<std::pair<std::string, std::string>>{
           {"./data/dots.db", "./data/dots.db"},
           {"sqlite:/var/lib/dots/dots.db", "/var/lib/dots/dots.db"},
           {"sqlite:postgres://odd-name.db", "postgres://odd-name.db"},
           {"a=b.db", "a=b.db"}}) {
    auto where = parse_database_location(text);
    ASSERT_TRUE(where) << text << ": " << where.error().message;
    EXPECT_EQ(where.value().kind, backend::sqlite);
    EXPECT_EQ(where.value().target, file);
  }
}

TEST(DatabaseLocation, LikelyMistakesAreRefusedWithoutRepeatingThem) {
  for (std::string text : {"", "sqlite:", "mysql://root:hunter2@127.0.0.1/dots",
                           "postgresql:/dots:hunter2@127.0.0.1:5432/dots",
                           "postgres:dots:hunter2@127.0.0.1",
                           "host=127.0.0.1 password=hunter2", "dbname=dots"}) {
    auto where = parse_database_location(text);
    ASSERT_FALSE(where) << text;
    EXPECT_EQ(where.error().code, "invalid_option");
    EXPECT_EQ(where.error().message.find("hunter2"), std::string::npos)
        << where.error().message;
  }
}

TEST(DatabaseLocation, RedactedHidesOnlyThePassword) {
  auto r = [](std::string uri) {
    return redacted(database_location{backend::postgres, std::move(uri)});
  };
  EXPECT_EQ(r("postgresql://dots:s3cret@127.0.0.1:5432/dots"),
            "postgresql://dots:***@127.0.0.1:5432/dots");
  EXPECT_EQ(r("postgresql://dots:p@ss@host/db"),
            "postgresql://dots:***@host/db");
  EXPECT_EQ(r("postgresql://dots@127.0.0.1/dots"),
            "postgresql://dots@127.0.0.1/dots");
  EXPECT_EQ(r("postgresql://127.0.0.1:5432/dots?user=x"),
            "postgresql://127.0.0.1:5432/dots?user=x");
  EXPECT_EQ(redacted(database_location{backend::sqlite, "a:b@c.db"}),
            "a:b@c.db");
}

} // namespace
} // namespace dots::storage
