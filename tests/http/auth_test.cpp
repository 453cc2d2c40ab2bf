#include "http/auth.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace dots::http {
namespace {

using domain::error_kind;

request make_request(bhttp::verb method = bhttp::verb::get) {
  request req{method, "/api/auth/me", 11};
  req.set(bhttp::field::host, "dots.example:8000");
  return req;
}

// -- find_credentials
// -----------------------------------------------------------

TEST(Auth, BearerToken) {
  auto req = make_request();
  req.set(bhttp::field::authorization, "Bearer abc-DEF_123");
  auto c = find_credentials(req);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().token, "abc-DEF_123");
  EXPECT_FALSE(c.value().from_cookie);
}

TEST(Auth, BearerSchemeIsCaseInsensitiveAndSpacesAreTrimmed) {
  for (const std::string value :
       {"bearer tok", "BEARER tok", "Bearer   tok  ", "  Bearer tok"}) {
    SCOPED_TRACE(value);
    auto req = make_request();
    req.set(bhttp::field::authorization, value);
    auto c = find_credentials(req);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c.value().token, "tok");
  }
}

TEST(Auth, OtherSchemesAreRefused) {
  for (const std::string value : {"Basic dXNlcjpwYXNz", "Token abc", "Bearer",
                                  "Bearer ", "Bearerabc", "abc", ""}) {
    SCOPED_TRACE("'" + value + "'");
    auto req = make_request();
    req.set(bhttp::field::authorization, value);
    auto c = find_credentials(req);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, error_kind::unauthenticated);
    EXPECT_EQ(c.error().code, "invalid_token");
  }
}

TEST(Auth, BadAuthorizationIsNotRescuedByCookie) {
  auto req = make_request();
  req.set(bhttp::field::authorization, "Basic dXNlcjpwYXNz");
  req.set(bhttp::field::cookie, "session=good");
  auto c = find_credentials(req);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "invalid_token");
}

TEST(Auth, SessionCookieAmongOthers) {
  auto req = make_request();
  req.set(bhttp::field::cookie, "theme=dark; session=tok123; lang=pl");
  auto c = find_credentials(req);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().token, "tok123");
  EXPECT_TRUE(c.value().from_cookie);
}

TEST(Auth, CookieNameMustMatchExactly) {
  auto req = make_request();
  req.set(bhttp::field::cookie,
          "xsession=wrong;session_id=wrong;session=right");
  auto c = find_credentials(req);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().token, "right");
}

TEST(Auth, SessionCookieInASecondCookieHeader) {
  auto req = make_request();
  req.insert(bhttp::field::cookie, "theme=dark");
  req.insert(bhttp::field::cookie, "session=second");
  auto c = find_credentials(req);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().token, "second");
  EXPECT_TRUE(c.value().from_cookie);
}

TEST(Auth, EmptySessionCookieIsNoCredential) {
  auto req = make_request();
  req.set(bhttp::field::cookie, "session=; theme=dark");
  auto c = find_credentials(req);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, error_kind::unauthenticated);
  EXPECT_EQ(c.error().code, "authentication_required");
}

TEST(Auth, BearerWinsOverCookie) {
  auto req = make_request();
  req.set(bhttp::field::cookie, "session=from-cookie");
  req.set(bhttp::field::authorization, "Bearer from-header");
  auto c = find_credentials(req);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().token, "from-header");
  EXPECT_FALSE(c.value().from_cookie);
}

TEST(Auth, NoCredentials) {
  auto req = make_request();
  req.set(bhttp::field::cookie, "theme=dark");
  auto c = find_credentials(req);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, error_kind::unauthenticated);
  EXPECT_EQ(c.error().code, "authentication_required");
  EXPECT_FALSE(c.error().message.empty());
}

// -- unsafe methods and Origin ----------------------------------------------

TEST(Auth, UnsafeMethods) {
  EXPECT_TRUE(is_unsafe(bhttp::verb::post));
  EXPECT_TRUE(is_unsafe(bhttp::verb::put));
  EXPECT_TRUE(is_unsafe(bhttp::verb::patch));
  EXPECT_TRUE(is_unsafe(bhttp::verb::delete_));
  EXPECT_FALSE(is_unsafe(bhttp::verb::get));
  EXPECT_FALSE(is_unsafe(bhttp::verb::head));
  EXPECT_FALSE(is_unsafe(bhttp::verb::options));
}

bool origin_ok(const std::string& origin, const std::string& host) {
  auto req = make_request(bhttp::verb::post);
  if (host.empty())
    req.erase(bhttp::field::host);
  else
    req.set(bhttp::field::host, host);
  if (!origin.empty())
    req.set(bhttp::field::origin, origin);
  return origin_matches(req);
}

TEST(Auth, OriginMatchesTheHost) {
  EXPECT_TRUE(origin_ok("http://dots.example:8000", "dots.example:8000"));
  EXPECT_TRUE(origin_ok("https://dots.example", "dots.example"));
  EXPECT_TRUE(origin_ok("HTTP://Dots.Example:8000", "dots.example:8000"));
  EXPECT_TRUE(origin_ok("http://127.0.0.1:8000", "127.0.0.1:8000"));
}

