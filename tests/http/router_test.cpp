#include "http/router.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace dots::http {
namespace {

using boost::beast::http::verb;

const std::vector<verb> all_methods{verb::get,    verb::head,    verb::post,
                                    verb::put,    verb::delete_, verb::patch,
                                    verb::options};

/// An endpoint, a target that reaches it, and the methods it takes.
struct endpoint_case {
  std::string target;
  route_id id;
  std::vector<verb> allowed;
  std::string allow;
};

const std::vector<endpoint_case>& endpoints() {
  static const std::vector<endpoint_case> all{
      {"/healthz", route_id::healthz, {verb::get, verb::head}, "GET, HEAD"},
      {"/readyz", route_id::readyz, {verb::get, verb::head}, "GET, HEAD"},
      {"/metrics", route_id::metrics, {verb::get, verb::head}, "GET, HEAD"},
      {"/sse/notifications/",
       route_id::notifications,
       {verb::get, verb::head},
       "GET, HEAD"},
      {"/sse/notifications",
       route_id::notifications,
       {verb::get, verb::head},
       "GET, HEAD"},
      {"/api/auth/register", route_id::auth_register, {verb::post}, "POST"},
      {"/api/auth/login", route_id::auth_login, {verb::post}, "POST"},
      {"/api/auth/logout", route_id::auth_logout, {verb::post}, "POST"},
      {"/api/auth/me", route_id::auth_me, {verb::get}, "GET"},
      {"/api/boards", route_id::boards, {verb::get, verb::post}, "GET, POST"},
      {"/api/boards/7",
       route_id::board,
       {verb::get, verb::put, verb::delete_},
       "GET, PUT, DELETE"},
      {"/api/boards/7/path",
       route_id::board_path,
       {verb::get, verb::put, verb::delete_},
       "GET, PUT, DELETE"},
      {"/", route_id::static_file, {verb::get, verb::head}, "GET, HEAD"},
      {"/index.html",
       route_id::static_file,
       {verb::get, verb::head},
       "GET, HEAD"},
      {"/assets/app-1234.js",
       route_id::static_file,
       {verb::get, verb::head},
       "GET, HEAD"},
  };
  return all;
}

bool contains(const std::vector<verb>& v, verb m) {
  return std::find(v.begin(), v.end(), m) != v.end();
}

// -- endpoints and methods
// ------------------------------------------------------

TEST(Router, EveryEndpointAndMethod) {
  for (const auto& e : endpoints()) {
    for (auto m : all_methods) {
      SCOPED_TRACE(std::string{boost::beast::http::to_string(m)} + " " +
                   e.target);
      auto r = match_route(m, e.target);
      EXPECT_EQ(r.id, e.id);
      EXPECT_EQ(r.path, e.target);
      EXPECT_EQ(r.query, "");
      EXPECT_EQ(r.method_allowed, contains(e.allowed, m));
      // The Allow list is the endpoint's, whatever the method was.
      EXPECT_EQ(r.allow, e.allow);
    }
  }
}

TEST(Router, AllowListNamesExactlyTheAllowedMethods) {
  for (const auto& e : endpoints()) {
    SCOPED_TRACE(e.target);
    for (auto m : all_methods) {
      const std::string name{boost::beast::http::to_string(m)};
      const bool listed =
          (", " + e.allow + ",").find(" " + name + ",") != std::string::npos;
      EXPECT_EQ(listed, contains(e.allowed, m)) << name;
    }
  }
}

TEST(Router, BoardIdsAreExtracted) {
  auto b = match_route(verb::get, "/api/boards/42");
  EXPECT_EQ(b.id, route_id::board);
  EXPECT_EQ(b.board_id, 42);
  auto p = match_route(verb::put, "/api/boards/9223372036854775807/path");
  EXPECT_EQ(p.id, route_id::board_path);
  EXPECT_EQ(p.board_id, 9223372036854775807);
  EXPECT_EQ(match_route(verb::get, "/api/boards").board_id, 0);
}

TEST(Router, QueryIsSplitOff) {
  auto r = match_route(verb::get, "/api/boards?mine=1&limit=5");
  EXPECT_EQ(r.id, route_id::boards);
  EXPECT_EQ(r.path, "/api/boards");
  EXPECT_EQ(r.query, "mine=1&limit=5");
  auto s = match_route(verb::get, "/sse/notifications/?events=newBoard");
  EXPECT_EQ(s.id, route_id::notifications);
  EXPECT_EQ(s.query, "events=newBoard");
  auto b = match_route(verb::get, "/api/boards/3/path?");
  EXPECT_EQ(b.id, route_id::board_path);
  EXPECT_EQ(b.board_id, 3);
  EXPECT_EQ(b.query, "");
}

TEST(Router, BadBoardIdsAreNotFound) {
  for (const std::string id :
       {"0", "00", "07", "-1", "+1", " 1", "1 ", "1a", "abc", "0x10", "1.0",
        "9223372036854775808", "99999999999999999999", ""}) {
    SCOPED_TRACE("'" + id + "'");
    auto r = match_route(verb::get, "/api/boards/" + id);
    EXPECT_EQ(r.id, route_id::not_found);
    auto p = match_route(verb::get, "/api/boards/" + id + "/path");
    EXPECT_EQ(p.id, route_id::not_found);
  }
}

TEST(Router, UnknownApiPathsAreNotFoundForEveryMethod) {
  for (const std::string target :
       {"/api/", "/api/nope", "/api/auth", "/api/auth/me/x", "/api/boards/7/",
        "/api/boards/7/paths", "/api/boards/7/path/1", "/api/boards/7/path/",
        "/api/boardsX", "/sse/", "/sse/other", "/sse/notifications/x"}) {
    for (auto m : all_methods) {
      SCOPED_TRACE(target);
      auto r = match_route(m, target);
      EXPECT_EQ(r.id, route_id::not_found);
      // 404, never 405: there is no endpoint to list methods of.
      EXPECT_TRUE(r.method_allowed);
    }
  }
}

TEST(Router, PathsAreCaseSensitive) {
  EXPECT_EQ(match_route(verb::get, "/API/boards").id, route_id::static_file);
  EXPECT_EQ(match_route(verb::get, "/api/Boards").id, route_id::not_found);
}

// -- ids
// ------------------------------------------------------------------------

TEST(Router, ParseId) {
  EXPECT_EQ(parse_id("1"), 1);
  EXPECT_EQ(parse_id("10"), 10);
  EXPECT_EQ(parse_id("9223372036854775807"), 9223372036854775807);
  for (const std::string bad :
       {"", "0", "01", "-1", "+1", " 1", "1 ", "1x", "x1",
        "9223372036854775808", "10000000000000000000", "18446744073709551616"})
    EXPECT_FALSE(parse_id(bad)) << "'" << bad << "'";
}

// -- queries
// --------------------------------------------------------------------

using query_map = std::map<std::string, std::string>;

TEST(Router, QueryPairs) {
  EXPECT_EQ(parse_query("a=1&b=x"), (query_map{{"a", "1"}, {"b", "x"}}));
  EXPECT_EQ(parse_query(""), query_map{});
}

TEST(Router, QueryPercentDecoding) {
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

TEST(Router, QueryPlusIsSpace) {
  EXPECT_EQ(parse_query("q=a+b+c"), (query_map{{"q", "a b c"}}));
  EXPECT_EQ(parse_query("q=a%2Bb"), (query_map{{"q", "a+b"}}));
  EXPECT_EQ(parse_query("a+b=1"), (query_map{{"a b", "1"}}));
}

TEST(Router, QueryMalformedEscapes) {
  for (const std::string bad : {"a=%", "a=%2", "a=%zz", "a=%g0", "a=%0g", "%=1",
                                "a=1&b=%", "a=%%41", "a=%-1"})
    EXPECT_FALSE(parse_query(bad)) << bad;
  EXPECT_TRUE(parse_query("a=%41"));
  EXPECT_EQ(parse_query("a=%41")->at("a"), "A");
}

TEST(Router, QueryRepeatedKeysKeepTheFirst) {
  EXPECT_EQ(parse_query("a=1&a=2&a=3"), (query_map{{"a", "1"}}));
  // Keys compare after decoding.
  EXPECT_EQ(parse_query("a=1&%61=2"), (query_map{{"a", "1"}}));
}

TEST(Router, QueryEmptyPartsAndBareKeys) {
  EXPECT_EQ(parse_query("&&a=1&&"), (query_map{{"a", "1"}}));
  EXPECT_EQ(parse_query("flag"), (query_map{{"flag", ""}}));
  EXPECT_EQ(parse_query("a="), (query_map{{"a", ""}}));
  EXPECT_EQ(parse_query("=v"), (query_map{{"", "v"}}));
  EXPECT_EQ(parse_query("a=b=c"), (query_map{{"a", "b=c"}}));
}

} // namespace
} // namespace dots::http
