#include "http/query.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <vector>

namespace dots::http {
namespace {

// -- targets ------------------------------------------------------------------

TEST(Target, PathAndQueryAreSplit) {
  auto t = parse_target("/api/boards?mine=1&limit=5");
  EXPECT_TRUE(t.well_formed);
  EXPECT_EQ(t.path, "/api/boards");
  EXPECT_EQ(t.query, "mine=1&limit=5");
  auto s = parse_target("/sse/notifications/?events=newBoard");
  EXPECT_EQ(s.path, "/sse/notifications/");
  EXPECT_EQ(s.query, "events=newBoard");
  auto e = parse_target("/api/boards/3/path?");
  EXPECT_TRUE(e.well_formed);
  EXPECT_EQ(e.path, "/api/boards/3/path");
  EXPECT_EQ(e.query, "");
  EXPECT_EQ(parse_target("/").path, "/");
}

TEST(Target, PathsStayAsSent) {
  // Routing compares the path as sent: an escaped name is not the file.
  auto t = parse_target("/index%2Ehtml");
  EXPECT_TRUE(t.well_formed);
  EXPECT_EQ(t.path, "/index%2Ehtml");
}

TEST(Target, MalformedTargetsAreSplitButMarked) {
  for (const std::string bad :
       {"/api/boards?limit=%zz", "/api/boards?a=%", "/x y", "/a|b",
        "/api/boards?q=a#b", "http://example.com/", "*", "nopath"}) {
    auto t = parse_target(bad);
    EXPECT_FALSE(t.well_formed) << bad;
  }
  auto t = parse_target("/api/boards?limit=%zz");
  EXPECT_EQ(t.path, "/api/boards");
  EXPECT_EQ(t.query, "limit=%zz");
}

TEST(Target, AMalformedTargetWithNoPathIsRoutedAsTheRoot) {
  // Found by fuzzing: Beast reads "GET ?x HTTP/1.1", and the path came out
  // empty, which request_target promises it never is.
  auto t = parse_target("?sse/notifications/?events=newBoard");
  EXPECT_FALSE(t.well_formed);
  EXPECT_EQ(t.path, "/");
  EXPECT_EQ(t.query, "sse/notifications/?events=newBoard");
  EXPECT_EQ(parse_target("?").path, "/");
}

// -- query_params
// --------------------------------------------------------------

/// The parameters of `query` as a request target carries them, followed by
/// more bytes, like the view into a request's start line it is.
class QueryParams : public ::testing::Test {
protected:
  query_params params(const std::string& query) {
    line_ = "/x?" + query + " HTTP/1.1";
    auto t = parse_target(std::string_view{line_}.substr(0, 3 + query.size()));
    EXPECT_TRUE(t.well_formed) << query;
    return t.params;
  }
  std::string line_;
};

/// The value single() gives; fails the test on an error.
std::optional<std::string> single_of(const query_params& q,
                                     std::string_view key) {
  auto r = q.single(key);
  if (!r) {
    ADD_FAILURE() << key << ": " << r.error().message;
    return std::nullopt;
  }
  return r.value();
}

TEST_F(QueryParams, SingleValueOfAKeyAndCount) {
  auto q = params("a=1&b=x&a=2&%61=3&last=z");
  EXPECT_EQ(single_of(q, "b"), "x");
  EXPECT_EQ(single_of(q, "c"), std::nullopt);
  // The last value ends where the query does.
  EXPECT_EQ(single_of(q, "last"), "z");
  // Repeats are seen, keys compared after decoding.
  EXPECT_EQ(q.count("a"), 3u);
  EXPECT_EQ(q.count("b"), 1u);
  EXPECT_EQ(q.count("c"), 0u);
  EXPECT_EQ(q.all().size(), 5u);
}

TEST_F(QueryParams, ARepeatedSingleValuedKeyIsAnErrorNamingIt) {
  // Same values, different values, an escaped key, a bare repeat: each is
  // a repeat, never "the first one wins".
  for (const std::string query :
       {"limit=5&limit=nonsense", "limit=5&limit=5", "limit=5&%6Cimit=6",
        "limit&limit", "x=1&limit=&limit=2"}) {
    SCOPED_TRACE(query);
    auto r = params(query).single("limit");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, domain::error_kind::invalid);
    EXPECT_EQ(r.error().code, "invalid_query");
    EXPECT_EQ(r.error().field, "limit");
    EXPECT_NE(r.error().message.find("limit"), std::string::npos);
  }
  // Other keys repeated do not matter to this one.
  EXPECT_EQ(single_of(params("x=1&x=2&limit=3"), "limit"), "3");
}

TEST_F(QueryParams, DecodingAndPlus) {
  auto q = params("q=a+b%2Bc&k%65y=%C5%82&p=%2Fa%2fb&amp=%26&eq=%3D&z=%00"
                  "&n=a=b");
  EXPECT_EQ(single_of(q, "q"), "a b+c");
  EXPECT_EQ(single_of(q, "key"), "\xC5\x82");
  EXPECT_EQ(single_of(q, "p"), "/a/b");
  EXPECT_EQ(single_of(q, "amp"), "&");
  EXPECT_EQ(single_of(q, "eq"), "=");
  EXPECT_EQ(single_of(q, "z"), std::string(1, '\0'));
  EXPECT_EQ(single_of(q, "n"), "a=b");
}

TEST_F(QueryParams, BareKeysHaveAnEmptyValue) {
  auto q = params("flag&x=&&y=1&&");
  EXPECT_EQ(single_of(q, "flag"), "");
  EXPECT_EQ(single_of(q, "x"), "");
  EXPECT_EQ(single_of(q, "y"), "1");
}

TEST_F(QueryParams, ListsMergeRepeatsAndSplitAtCommas) {
  using items = std::vector<std::string>;
  EXPECT_EQ(params("events=a,b").list("events"), (items{"a", "b"}));
  // events=a&events=b is events=a,b, in the order sent.
  EXPECT_EQ(params("events=a&x=1&events=b,c").list("events"),
            (items{"a", "b", "c"}));
  // Decoded first: an escaped comma separates, an escaped key is the key.
  EXPECT_EQ(params("e=a%2Cb&%65=c").list("e"), (items{"a", "b", "c"}));
  // Empty items are kept for the caller to refuse.
  EXPECT_EQ(params("e=").list("e"), (items{""}));
  EXPECT_EQ(params("e=a,&e").list("e"), (items{"a", "", ""}));
  EXPECT_EQ(params("x=1").list("e"), std::nullopt);
}

TEST(Target, MalformedQueriesAreRefused) {
  for (const std::string bad : {"a=%", "a=%2", "a=%zz", "a=%g0", "a=%0g", "%=1",
                                "a=1&b=%", "a=%%41", "a=%-1", "a=b#c", "a b"})
    EXPECT_FALSE(parse_target("/x?" + bad).well_formed) << bad;
}

} // namespace
} // namespace dots::http
