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