TEST(Auth, OriginMismatches) {
  EXPECT_FALSE(origin_ok("http://evil.example:8000", "dots.example:8000"));
  EXPECT_FALSE(origin_ok("http://dots.example:8001", "dots.example:8000"));
  EXPECT_FALSE(origin_ok("http://dots.example", "dots.example:8000"));
  EXPECT_FALSE(
      origin_ok("http://dots.example:8000.evil.example", "dots.example:8000"));
  EXPECT_FALSE(origin_ok("http://dots.example:8000/", "dots.example:8000"));
  EXPECT_FALSE(origin_ok("ftp://dots.example:8000", "dots.example:8000"));
  EXPECT_FALSE(origin_ok("dots.example:8000", "dots.example:8000"));
  EXPECT_FALSE(origin_ok("null", "dots.example:8000"));
  EXPECT_FALSE(origin_ok("", "dots.example:8000"));
  EXPECT_FALSE(origin_ok("http://", ""));
  EXPECT_FALSE(origin_ok("http://dots.example:8000", ""));
}

// -- content type -----------------------------------------------------------

TEST(Auth, JsonContentType) {
  for (const std::string v :
       {"application/json", "application/json; charset=utf-8",
        "Application/JSON", "application/json;charset=UTF-8",
        " application/json ", "application/json ; charset=utf-8"})
    EXPECT_TRUE(is_json_content_type(v)) << "'" << v << "'";
  for (const std::string v :
       {"", "text/json", "application/jsonp", "application/json-seq",
        "application/x-www-form-urlencoded", "multipart/form-data",
        "text/plain; application/json", "application/ json"})
    EXPECT_FALSE(is_json_content_type(v)) << "'" << v << "'";
}

// -- cookies ----------------------------------------------------------------

TEST(Auth, SessionCookie) {
  auto c = session_cookie("tok");
  EXPECT_TRUE(c.starts_with("session=tok;")) << c;
  EXPECT_NE(c.find("HttpOnly"), std::string::npos) << c;
  EXPECT_NE(c.find("SameSite=Lax"), std::string::npos) << c;
  EXPECT_NE(c.find("Path=/"), std::string::npos) << c;
  EXPECT_EQ(c.find("Max-Age=0"), std::string::npos) << c;
  // The cookie lasts exactly as long as the token: 30 days, in seconds.
  EXPECT_TRUE(c.ends_with("; Max-Age=2592000")) << c;
}

TEST(Auth, ExpiredSessionCookie) {
  auto c = expired_session_cookie();
  EXPECT_TRUE(c.starts_with("session=;")) << c;
  EXPECT_NE(c.find("Max-Age=0"), std::string::npos) << c;
  EXPECT_NE(c.find("HttpOnly"), std::string::npos) << c;
  // Same path, or the browser keeps the original cookie.
  EXPECT_NE(c.find("Path=/"), std::string::npos) << c;
}

TEST(Auth, CookieRoundTrip) {
  // What session_cookie sets is what find_credentials reads back.
  auto set = session_cookie("round-trip_tok");
  auto req = make_request();
  req.set(bhttp::field::cookie, set.substr(0, set.find(';')));
  auto c = find_credentials(req);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().token, "round-trip_tok");
}

// -- client_address
// -------------------------------------------------------------

const std::vector<std::string> proxies{"127.0.0.1", "10.0.0.2"};

TEST(ClientAddress, AnUntrustedPeerIsTheClientWhateverItClaims) {
  auto req = make_request();
  req.set("X-Forwarded-For", "203.0.113.9");
  EXPECT_EQ(client_address(req, "198.51.100.4", proxies), "198.51.100.4");
  EXPECT_EQ(client_address(req, "198.51.100.4", {}), "198.51.100.4");
}

TEST(ClientAddress, ATrustedProxyNamesTheClient) {
  auto req = make_request();
  req.set("X-Forwarded-For", "203.0.113.9");
  EXPECT_EQ(client_address(req, "127.0.0.1", proxies), "203.0.113.9");
}

TEST(ClientAddress, ASpoofedHeadIsIgnoredBehindTheProxy) {
  // The client sent its own X-Forwarded-For; the proxy appended the real
  // address. Only the entries our proxies added are believed.
  auto req = make_request();
  req.set("X-Forwarded-For", "1.2.3.4, 203.0.113.9");
  EXPECT_EQ(client_address(req, "127.0.0.1", proxies), "203.0.113.9");
}

TEST(ClientAddress, ChainsOfTrustedProxiesAreWalkedFromTheRight) {
  auto req = make_request();
  req.insert("X-Forwarded-For", "1.2.3.4, 203.0.113.9");
  req.insert("X-Forwarded-For", "10.0.0.2");
  EXPECT_EQ(client_address(req, "127.0.0.1", proxies), "203.0.113.9");
}

TEST(ClientAddress, AProxyWithoutTheHeaderIsTheClient) {
  auto req = make_request();
  EXPECT_EQ(client_address(req, "127.0.0.1", proxies), "127.0.0.1");
  req.set("X-Forwarded-For", "10.0.0.2");
  EXPECT_EQ(client_address(req, "127.0.0.1", proxies), "10.0.0.2");
}

TEST(ClientAddress, AnEmptyHopStopsTheWalk) {
  auto req = make_request();
  req.set("X-Forwarded-For", "1.2.3.4, , 10.0.0.2");
  EXPECT_EQ(client_address(req, "127.0.0.1", proxies), "10.0.0.2");
}

} // namespace
} // namespace dots::http
