#include "domain/error.hpp"

#include <gtest/gtest.h>
#include <string>

namespace dots::domain {
namespace {

TEST(ErrorHelpers, InvalidCarriesCodeMessageAndField) {
  const auto e = invalid("invalid_board", "rows must be 2 to 50", "rows");
  EXPECT_EQ(e.kind, error_kind::invalid);
  EXPECT_EQ(e.code, "invalid_board");
  EXPECT_EQ(e.message, "rows must be 2 to 50");
  EXPECT_EQ(e.field, "rows");
}

TEST(ErrorHelpers, InvalidWithoutFieldLeavesItEmpty) {
  EXPECT_TRUE(invalid("invalid_json", "malformed").field.empty());
}

TEST(ErrorHelpers, NotFoundHasItsKindAndCode) {
  const auto e = not_found("no such board");
  EXPECT_EQ(e.kind, error_kind::not_found);
  EXPECT_EQ(e.code, "not_found");
  EXPECT_EQ(e.message, "no such board");
  EXPECT_TRUE(e.field.empty());
}

TEST(ErrorHelpers, InternalErrorHasItsKindAndCode) {
  const auto e = internal_error("database is locked");
  EXPECT_EQ(e.kind, error_kind::internal);
  EXPECT_EQ(e.code, "internal");
  EXPECT_EQ(e.message, "database is locked");
  EXPECT_TRUE(e.field.empty());
}

TEST(ErrorResult, HoldsAValueOrAnError) {
  result<std::string> ok = std::string("yes");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, "yes");
  EXPECT_EQ(ok->size(), 3u);

  result<std::string> bad = not_found("gone");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.err().code, "not_found");
  EXPECT_EQ(std::move(bad).err().message, "gone");
}

} // namespace
} // namespace dots::domain
