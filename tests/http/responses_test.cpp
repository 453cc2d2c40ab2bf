#include "http/responses.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <string>

namespace dots::http {
namespace {

using domain::error;
using domain::error_kind;
namespace json = boost::json;

request make_request(bool keep_alive = true) {
  request req{bhttp::verb::get, "/api/boards", 11};
  req.keep_alive(keep_alive);
  return req;
}

error of_kind(error_kind kind, unsigned retry_after = 0) {
  return error{kind, "some_code", "something went wrong", {}, retry_after};
}

TEST(Responses, EachKindHasItsStatus) {
  const std::vector<std::pair<error_kind, int>> expected{
      {error_kind::invalid, 400},          {error_kind::unauthenticated, 401},
      {error_kind::forbidden, 403},        {error_kind::not_found, 404},
      {error_kind::conflict, 409},         {error_kind::too_large, 413},
      {error_kind::unsupported_type, 415}, {error_kind::rate_limited, 429},
      {error_kind::unavailable, 503},      {error_kind::internal, 500},
  };
  for (auto [kind, status] : expected) {
    auto res = error_response(make_request(), of_kind(kind));
    EXPECT_EQ(res.result_int(), status);
    EXPECT_EQ(static_cast<int>(status_of(of_kind(kind))), status);
  }
}

TEST(Responses, ErrorBodyHasCodeMessageAndField) {
  auto res = error_response(
      make_request(),
      domain::invalid("invalid_board", "colour used 3 times", "dots[2].color"));
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  auto body = json::parse(res.body()).as_object().at("error").as_object();
  EXPECT_EQ(body.at("code").as_string(), "invalid_board");
  EXPECT_EQ(body.at("message").as_string(), "colour used 3 times");
  EXPECT_EQ(body.at("field").as_string(), "dots[2].color");
  EXPECT_EQ(res[bhttp::field::content_length],
            std::to_string(res.body().size()));
}

TEST(Responses, NoFieldWhenNoFieldIsAtFault) {
  auto res = error_response(make_request(), domain::not_found("no such board"));
  auto body = json::parse(res.body()).as_object().at("error").as_object();
  EXPECT_FALSE(body.contains("field"));
}

TEST(Responses, UnauthenticatedAsksForABearerToken) {
  auto res =
      error_response(make_request(), of_kind(error_kind::unauthenticated));
  EXPECT_EQ(res[bhttp::field::www_authenticate], "Bearer");
  auto other = error_response(make_request(), of_kind(error_kind::forbidden));
  EXPECT_EQ(other.count(bhttp::field::www_authenticate), 0u);
}

TEST(Responses, RetryAfterIsTheErrorsOwnWait) {
  auto limited =
      error_response(make_request(), of_kind(error_kind::rate_limited, 17));
  EXPECT_EQ(limited[bhttp::field::retry_after], "17");
  auto busy =
      error_response(make_request(), of_kind(error_kind::unavailable, 1));
  EXPECT_EQ(busy[bhttp::field::retry_after], "1");
}

TEST(Responses, RetryAfterFallsBackToTheNamedWaits) {
  auto limited =
      error_response(make_request(), of_kind(error_kind::rate_limited));
  EXPECT_EQ(limited[bhttp::field::retry_after],
            std::to_string(rate_limited_retry_after.count()));
  auto busy = error_response(make_request(), of_kind(error_kind::unavailable));
  EXPECT_EQ(busy[bhttp::field::retry_after],
            std::to_string(unavailable_retry_after.count()));
}

TEST(Responses, NoRetryAfterOnOtherErrors) {
  for (auto kind : {error_kind::invalid, error_kind::not_found,
                    error_kind::conflict, error_kind::internal}) {
    auto res = error_response(make_request(), of_kind(kind, 9));
    EXPECT_EQ(res.count(bhttp::field::retry_after), 0u);
  }
}

TEST(Responses, MethodNotAllowedIs405WithAllow) {
  auto res = error_response(make_request(), method_not_allowed("GET, HEAD"),
                            "GET, HEAD");
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[bhttp::field::allow], "GET, HEAD");
  auto body = json::parse(res.body()).as_object().at("error").as_object();
  EXPECT_EQ(body.at("code").as_string(), "method_not_allowed");
  EXPECT_EQ(body.at("message").as_string(), "this endpoint allows GET, HEAD");
  // Allow goes only with a 405.
  auto other =
      error_response(make_request(), domain::not_found("x"), "GET, HEAD");
  EXPECT_EQ(other.count(bhttp::field::allow), 0u);
}

TEST(Responses, HeaderTooLargeIs431) {
  auto res = error_response(make_request(), header_too_large());
  EXPECT_EQ(res.result_int(), 431);
  auto body = json::parse(res.body()).as_object().at("error").as_object();
  EXPECT_EQ(body.at("code").as_string(), "header_too_large");
}

TEST(Responses, MalformedTargetIsInvalidQuery) {
  auto res = error_response(make_request(), malformed_target());
  EXPECT_EQ(res.result_int(), 400);
  auto body = json::parse(res.body()).as_object().at("error").as_object();
  EXPECT_EQ(body.at("code").as_string(), "invalid_query");
}

TEST(Responses, KeepAliveFollowsTheRequest) {
  EXPECT_TRUE(
      json_response(make_request(true), bhttp::status::ok, {}).keep_alive());
  EXPECT_FALSE(
      json_response(make_request(false), bhttp::status::ok, {}).keep_alive());
}

TEST(Responses, EmptyResponseHasNoBody) {
  auto res = empty_response(make_request(), bhttp::status::no_content);
  EXPECT_EQ(res.result_int(), 204);
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(res[bhttp::field::server], "dots");
}

TEST(Responses, HeadKeepsStatusHeadersAndLengthButNoBody) {
  auto get = json_response(make_request(), bhttp::status::ok,
                           json::object{{"status", "ok"}});
  const auto length = get.body().size();
  auto head = head_of(std::move(get));
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[bhttp::field::content_type], "application/json");
  EXPECT_EQ(head[bhttp::field::content_length], std::to_string(length));
  // What goes on the wire ends with the head.
  std::ostringstream wire;
  wire << head;
  EXPECT_TRUE(wire.str().ends_with("\r\n\r\n")) << wire.str();
}

} // namespace
} // namespace dots::http

