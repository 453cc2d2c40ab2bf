#include "http/api.hpp"
#include "http/app_fixture.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <optional>
#include <string>

// The API's handlers called as functions (no sockets), through the route
// table as the session calls them, against real actors on a temporary
// SQLite file.

namespace dots::http {
namespace {

namespace json = boost::json;
using bhttp::verb;

constexpr const char* board_json =
    R"({"name":"Table","rows":5,"cols":5,"dots":[)"
    R"({"row":0,"col":0,"color":"#ff0000"},{"row":0,"col":4,"color":"#ff0000"}]})";

constexpr const char* path_json =
    R"({"segments":[{"color":"#ff0000","cells":[[0,0],[0,1]]}]})";

/// Awaits `task` on `io` and keeps its value.
template <class T>
net::awaitable<void> keep(net::awaitable<T> task, std::optional<T>& out) {
  out.emplace(co_await std::move(task));
}

class Api : public test::app_test {
protected:
  Api() { ctx_ = make_app(); }

  /// Runs a coroutine on a fresh io_context until it is done.
  template <class T>
  T run(net::awaitable<T> task) {
    net::io_context io;
    auto work = net::make_work_guard(io);
    std::optional<T> out;
    net::co_spawn(io, keep(std::move(task), out), [&](std::exception_ptr e) {
      work.reset();
      if (e)
        std::rethrow_exception(e);
    });
    io.run();
    return std::move(*out);
  }

  static request make(verb m, const std::string& target,
                      const std::string& body = {},
                      const std::string& token = {}) {
    request req{m, target, 11};
    req.set(bhttp::field::host, "dots.test");
    if (!body.empty())
      req.set(bhttp::field::content_type, "application/json");
    if (!token.empty())
      req.set(bhttp::field::authorization, "Bearer " + token);
    req.body() = body;
    req.prepare_payload();
    return req;
  }

  /// The request answered as the session answers it.
  response send(const request& req) {
    auto out = run(answer(*ctx_, req, peer_));
    if (!std::holds_alternative<response>(out)) {
      ADD_FAILURE() << "not an in-memory response";
      return {};
    }
    return std::get<response>(std::move(out));
  }

  /// One handler called on its own, with what routing would give it.
  handler_result call(handler h, const request& req, std::int64_t board = 0) {
    const auto target = parse_target(req.target());
    const exchange x{*ctx_,        req,           target.path, board,
                     target.query, target.params, peer_};
    return run(h(x));
  }

  static json::object body_of(const response& res) {
    return json::parse(res.body()).as_object();
  }

  static std::string code_of(const response& res) {
    return std::string{
        body_of(res).at("error").as_object().at("code").as_string()};
  }

  static std::string field_of(const response& res) {
    const auto body = body_of(res);
    auto* f = body.at("error").as_object().if_contains("field");
    return f ? std::string{f->as_string()} : std::string{};
  }

  /// Registers and logs in `name`; its token.
  std::string sign_up(const std::string& name) {
    const auto creds =
        R"({"username":")" + name + R"(","password":"correct horse"})";
    auto reg = send(make(verb::post, "/api/auth/register", creds));
    EXPECT_EQ(reg.result_int(), 201) << reg.body();
    auto login = send(make(verb::post, "/api/auth/login", creds));
    EXPECT_EQ(login.result_int(), 200) << login.body();
    return std::string{body_of(login).at("token").as_string()};
  }

  std::int64_t create_board(const std::string& token) {
    auto res = send(make(verb::post, "/api/boards", board_json, token));
    EXPECT_EQ(res.result_int(), 201) << res.body();
    return body_of(res).at("id").as_int64();
  }

  const std::string peer_ = "127.0.0.1";
  std::unique_ptr<app_context> ctx_;
};

// -- operations ---------------------------------------------------------------

TEST_F(Api, HealthzAndReadyz) {
  auto health = send(make(verb::get, "/healthz"));
  EXPECT_EQ(health.result_int(), 200);
  EXPECT_EQ(body_of(health).at("status").as_string(), "ok");
  auto ready = send(make(verb::get, "/readyz"));
  EXPECT_EQ(ready.result_int(), 200);
  ctx_->draining = true;
  auto draining = send(make(verb::get, "/readyz"));
  EXPECT_EQ(draining.result_int(), 503);
  EXPECT_EQ(body_of(draining).at("status").as_string(), "unavailable");
  EXPECT_EQ(draining[bhttp::field::retry_after],
            std::to_string(readiness_retry_after.count()));
}

TEST_F(Api, MetricsArePrometheusText) {
  auto res = send(make(verb::get, "/metrics"));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bhttp::field::content_type], "text/plain; version=0.0.4");
  EXPECT_NE(res.body().find("dots_open_streams 0\n"), std::string::npos)
      << res.body();
}

