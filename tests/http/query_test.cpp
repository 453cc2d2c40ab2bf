#include "http/query.hpp"

#include <gtest/gtest.h>
#include <map>
#include <string>

namespace dots::http {
namespace {

using query_map = std::map<std::string, std::string>;

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

TEST_F(QueryParams, FirstValueOfAKeyAndCount) {
  auto q = params("a=1&b=x&a=2&%61=3&last=z");
  EXPECT_EQ(q.first("a"), "1");
  EXPECT_EQ(q.first("b"), "x");
  EXPECT_EQ(q.first("c"), std::nullopt);
  // The last value ends where the query does.
  EXPECT_EQ(q.first("last"), "z");
  // Repeats are seen, keys compared after decoding.
  EXPECT_EQ(q.count("a"), 3u);
  EXPECT_EQ(q.count("b"), 1u);
  EXPECT_EQ(q.count("c"), 0u);
  EXPECT_EQ(q.all().size(), 5u);
}

TEST_F(QueryParams, DecodingAndPlus) {
  auto q = params("q=a+b%2Bc&k%65y=%C5%82");
  EXPECT_EQ(q.first("q"), "a b+c");
  EXPECT_EQ(q.first("key"), "\xC5\x82");
}

TEST_F(QueryParams, BareKeysHaveAnEmptyValue) {
  auto q = params("flag&x=");
  EXPECT_EQ(q.first("flag"), "");
  EXPECT_EQ(q.first("x"), "");
}

TEST(Target, MalformedQueriesAreRefused) {
  for (const std::string bad : {"a=%", "a=%2", "a=%zz", "a=%g0", "a=%0g", "%=1",
                                "a=1&b=%", "a=%%41", "a=%-1", "a=b#c", "a b"})
    EXPECT_FALSE(parse_target("/x?" + bad).well_formed) << bad;
}

TEST(ParseQuery, ReadsOnlyItsOwnBytes) {
  const std::string line = "mine=1 HTTP/1.1";
  EXPECT_EQ(parse_query(std::string_view{line}.substr(0, 6)),
            (query_map{{"mine", "1"}}));
}

// -- parse_query --------------------------------------------------------------

TEST(ParseQuery, Pairs) {
  EXPECT_EQ(parse_query("a=1&b=x"), (query_map{{"a", "1"}, {"b", "x"}}));
  EXPECT_EQ(parse_query(""), query_map{});
}

TEST(ParseQuery, PercentDecoding) {
  EXPECT_EQ(parse_query("b=x%20y"), (query_map{{"b", "x y"}}));
  EXPECT_EQ(parse_query("p=%2Fa%2fb"), (query_map{{"p", "/a/b"}}));
  EXPECT_EQ(parse_query("e=newBoard%2CnewPath"),
            (query_map{{"e", "newBoard,newPath"}}));
  EXPECT_EQ(parse_query("k%65y=v"), (query_map{{"key", "v"}}));
  EXPECT_EQ(parse_query("u=%C5%82%C3%B3d%C5%BA"),
            (query_map{{"u", "\xC5\x82\xC3\xB3\x64\xC5\xBA"}}));
  EXPECT_EQ(parse_query("amp=%26&eq=%3D"),
            (query_map{{"amp", "&"}, {"eq", "="}}));
  EXPECT_EQ(parse_query("z=%00"), (query_map{{"z", std::string(1, '\0')}}));
}

TEST(ParseQuery, PlusIsSpace) {
  EXPECT_EQ(parse_query("q=a+b+c"), (query_map{{"q", "a b c"}}));
  EXPECT_EQ(parse_query("q=a%2Bb"), (query_map{{"q", "a+b"}}));
  EXPECT_EQ(parse_query("a+b=1"), (query_map{{"a b", "1"}}));
}

TEST(ParseQuery, MalformedEscapes) {
  for (const std::string bad : {"a=%", "a=%2", "a=%zz", "a=%g0", "a=%0g", "%=1",
                                "a=1&b=%", "a=%%41", "a=%-1"})
    EXPECT_FALSE(parse_query(bad)) << bad;
  ASSERT_TRUE(parse_query("a=%41"));
  EXPECT_EQ(parse_query("a=%41")->at("a"), "A");
}

TEST(ParseQuery, RepeatedKeysKeepTheFirst) {
  EXPECT_EQ(parse_query("a=1&a=2&a=3"), (query_map{{"a", "1"}}));
  // Keys compare after decoding.
  EXPECT_EQ(parse_query("a=1&%61=2"), (query_map{{"a", "1"}}));
}

TEST(ParseQuery, EmptyPartsAndBareKeys) {
  EXPECT_EQ(parse_query("&&a=1&&"), (query_map{{"a", "1"}}));
  EXPECT_EQ(parse_query("flag"), (query_map{{"flag", ""}}));
  EXPECT_EQ(parse_query("a="), (query_map{{"a", ""}}));
  EXPECT_EQ(parse_query("=v"), (query_map{{"", "v"}}));
  EXPECT_EQ(parse_query("a=b=c"), (query_map{{"a", "b=c"}}));
}

} // namespace
} // namespace dots::http