// -- cross-origin clients ---------------------------------------------------

namespace dots::http {
namespace {

TEST(CorsOrigins, AnOriginIsKeptAsBrowsersSendIt) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"https://app.example.com", "https://app.example.com"},
      {"HTTP://App.Example.COM", "http://app.example.com"},
      {"http://127.0.0.2:5173", "http://127.0.0.2:5173"},
      {"http://localhost:8080", "http://localhost:8080"},
      {"https://xn--bcher-kva.example", "https://xn--bcher-kva.example"},
      // The scheme's default port is left out of Origin.
      {"http://a.example:80", "http://a.example"},
      {"https://a.example:443", "https://a.example"},
      {"http://a.example:443", "http://a.example:443"},
      {"http://a.example:08080", "http://a.example:8080"},
      // IPv6 in its compressed form, as the URL standard writes it.
      {"http://[0:0:0:0:0:0:0:1]:3000", "http://[::1]:3000"},
      {"http://[::1]", "http://[::1]"},
  };
  for (const auto& [text, canonical] : cases) {
    auto got = canonical_origin(text);
    ASSERT_TRUE(got) << text << ": " << got.error().message;
    EXPECT_EQ(got.value(), canonical) << text;
  }
}

TEST(CorsOrigins, AnythingButAnOriginIsRefusedWithAReason) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "not an absolute URL"},
      {"app.example.com", "not an absolute URL"},
      {"//app.example.com", "not an absolute URL"},
      {"ftp://app.example.com", "http or https"},
      {"file:///tmp", "http or https"},
      {"http:app.example.com", "no host"},
      {"http://app.example.com/", "no path"},
      {"http://app.example.com/app", "no path"},
      {"http://app.example.com?x=1", "no query"},
      {"http://app.example.com#top", "not an absolute URL"},
      {"http://user@app.example.com", "no user name"},
      {"http://", "host is empty"},
      {"http://:8080", "host is empty"},
      {"http://app.example.com:", "port"},
      {"http://app.example.com:0", "port"},
      {"http://app.example.com:65536", "port"},
      {"http://app.example.com:99999999999", "port"},
      {"http://app_example.com", "letters, digits"},
      {"http://b%C3%BCcher.example", "letters, digits"},
      {"http://app..example", "empty or over-long label"},
      {"http://app.example.", "ends with '.'"},
      {"http://-app.example", "start or end with '-'"},
      {"http://127.1", "neither a name nor an IPv4"},
      {"http://[v1.fe]", "not a name or an IP"},
      {"null", "not an absolute URL"},
      {"*.example.com", "not an absolute URL"},
  };
  for (const auto& [text, reason] : cases) {
    SCOPED_TRACE(text);
    auto got = canonical_origin(text);
    ASSERT_FALSE(got) << got.value();
    EXPECT_EQ(got.error().kind, domain::error_kind::invalid);
    EXPECT_EQ(got.error().code, "invalid_origin");
    EXPECT_NE(got.error().message.find("'" + text + "'"), std::string::npos)
        << got.error().message;
    EXPECT_NE(got.error().message.find(reason), std::string::npos)
        << got.error().message;
  }
}

