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
    for (auto m : {verb::patch, verb::trace, verb::connect})
      EXPECT_EQ(handler_for(e, m), nullptr) << e.pattern << " " << name_of(m);
}

TEST(RouteTable, OptionsIsAnsweredOnTheApiAndTheStreamOnly) {
  // Where cross-origin pages may come (preflights), and nowhere else: the
  // browser app, health checks and metrics are same-origin.
  for (const auto& e : route_table()) {
    SCOPED_TRACE(std::string{e.pattern});
    const bool cross_origin =
        e.pattern.starts_with("/api/") || e.pattern.starts_with("/sse/");
    EXPECT_EQ(handler_for(e, verb::options) != nullptr, cross_origin);
    EXPECT_EQ(cors_scope_of(e.pattern) != cors_scope::none, cross_origin);
  }
}

TEST(RouteTable, CorsScopeOfAPath) {
  EXPECT_EQ(cors_scope_of("/sse/notifications/"), cors_scope::stream);
  EXPECT_EQ(cors_scope_of("/sse/notifications"), cors_scope::stream);
  EXPECT_EQ(cors_scope_of("/api/boards/7/path"), cors_scope::api);
  // Unknown paths under /api/ are the API's 404s.
  EXPECT_EQ(cors_scope_of("/api/nope"), cors_scope::api);
  for (const char* other :
       {"/", "/index.html", "/healthz", "/readyz", "/metrics", "/api", "/sse",
        "/apifoo/x", "/assets/api/x.js"})
    EXPECT_EQ(cors_scope_of(other), cors_scope::none) << other;
}

TEST(RouteTable, TheContractsEndpointsAndTheirAllow) {
  // ../shared/spec/api.md, with HEAD wherever GET is and OPTIONS on the
  // API and the stream (preflights of cross-origin pages).
  const std::vector<std::pair<std::string, std::string>> expected{
      {"/healthz", "GET, HEAD"},
      {"/readyz", "GET, HEAD"},
      {"/metrics", "GET, HEAD"},
      {"/sse/notifications/", "GET, HEAD, OPTIONS"},
      {"/sse/notifications", "GET, HEAD, OPTIONS"},
      {"/api/auth/register", "POST, OPTIONS"},
      {"/api/auth/login", "POST, OPTIONS"},
      {"/api/auth/logout", "POST, OPTIONS"},
      {"/api/auth/me", "GET, HEAD, OPTIONS"},
      {"/api/boards", "GET, HEAD, POST, OPTIONS"},
      {"/api/boards/7", "GET, HEAD, PUT, DELETE, OPTIONS"},
      {"/api/boards/7/path", "GET, HEAD, PUT, DELETE, OPTIONS"},
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

// -- what the head alone decides
// ------------------------------------------------

/// screen_head on `method` to `e`'s sample path with `fields` set.
domain::result<handler>
screened(const endpoint& e, verb method,
         std::initializer_list<std::pair<bhttp::field, std::string>> fields) {
  request head{method, sample_path(e.pattern), 11};
  head.set(bhttp::field::host, "dots.test");
  for (const auto& [f, v] : fields)
    head.set(f, v);
  return screen_head(match_route(head.target()), parse_target(head.target()),
                     head);
}

TEST(ScreenHead, AccountAndJsonBodyAreDecidedPerMethod) {
  // The contract's endpoints that need an account or take JSON.
  const std::set<std::pair<std::string_view, verb>> account{
      {"/api/auth/logout", verb::post},
      {"/api/auth/me", verb::get},
      {"/api/auth/me", verb::head},
      {"/api/boards", verb::post},
      {"/api/boards/{id}", verb::put},
      {"/api/boards/{id}", verb::delete_},
      {"/api/boards/{id}/path", verb::get},
      {"/api/boards/{id}/path", verb::head},
      {"/api/boards/{id}/path", verb::put},
      {"/api/boards/{id}/path", verb::delete_}};
  const std::set<std::pair<std::string_view, verb>> json{
      {"/api/auth/register", verb::post},
      {"/api/auth/login", verb::post},
      {"/api/boards", verb::post},
      {"/api/boards/{id}", verb::put},
      {"/api/boards/{id}/path", verb::put}};
  for (const auto& e : route_table())
    for (auto m : all_methods) {
      if (handler_for(e, m) == nullptr)
        continue; // a 405, tested above
      SCOPED_TRACE(std::string{e.pattern} + " " + name_of(m));
      const bool needs_account = account.contains({e.pattern, m});
      const bool takes_json = json.contains({e.pattern, m});
      auto bare = screened(e, m, {});
      if (needs_account || takes_json) {
        ASSERT_FALSE(bare.has_value());
        EXPECT_EQ(bare.error().kind,
                  needs_account ? domain::error_kind::unauthenticated
                                : domain::error_kind::unsupported_type);
      } else {
        EXPECT_TRUE(bare.has_value()) << bare.error().message;
      }
      // With a token (valid or not: the head cannot tell) and plain text.
      auto text = screened(e, m,
                           {{bhttp::field::authorization, "Bearer some-token"},
                            {bhttp::field::content_type, "text/plain"}});
      EXPECT_EQ(text.has_value(), !takes_json);
      // With a token and JSON, the head lets every method through.
      auto ok = screened(
          e, m,
          {{bhttp::field::authorization, "Bearer some-token"},
           {bhttp::field::content_type, "application/json; charset=utf-8"}});
      EXPECT_TRUE(ok.has_value()) << ok.error().message;
      EXPECT_EQ(ok.value(), handler_for(e, m));
    }
}

TEST(ScreenHead, ACookieFromAnotherOriginIs403OnUnsafeMethods) {
  auto route = match_route("/api/boards");
  request head{verb::post, "/api/boards", 11};
  head.set(bhttp::field::host, "dots.test");
  head.set(bhttp::field::cookie, "session=abc");
  head.set(bhttp::field::origin, "http://evil.test");
  head.set(bhttp::field::content_type, "application/json");
  auto r = screen_head(route, parse_target(head.target()), head);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, "origin_mismatch");
  head.set(bhttp::field::origin, "http://dots.test");
  EXPECT_TRUE(screen_head(route, parse_target(head.target()), head));
}

TEST(ScreenHead, RoutingErrorsComeFirst) {
  request head{verb::patch, "/api/boards?x=%zz", 11};
  auto t = parse_target(head.target());
  auto unknown = screen_head(match_route("/api/nope"), t, head);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().kind, domain::error_kind::not_found);
  auto r = screen_head(match_route(t.path), t, head);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, "method_not_allowed");
  head.method(verb::get);
  auto bad = screen_head(match_route(t.path), t, head);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, "invalid_query");
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
