#include "http/router.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <vector>

// The route table walked endpoint by endpoint and method by method: what
// routing, the 405's Allow and HEAD do all follow from the one table.

namespace dots::http {
namespace {

using boost::beast::http::verb;

const std::vector<verb> all_methods{
    verb::get,   verb::head,    verb::post,  verb::put,    verb::delete_,
    verb::patch, verb::options, verb::trace, verb::connect};

/// A path that reaches each pattern of the table.
std::string sample_path(std::string_view pattern) {
  if (pattern == "/*")
    return "/assets/app-1234.js";
  std::string p{pattern};
  if (auto at = p.find("{id}"); at != std::string::npos)
    p.replace(at, 4, "7");
  return p;
}

std::string name_of(verb m) {
  return std::string{boost::beast::http::to_string(m)};
}

/// The methods an Allow header lists.
std::vector<std::string> listed(std::string_view allow) {
  std::vector<std::string> out;
  while (!allow.empty()) {
    auto comma = allow.find(", ");
    out.emplace_back(allow.substr(0, comma));
    allow = comma == std::string_view::npos ? std::string_view{}
                                            : allow.substr(comma + 2);
  }
  return out;
}

// -- the table ----------------------------------------------------------------

TEST(RouteTable, EveryPatternIsReachedByItsOwnPaths) {
  for (const auto& e : route_table()) {
    SCOPED_TRACE(std::string{e.pattern});
    auto r = match_route(sample_path(e.pattern));
    EXPECT_EQ(r.to, &e);
  }
}

TEST(RouteTable, AllowListsExactlyTheMethodsWithAHandler) {
  for (const auto& e : route_table()) {
    SCOPED_TRACE(std::string{e.pattern});
    const auto allow = listed(allow_of(e));
    ASSERT_FALSE(allow.empty());
    for (auto m : all_methods) {
      const bool in_allow =
          std::find(allow.begin(), allow.end(), name_of(m)) != allow.end();
      EXPECT_EQ(in_allow, handler_for(e, m) != nullptr) << name_of(m);
    }
  }
}

TEST(RouteTable, HeadIsAllowedExactlyWhereGetIs) {
  for (const auto& e : route_table()) {
    SCOPED_TRACE(std::string{e.pattern});
    EXPECT_EQ(handler_for(e, verb::head) != nullptr,
              handler_for(e, verb::get) != nullptr);
    // HEAD runs GET's handler unless the endpoint names its own.
    if (e.head == nullptr) {
      EXPECT_EQ(handler_for(e, verb::head), e.get);
    }
  }
}

TEST(RouteTable, MethodsOutsideTheTableHaveNoHandler) {
  for (const auto& e : route_table())
    for (auto m : {verb::patch, verb::options, verb::trace, verb::connect})
      EXPECT_EQ(handler_for(e, m), nullptr) << e.pattern << " " << name_of(m);
}

TEST(RouteTable, TheContractsEndpointsAndTheirAllow) {
  // ../shared/spec/api.md, with HEAD wherever GET is.
  const std::vector<std::pair<std::string, std::string>> expected{
      {"/healthz", "GET, HEAD"},
      {"/readyz", "GET, HEAD"},
      {"/metrics", "GET, HEAD"},
      {"/sse/notifications/", "GET, HEAD"},
      {"/sse/notifications", "GET, HEAD"},
      {"/api/auth/register", "POST"},
      {"/api/auth/login", "POST"},
      {"/api/auth/logout", "POST"},
      {"/api/auth/me", "GET, HEAD"},
      {"/api/boards", "GET, HEAD, POST"},
      {"/api/boards/7", "GET, HEAD, PUT, DELETE"},
      {"/api/boards/7/path", "GET, HEAD, PUT, DELETE"},
      {"/", "GET, HEAD"},
      {"/index.html", "GET, HEAD"},
      {"/assets/app-1234.js", "GET, HEAD"},
  };
  for (const auto& [path, allow] : expected) {
    auto r = match_route(path);
    ASSERT_NE(r.to, nullptr) << path;
    EXPECT_EQ(allow_of(*r.to), allow) << path;
  }
}

TEST(RouteTable, EachPatternIsListedOnce) {
  std::set<std::string_view> seen;
  for (const auto& e : route_table())
    EXPECT_TRUE(seen.insert(e.pattern).second) << e.pattern;
}

// -- matching -----------------------------------------------------------------

TEST(Router, BoardIdsAreExtracted) {
  auto b = match_route("/api/boards/42");
  ASSERT_NE(b.to, nullptr);
  EXPECT_EQ(b.to->pattern, "/api/boards/{id}");
  EXPECT_EQ(b.board_id, 42);
  auto p = match_route("/api/boards/9223372036854775807/path");
  ASSERT_NE(p.to, nullptr);
  EXPECT_EQ(p.to->pattern, "/api/boards/{id}/path");
  EXPECT_EQ(p.board_id, 9223372036854775807);
  EXPECT_EQ(match_route("/api/boards").board_id, 0);
}

TEST(Router, BadBoardIdsAreNotFound) {
  for (const std::string id :
       {"0", "00", "07", "-1", "+1", " 1", "1 ", "1a", "abc", "0x10", "1.0",
        "9223372036854775808", "99999999999999999999", ""}) {
    SCOPED_TRACE("'" + id + "'");
    EXPECT_EQ(match_route("/api/boards/" + id).to, nullptr);
    EXPECT_EQ(match_route("/api/boards/" + id + "/path").to, nullptr);
  }
}

TEST(Router, UnknownApiAndSsePathsAreNotFound) {
  for (const std::string path :
       {"/api/", "/api/nope", "/api/auth", "/api/auth/me/x", "/api/boards/7/",
        "/api/boards/7/paths", "/api/boards/7/path/1", "/api/boards/7/path/",
        "/api/boardsX", "/sse/", "/sse/other", "/sse/notifications/x"})
    EXPECT_EQ(match_route(path).to, nullptr) << path;
}

TEST(Router, PathsAreCaseSensitive) {
  // Outside /api/ it is a file name; inside, no endpoint has it.
  ASSERT_NE(match_route("/API/boards").to, nullptr);
  EXPECT_EQ(match_route("/API/boards").to->pattern, "/*");
  EXPECT_EQ(match_route("/api/Boards").to, nullptr);
}

// -- the routing decision -----------------------------------------------------

TEST(Router, PickHandlerAnswers404Then405Then400InThatOrder) {
  // A malformed target on an unknown path is still a 404, on a known path
  // with a method it does not take a 405, and only then a 400.
  const auto bad = parse_target("/api/nope?x=%zz");
  auto unknown = pick_handler(match_route(bad.path), verb::get, bad);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, domain::error_kind::not_found);