TEST(CorsOrigins, AListIsSplitTrimmedCheckedAndDeduplicated) {
  auto got = parse_cors_origins(
      " https://a.example , http://127.0.0.2:5173,*,HTTPS://A.example:443");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got.value(),
            (std::vector<std::string>{"https://a.example",
                                      "http://127.0.0.2:5173", "*"}));
  auto star = parse_cors_origins("*");
  ASSERT_TRUE(star);
  EXPECT_EQ(star.value(), std::vector<std::string>{"*"});
  for (const char* none : {"", "  "}) {
    auto empty = parse_cors_origins(none);
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty.value().empty());
  }
}

TEST(CorsOrigins, OneBadEntrySpoilsTheList) {
  for (const char* list : {"https://a.example,", ",https://a.example",
                           "https://a.example,,*", "https://a.example, ,*"}) {
    auto got = parse_cors_origins(list);
    ASSERT_FALSE(got) << list;
    EXPECT_NE(got.error().message.find("empty entry"), std::string::npos)
        << got.error().message;
  }
  auto bad = parse_cors_origins("https://a.example,https://b.example/");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'https://b.example/'"), std::string::npos)
      << bad.error().message;
  // `*` is the whole word, not a pattern.
  EXPECT_FALSE(parse_cors_origins("https://*.example"));
  EXPECT_FALSE(parse_cors_origins("**"));
}

cors_policy policy_of(const std::string& list) {
  auto entries = parse_cors_origins(list);
  EXPECT_TRUE(entries) << entries.error().message;
  return cors_policy{entries ? entries.value() : std::vector<std::string>{}};
}

TEST(CorsGrant, NoPolicyGrantsNothingAnywhere) {
  const cors_policy none;
  EXPECT_TRUE(none.empty());
  for (auto scope : {cors_scope::none, cors_scope::api, cors_scope::stream})
    for (const char* origin : {"", "https://a.example"})
      EXPECT_TRUE(grant_cors(none, origin, scope).empty());
}

TEST(CorsGrant, AListedOriginGetsItselfAndCredentialsOnTheApiAndTheStream) {
  const auto policy = policy_of("https://a.example,http://127.0.0.2:5173");
  for (auto scope : {cors_scope::api, cors_scope::stream}) {
    auto g = grant_cors(policy, "http://127.0.0.2:5173", scope);
    EXPECT_EQ(g.allow_origin, "http://127.0.0.2:5173");
    EXPECT_TRUE(g.credentials);
    EXPECT_TRUE(g.vary);
    // Another origin, or none: nothing granted, but the answer still
    // depends on Origin.
    for (const char* other : {"https://b.example", "", "null",
                              "http://127.0.0.2:5174", "https://a.example/"}) {
      auto o = grant_cors(policy, other, scope);
      EXPECT_EQ(o.allow_origin, "") << other;
      EXPECT_FALSE(o.credentials) << other;
      EXPECT_TRUE(o.vary) << other;
    }
  }
  // The browser app, health checks and metrics are never cross-origin.
  EXPECT_TRUE(
      grant_cors(policy, "https://a.example", cors_scope::none).empty());
}