// -- accounts -----------------------------------------------------------------

TEST_F(Api, RegisterLoginMeLogout) {
  const std::string creds =
      R"({"username":"alice","password":"correct horse"})";
  auto reg = send(make(verb::post, "/api/auth/register", creds));
  ASSERT_EQ(reg.result_int(), 201) << reg.body();
  EXPECT_EQ(body_of(reg).at("username").as_string(), "alice");
  const auto id = body_of(reg).at("id").as_int64();

  auto login = send(make(verb::post, "/api/auth/login", creds));
  ASSERT_EQ(login.result_int(), 200) << login.body();
  const auto token = std::string{body_of(login).at("token").as_string()};
  EXPECT_TRUE(login[bhttp::field::set_cookie].starts_with("session=" + token))
      << login[bhttp::field::set_cookie];

  auto me = send(make(verb::get, "/api/auth/me", {}, token));
  ASSERT_EQ(me.result_int(), 200) << me.body();
  EXPECT_EQ(body_of(me).at("id").as_int64(), id);

  auto out = send(make(verb::post, "/api/auth/logout", {}, token));
  EXPECT_EQ(out.result_int(), 204);
  EXPECT_TRUE(out[bhttp::field::set_cookie].starts_with("session=;"));
  auto after = send(make(verb::get, "/api/auth/me", {}, token));
  EXPECT_EQ(after.result_int(), 401);
}

TEST_F(Api, HeadOnMeIsGetWithoutTheBody) {
  const auto token = sign_up("alice");
  auto get = send(make(verb::get, "/api/auth/me", {}, token));
  auto head = send(make(verb::head, "/api/auth/me", {}, token));
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head.body(), get.body());
  auto wire = head_of(std::move(head));
  EXPECT_EQ(wire[bhttp::field::content_length],
            std::to_string(get.body().size()));
  EXPECT_EQ(wire[bhttp::field::content_type], "application/json");
}

TEST_F(Api, RegisterErrors) {
  const std::string creds =
      R"({"username":"alice","password":"correct horse"})";
  ASSERT_EQ(send(make(verb::post, "/api/auth/register", creds)).result_int(),
            201);
  auto taken = send(make(verb::post, "/api/auth/register", creds));
  EXPECT_EQ(taken.result_int(), 409);

  auto short_pw = send(make(verb::post, "/api/auth/register",
                            R"({"username":"bob","password":"short"})"));
  EXPECT_EQ(short_pw.result_int(), 400);
  EXPECT_EQ(code_of(short_pw), "invalid_password");
  EXPECT_EQ(field_of(short_pw), "password");

  auto bad_name = send(make(verb::post, "/api/auth/register",
                            R"({"username":"b!","password":"long enough"})"));
  EXPECT_EQ(bad_name.result_int(), 400);
  EXPECT_EQ(field_of(bad_name), "username");

  auto not_json = make(verb::post, "/api/auth/register", creds);
  not_json.set(bhttp::field::content_type, "text/plain");
  auto unsupported = send(not_json);
  EXPECT_EQ(unsupported.result_int(), 415);
  EXPECT_EQ(code_of(unsupported), "unsupported_media_type");

  auto malformed = send(make(verb::post, "/api/auth/register", "{"));
  EXPECT_EQ(malformed.result_int(), 400);
  EXPECT_EQ(code_of(malformed), "invalid_json");
}

TEST_F(Api, WrongPasswordIs401WithWwwAuthenticate) {
  sign_up("alice");
  auto res = send(make(verb::post, "/api/auth/login",
                       R"({"username":"alice","password":"wrong guess"})"));
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_EQ(res[bhttp::field::www_authenticate], "Bearer");
  EXPECT_EQ(res.count(bhttp::field::set_cookie), 0u);
}

