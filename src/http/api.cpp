#include "http/api.hpp"

#include "domain/json.hpp"
#include "domain/rules.hpp"
#include "http/ask.hpp"
#include "http/auth.hpp"
#include "http/responses.hpp"

#include <boost/json/object.hpp>

namespace dots::http {

namespace {

using domain::error;
using domain::error_kind;
using domain::result;
namespace json = boost::json;

error failure(error_kind kind, std::string code, std::string message,
              std::string field = {}) {
  return error{kind, std::move(code), std::move(message), std::move(field)};
}

/// Awaits a persistence actor; an actor that does not answer becomes 503.
/// Callers build the request as a named local first: GCC 12 mis-copies
/// temporaries with strings that are made inside a co_await expression.
template <class T, class Handle, class Request>
net::awaitable<result<T>> call(app_context& ctx, const Handle& dest,
                               const Request& req) {
  auto reply = co_await http::ask<result<T>>(ctx.sys, dest, req);
  if (!reply)
    co_return failure(error_kind::unavailable, "unavailable",
                      "the server is busy or shutting down; try again");
  co_return std::move(*reply);
}

/// 200 with the value as JSON, or the error's response.
template <class T>
response reply(const request& req, const result<T>& r) {
  if (!r)
    return error_response(req, r.error());
  return json_response(req, bhttp::status::ok, domain::to_json(r.value()));
}

/// 204, or the error's response.
response reply(const request& req, const result<void>& r) {
  if (!r)
    return error_response(req, r.error());
  return empty_response(req, bhttp::status::no_content);
}

/// The caller's account, or the 401/403 to answer with.
net::awaitable<result<domain::user>> caller(app_context& ctx,
                                            const request& req) {
  auto presented = find_credentials(req);
  if (!presented)
    co_return std::move(presented).error();
  if (presented.value().from_cookie && is_unsafe(req.method()) &&
      !origin_matches(req))
    co_return failure(error_kind::forbidden, "origin_mismatch",
                      "a cookie-authenticated request must come from this "
                      "site (Origin does not match Host)");
  auto ask = actors::authenticate{presented.value().token};
  co_return co_await call<domain::user>(ctx, ctx.accounts, ask);
}

/// The JSON body of an unsafe request: 415 unless it is application/json.
result<json::value> json_body(const request& req) {
  if (!is_json_content_type(req[bhttp::field::content_type]))
    return failure(error_kind::unsupported_type, "unsupported_media_type",
                   "the body must be JSON (Content-Type: application/json)");
  return domain::parse_json(req.body());
}

// -- accounts -----------------------------------------------------------------

net::awaitable<response> register_user(app_context& ctx, const request& req) {
  auto body = json_body(req);
  if (!body)
    co_return error_response(req, body.error());
  auto creds = domain::credentials_from_json(body.value());
  if (!creds)
    co_return error_response(req, creds.error());
  auto name = domain::validate_username(creds.value().username);
  if (!name)
    co_return error_response(req, name.error());
  if (auto pw = domain::validate_password(creds.value().password); !pw)
    co_return error_response(req, pw.error());
  auto ask = actors::register_user{std::move(name.value()),
                                   std::move(creds.value().password)};
  auto u = co_await call<domain::user>(ctx, ctx.accounts, ask);
  if (!u)
    co_return error_response(req, u.error());
  co_return json_response(req, bhttp::status::created,
                          domain::to_json(u.value()));
}

net::awaitable<response> login(app_context& ctx, const request& req,
                               const std::string& client) {
  auto body = json_body(req);
  if (!body)
    co_return error_response(req, body.error());
  auto creds = domain::credentials_from_json(body.value());
  if (!creds)
    co_return error_response(req, creds.error());
  auto ask = actors::login{std::move(creds.value().username),
                           std::move(creds.value().password), client};
  auto session = co_await call<actors::session_token>(ctx, ctx.accounts, ask);
  if (!session)
    co_return error_response(req, session.error());
  json::object out;
  out["token"] = session.value().token;
  out["username"] = session.value().user.username;
  auto res = json_response(req, bhttp::status::ok, out);
  res.set(bhttp::field::set_cookie, session_cookie(session.value().token));
  co_return res;
}

net::awaitable<response> logout(app_context& ctx, const request& req) {
  auto u = co_await caller(ctx, req);
  if (!u)
    co_return error_response(req, u.error());
  auto presented = find_credentials(req);
  auto ask = actors::logout{std::move(presented.value().token)};
  auto done = co_await call<void>(ctx, ctx.accounts, ask);
  if (!done)
    co_return error_response(req, done.error());
  auto res = empty_response(req, bhttp::status::no_content);
  res.set(bhttp::field::set_cookie, expired_session_cookie());
  co_return res;
}

net::awaitable<response> me(app_context& ctx, const request& req) {
  auto u = co_await caller(ctx, req);
  co_return reply(req, u);
}

// -- boards -------------------------------------------------------------------

/// `mine`, `limit` and `after` of the board list; 400 for values it does
/// not know.
result<actors::list_boards> list_query(std::string_view query) {
  auto params = parse_query(query);
  if (!params)
    return failure(error_kind::invalid, "invalid_query",
                   "the query string is malformed");
  actors::list_boards out;
  if (auto it = params->find("limit"); it != params->end()) {
    auto n = parse_id(it->second);
    if (!n || *n > 100)
      return failure(error_kind::invalid, "invalid_query",
                     "limit must be an integer from 1 to 100", "limit");
    out.limit = static_cast<int>(*n);
  }
  if (auto it = params->find("after"); it != params->end()) {
    auto n = parse_id(it->second);
    if (!n)
      return failure(error_kind::invalid, "invalid_query",
                     "after must be a board id", "after");
    out.after = *n;
  }
  if (auto it = params->find("mine"); it != params->end()) {
    const auto& v = it->second;
    if (v == "1" || v == "true")
      out.creator_id = -1; // resolved to the caller below
    else if (v != "0" && v != "false")
      return failure(error_kind::invalid, "invalid_query",
                     "mine must be 1 or 0", "mine");
  }
  return out;
}

net::awaitable<response> list_boards(app_context& ctx, const request& req,
                                     const route& r) {
  auto q = list_query(r.query);
  if (!q)
    co_return error_response(req, q.error());
  if (q.value().creator_id != 0) {
    auto u = co_await caller(ctx, req);
    if (!u)
      co_return error_response(req, u.error());
    q.value().creator_id = u.value().id;
  }
  auto ask = q.value();
  auto answer = co_await call<domain::board_page>(ctx, ctx.boards, ask);
  co_return reply(req, answer);
}

/// A validated board draft from the body of `req`.
result<domain::board_draft> board_body(const request& req) {
  auto body = json_body(req);
  if (!body)
    return std::move(body).error();
  auto draft = domain::board_draft_from_json(body.value());
  if (!draft)
    return std::move(draft).error();
  return domain::validate_board(std::move(draft.value()));
}

net::awaitable<response> create_board(app_context& ctx, const request& req) {
  auto u = co_await caller(ctx, req);
  if (!u)
    co_return error_response(req, u.error());
  auto draft = board_body(req);
  if (!draft)
    co_return error_response(req, draft.error());
  auto ask = actors::create_board{u.value(), std::move(draft.value())};
  auto b = co_await call<domain::board>(ctx, ctx.boards, ask);
  if (!b)
    co_return error_response(req, b.error());
  auto res =
      json_response(req, bhttp::status::created, domain::to_json(b.value()));
  res.set(bhttp::field::location,
          "/api/boards/" + std::to_string(b.value().id));
  co_return res;
}

net::awaitable<response> board(app_context& ctx, const request& req,
                               const route& r) {
  if (req.method() == bhttp::verb::get) {
    auto ask = actors::get_board{r.board_id};
    auto answer = co_await call<domain::board>(ctx, ctx.boards, ask);
    co_return reply(req, answer);
  }
  auto u = co_await caller(ctx, req);
  if (!u)
    co_return error_response(req, u.error());
  if (req.method() == bhttp::verb::delete_) {
    auto ask = actors::delete_board{u.value(), r.board_id};
    auto answer = co_await call<void>(ctx, ctx.boards, ask);
    co_return reply(req, answer);
  }
  auto draft = board_body(req);
  if (!draft)
    co_return error_response(req, draft.error());
  auto ask =
      actors::update_board{u.value(), r.board_id, std::move(draft.value())};
  auto answer = co_await call<domain::board>(ctx, ctx.boards, ask);
  co_return reply(req, answer);
}

// -- paths --------------------------------------------------------------------

net::awaitable<response> board_path(app_context& ctx, const request& req,
                                    const route& r) {
  auto u = co_await caller(ctx, req);
  if (!u)
    co_return error_response(req, u.error());
  if (req.method() == bhttp::verb::get) {
    auto ask = actors::get_path{u.value(), r.board_id};
    auto answer = co_await call<domain::path>(ctx, ctx.paths, ask);
    co_return reply(req, answer);
  }
  if (req.method() == bhttp::verb::delete_) {
    auto ask = actors::delete_path{u.value(), r.board_id};
    auto answer = co_await call<void>(ctx, ctx.paths, ask);
    co_return reply(req, answer);
  }
  auto body = json_body(req);
  if (!body)
    co_return error_response(req, body.error());
  auto segments = domain::segments_from_json(body.value());
  if (!segments)
    co_return error_response(req, segments.error());
  auto ask =
      actors::save_path{u.value(), r.board_id, std::move(segments.value())};
  auto saved = co_await call<actors::path_saved>(ctx, ctx.paths, ask);
  if (!saved)
    co_return error_response(req, saved.error());
  co_return json_response(
      req, saved.value().created ? bhttp::status::created : bhttp::status::ok,
      domain::to_json(saved.value().path));
}

// -- operations ---------------------------------------------------------------

response probe(const request& req, bool ok) {
  json::object body;
  body["status"] = ok ? "ok" : "unavailable";
  auto res = json_response(
      req, ok ? bhttp::status::ok : bhttp::status::service_unavailable, body);
  if (!ok)
    res.set(bhttp::field::retry_after, "5");
  return res;
}

} // namespace

net::awaitable<response> handle_api(app_context& ctx, const request& req,
                                    const route& r, const std::string& client) {
  if (!r.method_allowed) {
    auto res =
        error_response(req, failure(error_kind::invalid, "method_not_allowed",
                                    std::string{"this endpoint allows "} +
                                        std::string{r.allow}));
    res.result(bhttp::status::method_not_allowed);
    res.set(bhttp::field::allow, r.allow);
    co_return res;
  }
  switch (r.id) {
  case route_id::healthz:
    co_return probe(req, true);
  case route_id::readyz:
    co_return probe(req, ctx.ready.load() && !ctx.draining.load() &&
                             ctx.database_reachable.load());
  case route_id::auth_register:
    co_return co_await register_user(ctx, req);
  case route_id::auth_login:
    co_return co_await login(ctx, req, client);
  case route_id::auth_logout:
    co_return co_await logout(ctx, req);
  case route_id::auth_me:
    co_return co_await me(ctx, req);
  case route_id::boards:
    if (req.method() == bhttp::verb::get)
      co_return co_await list_boards(ctx, req, r);
    co_return co_await create_board(ctx, req);
  case route_id::board:
    co_return co_await board(ctx, req, r);
  case route_id::board_path:
    co_return co_await board_path(ctx, req, r);
  default:
    break;
  }
  co_return error_response(req, domain::not_found("no such resource"));
}

} // namespace dots::http