TEST(CorsGrant, StarOpensTheStreamOnlyAndNeverWithCredentials) {
  const auto policy = policy_of("*");
  EXPECT_FALSE(policy.empty());
  EXPECT_TRUE(policy.public_stream());
  for (const char* origin : {"https://anyone.example", ""}) {
    auto stream = grant_cors(policy, origin, cors_scope::stream);
    EXPECT_EQ(stream.allow_origin, "*");
    EXPECT_FALSE(stream.credentials);
    // Every origin gets the same answer: nothing varies.
    EXPECT_FALSE(stream.vary);
    EXPECT_TRUE(grant_cors(policy, origin, cors_scope::api).empty());
  }
}

TEST(CorsGrant, StarAndAListTogether) {
  const auto policy = policy_of("*,https://a.example");
  auto listed = grant_cors(policy, "https://a.example", cors_scope::stream);
  EXPECT_EQ(listed.allow_origin, "https://a.example");
  EXPECT_TRUE(listed.credentials);
  auto other = grant_cors(policy, "https://b.example", cors_scope::stream);
  EXPECT_EQ(other.allow_origin, "*");
  EXPECT_FALSE(other.credentials);
  EXPECT_TRUE(other.vary);
  auto api = grant_cors(policy, "https://b.example", cors_scope::api);
  EXPECT_EQ(api.allow_origin, "");
  EXPECT_TRUE(api.vary);
  EXPECT_EQ(
      grant_cors(policy, "https://a.example", cors_scope::api).allow_origin,
      "https://a.example");
}

TEST(CorsFields, WhatAGrantWrites) {
  response granted{bhttp::status::ok, 11};
  set_cors_fields(cors_grant{"https://a.example", true, true}, granted);
  EXPECT_EQ(granted[bhttp::field::access_control_allow_origin],
            "https://a.example");
  EXPECT_EQ(granted[bhttp::field::access_control_allow_credentials], "true");
  EXPECT_EQ(granted[bhttp::field::vary], "Origin");
  EXPECT_EQ(granted[bhttp::field::access_control_expose_headers],
            "Allow, Location, Retry-After, WWW-Authenticate");

  response star{bhttp::status::ok, 11};
  set_cors_fields(cors_grant{"*", false, false}, star);
  EXPECT_EQ(star[bhttp::field::access_control_allow_origin], "*");
  EXPECT_EQ(star.count(bhttp::field::access_control_allow_credentials), 0u);
  EXPECT_EQ(star.count(bhttp::field::vary), 0u);

  response refused{bhttp::status::ok, 11};
  set_cors_fields(cors_grant{"", false, true}, refused);
  EXPECT_EQ(refused[bhttp::field::vary], "Origin");
  for (const auto& f : refused)
    EXPECT_FALSE(f.name_string().starts_with("Access-Control-"))
        << f.name_string();

  response preflight{bhttp::status::no_content, 11};
  set_preflight_fields("GET, HEAD, OPTIONS", preflight);
  EXPECT_EQ(preflight[bhttp::field::access_control_allow_methods],
            "GET, HEAD, OPTIONS");
  EXPECT_EQ(preflight[bhttp::field::access_control_allow_headers],
            "Authorization, Content-Type, Last-Event-ID");
  EXPECT_EQ(preflight[bhttp::field::access_control_max_age], "600");
}

TEST(CorsFields, APreflightIsOptionsWithOriginAndRequestMethod) {
  request req{bhttp::verb::options, "/api/boards", 11};
  EXPECT_FALSE(is_preflight(req));
  req.set(bhttp::field::origin, "https://a.example");
  EXPECT_FALSE(is_preflight(req));
  req.set(bhttp::field::access_control_request_method, "POST");
  EXPECT_TRUE(is_preflight(req));
  req.method(bhttp::verb::post);
  EXPECT_FALSE(is_preflight(req));
}

} // namespace
} // namespace dots::http