TEST_F(Api, NoAccountIs401) {
  for (auto [m, target] : {std::pair{verb::get, "/api/auth/me"},
                           {verb::post, "/api/auth/logout"},
                           {verb::post, "/api/boards"},
                           {verb::get, "/api/boards?mine=1"},
                           {verb::get, "/api/boards/1/path"},
                           {verb::delete_, "/api/boards/1"}}) {
    auto res = send(make(m, target, m == verb::post ? board_json : ""));
    EXPECT_EQ(res.result_int(), 401) << target << " " << res.body();
    EXPECT_EQ(code_of(res), "authentication_required") << target;
    EXPECT_EQ(res[bhttp::field::www_authenticate], "Bearer");
  }
}

// -- boards -------------------------------------------------------------------

TEST_F(Api, BoardLifecycle) {
  const auto token = sign_up("alice");
  auto created = send(make(verb::post, "/api/boards", board_json, token));
  ASSERT_EQ(created.result_int(), 201) << created.body();
  const auto id = body_of(created).at("id").as_int64();
  EXPECT_EQ(created[bhttp::field::location],
            "/api/boards/" + std::to_string(id));
  EXPECT_EQ(body_of(created).at("creator_username").as_string(), "alice");

  const auto url = "/api/boards/" + std::to_string(id);
  auto got = send(make(verb::get, url));
  EXPECT_EQ(got.result_int(), 200);
  EXPECT_EQ(body_of(got).at("name").as_string(), "Table");

  auto renamed = std::string{board_json};
  renamed.replace(renamed.find("Table"), 5, "Other");
  auto updated = send(make(verb::put, url, renamed, token));
  EXPECT_EQ(updated.result_int(), 200) << updated.body();
  EXPECT_EQ(body_of(updated).at("name").as_string(), "Other");

  auto list = send(make(verb::get, "/api/boards?mine=1&limit=10", {}, token));
  ASSERT_EQ(list.result_int(), 200) << list.body();
  EXPECT_EQ(body_of(list).at("boards").as_array().size(), 1u);

  EXPECT_EQ(send(make(verb::delete_, url, {}, token)).result_int(), 204);
  auto gone = send(make(verb::get, url));
  EXPECT_EQ(gone.result_int(), 404);
  EXPECT_EQ(code_of(gone), "not_found");
}

TEST_F(Api, OnlyTheCreatorChangesABoard) {
  const auto alice = sign_up("alice");
  const auto bob = sign_up("bob");
  const auto url = "/api/boards/" + std::to_string(create_board(alice));
  EXPECT_EQ(send(make(verb::put, url, board_json, bob)).result_int(), 403);
  EXPECT_EQ(send(make(verb::delete_, url, {}, bob)).result_int(), 403);
}

TEST_F(Api, CookieWritesNeedAMatchingOrigin) {
  const auto token = sign_up("alice");
  auto req = make(verb::post, "/api/boards", board_json);
  req.set(bhttp::field::cookie, "session=" + token);
  req.set(bhttp::field::origin, "http://evil.example");
  auto evil = send(req);
  EXPECT_EQ(evil.result_int(), 403);
  EXPECT_EQ(code_of(evil), "origin_mismatch");
  req.set(bhttp::field::origin, "http://dots.test");
  EXPECT_EQ(send(req).result_int(), 201);
}

TEST_F(Api, BoardBodyErrorsNameTheField) {
  const auto token = sign_up("alice");
  auto wide = std::string{board_json};
  wide.replace(wide.find(R"("rows":5)"), 8, R"("rows":51)");
  auto res = send(make(verb::post, "/api/boards", wide, token));
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(field_of(res), "rows");
  auto text = make(verb::post, "/api/boards", board_json, token);
  text.set(bhttp::field::content_type, "text/plain");
  EXPECT_EQ(send(text).result_int(), 415);
}

TEST_F(Api, ListQueryErrorsNameTheParameter) {
  for (auto [query, field] : {std::pair{"limit=0", "limit"},
                              {"limit=101", "limit"},
                              {"limit=x", "limit"},
                              {"after=-1", "after"},
                              {"mine=2", "mine"}}) {
    auto res = send(make(verb::get, std::string{"/api/boards?"} + query));
    EXPECT_EQ(res.result_int(), 400) << query;
    EXPECT_EQ(code_of(res), "invalid_query") << query;
    EXPECT_EQ(field_of(res), field) << query;
  }
  auto malformed = send(make(verb::get, "/api/boards?limit=%zz"));
  EXPECT_EQ(malformed.result_int(), 400);
  EXPECT_EQ(code_of(malformed), "invalid_query");
}

