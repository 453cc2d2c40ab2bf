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
  EXPECT_EQ(ok.value(), "yes");
  EXPECT_EQ(ok.value().size(), 3u);

  result<std::string> bad = not_found("gone");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "not_found");
  EXPECT_EQ(std::move(bad).error().message, "gone");
}

result<int> parse_digit(char c) {
  if (c < '0' || c > '9')
    return invalid("not_a_digit", "not a digit", std::string(1, c));
  return c - '0';
}

/// Two digits as a number; the first failure is forwarded as it is.
result<int> parse_two(char a, char b) {
  BOOST_OUTCOME_TRY(auto tens, parse_digit(a));
  BOOST_OUTCOME_TRY(auto ones, parse_digit(b));
  return tens * 10 + ones;
}

result<void> check_two(char a, char b) {
  BOOST_OUTCOME_TRY(parse_two(a, b));
  return success();
}

TEST(ErrorResult, TryForwardsTheFirstErrorUnchanged) {
  EXPECT_EQ(parse_two('4', '2').value(), 42);
  auto bad = parse_two('4', 'x');
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), invalid("not_a_digit", "not a digit", "x"));
  EXPECT_EQ(parse_two('y', 'x').error().field, "y");
}

TEST(ErrorResult, VoidResultsCarryOnlySuccessOrTheError) {
  EXPECT_TRUE(check_two('1', '2'));
  auto bad = check_two('1', '?');
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "not_a_digit");
}

} // namespace
} // namespace dots::domain