  const auto bad_boards = parse_target("/api/boards?x=%zz");
  const auto boards = match_route(bad_boards.path);
  auto patch = pick_handler(boards, verb::patch, bad_boards);
  ASSERT_FALSE(patch);
  EXPECT_EQ(patch.error().code, "method_not_allowed");
  EXPECT_EQ(patch.error().message, "this endpoint allows GET, HEAD, POST");

  auto get = pick_handler(boards, verb::get, bad_boards);
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().code, "invalid_query");
}

TEST(Router, PickHandlerGivesTheMethodsHandler) {
  const auto target = parse_target("/api/boards/7?x=1");
  const auto r = match_route(target.path);
  ASSERT_NE(r.to, nullptr);
  for (auto m : {verb::get, verb::head, verb::put, verb::delete_}) {
    auto h = pick_handler(r, m, target);
    ASSERT_TRUE(h) << name_of(m);
    EXPECT_EQ(h.value(), handler_for(*r.to, m)) << name_of(m);
  }
}

// -- ids ----------------------------------------------------------------------

TEST(Router, ParseId) {
  EXPECT_EQ(parse_id("1"), 1);
  EXPECT_EQ(parse_id("10"), 10);
  EXPECT_EQ(parse_id("9223372036854775807"), 9223372036854775807);
  for (const std::string bad :
       {"", "0", "01", "-1", "+1", " 1", "1 ", "1x", "x1",
        "9223372036854775808", "10000000000000000000", "18446744073709551616"})
    EXPECT_FALSE(parse_id(bad)) << "'" << bad << "'";
}

} // namespace
} // namespace dots::http