TEST_F(Api, RepeatedSingleValuedParametersAre400NamingThem) {
  // Each of the list's parameters is single-valued: a repeat is refused,
  // whether the values differ, agree, or one of them is bad.
  const auto token = sign_up("alice");
  for (auto [query, field] : {std::pair{"limit=5&limit=nonsense", "limit"},
                              {"limit=5&limit=5", "limit"},
                              {"limit=5&%6Cimit=6", "limit"},
                              {"after=3&after=4", "after"},
                              {"limit=2&after=3&after=3", "after"},
                              {"mine=1&mine=0", "mine"},
                              {"mine=1&mine=1", "mine"}}) {
    auto res =
        send(make(verb::get, std::string{"/api/boards?"} + query, {}, token));
    EXPECT_EQ(res.result_int(), 400) << query;
    EXPECT_EQ(code_of(res), "invalid_query") << query;
    EXPECT_EQ(field_of(res), field) << query;
  }
  // Parameters the endpoint does not know are ignored, repeated or not.
  auto other = send(make(verb::get, "/api/boards?x=1&x=2&limit=5"));
  EXPECT_EQ(other.result_int(), 200) << other.body();
}

TEST_F(Api, StreamQueryRuleThroughTheRouter) {
  const std::string merged_target =
      "/sse/notifications/?events=boardDeleted&events=newBoard&board=1&board=2";
  // Lists merge: the stream is admitted with both filters, and HEAD agrees.
  auto merged = run(answer(*ctx_, make(verb::get, merged_target), peer_));
  ASSERT_TRUE(std::holds_alternative<stream_request>(merged));
  const auto& f = std::get<stream_request>(merged).filter;
  EXPECT_EQ(f.boards().size(), 2u);
  EXPECT_TRUE(
      f.passes(domain::frame{1, domain::event_type::new_board, 2, "x"}));
  EXPECT_TRUE(
      f.passes(domain::frame{2, domain::event_type::board_deleted, 1, "x"}));
  ctx_->metrics->open_streams.fetch_sub(1); // the slot admit_stream took
  EXPECT_EQ(send(make(verb::head, merged_target)).result_int(), 200);
  for (auto m : {verb::get, verb::head}) {
    // A single-valued one repeated is a 400 naming it.
    auto twice =
        send(make(m, "/sse/notifications/?lastEventId=1&lastEventId=2"));
    EXPECT_EQ(twice.result_int(), 400);
    EXPECT_EQ(field_of(twice), "lastEventId");
    // A Last-Event-ID header that is no event id is a 400 naming it.
    auto bad = make(m, "/sse/notifications/");
    bad.set("Last-Event-ID", "abc");
    auto res = send(bad);
    EXPECT_EQ(res.result_int(), 400);
    EXPECT_EQ(code_of(res), "invalid_header");
    EXPECT_EQ(field_of(res), "Last-Event-ID");
  }
  EXPECT_EQ(ctx_->metrics->open_streams.load(), 0);
}

// -- paths --------------------------------------------------------------------

TEST_F(Api, PathLifecycle) {
  const auto token = sign_up("alice");
  const auto url =
      "/api/boards/" + std::to_string(create_board(token)) + "/path";
  EXPECT_EQ(send(make(verb::get, url, {}, token)).result_int(), 404);
  auto first = send(make(verb::put, url, path_json, token));
  EXPECT_EQ(first.result_int(), 201) << first.body();
  auto again = send(make(verb::put, url, path_json, token));
  EXPECT_EQ(again.result_int(), 200) << again.body();
  auto got = send(make(verb::get, url, {}, token));
  EXPECT_EQ(got.result_int(), 200);
  EXPECT_FALSE(body_of(got).at("complete").as_bool());
  EXPECT_EQ(send(make(verb::delete_, url, {}, token)).result_int(), 204);
  EXPECT_EQ(send(make(verb::get, url, {}, token)).result_int(), 404);
}

TEST_F(Api, PathOnAMissingBoardIs404) {
  const auto token = sign_up("alice");
  auto res = send(make(verb::put, "/api/boards/999/path", path_json, token));
  EXPECT_EQ(res.result_int(), 404) << res.body();
}

// -- the stream's request
// --------------------------------------------------------

TEST_F(Api, StreamGetIsAdmittedAndHandedOn) {
  auto out = run(answer(*ctx_, make(verb::get, "/sse/notifications/"), peer_));
  EXPECT_TRUE(std::holds_alternative<stream_request>(out));
  // It holds a slot until run_stream gives it back.
  EXPECT_EQ(ctx_->metrics->open_streams.load(), 1);
}

TEST_F(Api, StreamHeadIsTheStreamsHeadWithoutASlot) {
  auto head = send(make(verb::head, "/sse/notifications/?events=newBoard"));
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[bhttp::field::content_type], "text/event-stream");
  EXPECT_EQ(head[bhttp::field::cache_control], "no-cache");
  EXPECT_EQ(head["X-Accel-Buffering"], "no");
  // The stream is close-delimited: no length to announce.
  EXPECT_EQ(head.count(bhttp::field::content_length), 0u);
  EXPECT_EQ(ctx_->metrics->open_streams.load(), 0);
}

TEST_F(Api, BadStreamFiltersAre400ForGetAndHead) {
  for (auto m : {verb::get, verb::head}) {
    auto res = send(make(m, "/sse/notifications/?events=nope"));
    EXPECT_EQ(res.result_int(), 400);
    EXPECT_EQ(code_of(res), "invalid_query");
    EXPECT_EQ(field_of(res), "events");
  }
  EXPECT_EQ(ctx_->metrics->open_streams.load(), 0);
}

// -- handlers as functions ----------------------------------------------------

TEST_F(Api, HandlersReturnTheirErrorsUnconverted) {
  auto req = make(verb::get, "/api/boards/42");
  auto res = call(api::get_board, req, 42);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().kind, domain::error_kind::not_found);

  auto list = make(verb::get, "/api/boards?limit=500");
  auto bad = call(api::list_boards, list);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "limit");
}

// -- routing around the handlers ----------------------------------------------

TEST_F(Api, UnknownPathsAre404) {
  for (auto target : {"/api/nope", "/api/boards/0", "/sse/other"}) {
    auto res = send(make(verb::get, target));
    EXPECT_EQ(res.result_int(), 404) << target;
    EXPECT_EQ(code_of(res), "not_found") << target;
  }
}

TEST_F(Api, MethodsAnEndpointDoesNotTakeAre405WithItsAllow) {
  for (auto [m, target, allow] :
       {std::tuple{verb::delete_, "/api/boards", "GET, HEAD, POST, OPTIONS"},
        {verb::post, "/api/boards/1", "GET, HEAD, PUT, DELETE, OPTIONS"},
        {verb::get, "/api/auth/login", "POST, OPTIONS"},
        {verb::post, "/api/auth/me", "GET, HEAD, OPTIONS"},
        {verb::patch, "/healthz", "GET, HEAD"}}) {
    auto res = send(make(m, target));
    EXPECT_EQ(res.result_int(), 405) << target;
    EXPECT_EQ(code_of(res), "method_not_allowed") << target;
    EXPECT_EQ(res[bhttp::field::allow], allow) << target;
  }
}

TEST_F(Api, WhatTheHeadDecidesComesBeforeAnyHandler) {
  // The order screen_head keeps, the same with or without
  // Expect: 100-continue: 405, then credentials, then the content type,
  // and only then the token's validity and the body.
  auto text = make(verb::post, "/api/boards", "not json", "no-such-token");
  text.set(bhttp::field::content_type, "text/plain");
  EXPECT_EQ(send(text).result_int(), 415);
  auto anonymous = make(verb::post, "/api/boards", "not json");
  anonymous.set(bhttp::field::content_type, "text/plain");
  EXPECT_EQ(send(anonymous).result_int(), 401);
  auto json = make(verb::post, "/api/boards", "not json", "no-such-token");
  EXPECT_EQ(send(json).result_int(), 401);
}

TEST_F(Api, A405ComesBeforeAuthentication) {
  // No account, and the route still answers first.
  auto res = send(make(verb::patch, "/api/boards/1"));
  EXPECT_EQ(res.result_int(), 405);
}

} // namespace
} // namespace dots::http
