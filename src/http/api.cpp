#include "http/api.hpp"

#include "domain/json.hpp"
#include "domain/rules.hpp"
#include "http/ask.hpp"
#include "http/auth.hpp"
#include "http/query.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"

#include <boost/json/object.hpp>

namespace dots::http::api {

namespace {

using domain::error;
using domain::error_kind;
using domain::result;
namespace json = boost::json;

/// Awaits a persistence actor; an actor that does not answer becomes 503.
/// Callers build the request as a named local first: GCC 12 mis-copies
/// temporaries with strings that are made inside a co_await expression.
template <class T, class Handle, class Request>
net::awaitable<result<T>> call(const exchange& x, const Handle& dest,
                               const Request& req) {
  auto reply = co_await http::ask<result<T>>(x.ctx.sys, dest, req);
  if (!reply)
    co_return error{error_kind::unavailable,
                    "unavailable",
                    "the server is busy or shutting down; try again",
                    {}};
  co_return std::move(*reply);
}

reply json_reply(const exchange& x, bhttp::status status,
                 const json::value& body) {
  return json_response(x.req, status, body);
}

reply no_content(const exchange& x) {
  return empty_response(x.req, bhttp::status::no_content);
}

/// The caller's account, or the 401/403 to answer with.
net::awaitable<result<domain::user>> caller(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto presented, credentials_of(x.req));
  auto ask = actors::authenticate{std::move(presented.token)};
  co_return co_await call<domain::user>(x, x.ctx.accounts, ask);
}

/// The JSON body of an unsafe request: 415 unless it is application/json.
result<json::value> json_body(const request& req) {
  if (!is_json_content_type(req[bhttp::field::content_type]))
    return unsupported_json_type();
  return domain::parse_json(req.body());
}

/// A validated board draft from the body of `req`.
result<domain::board_draft> board_body(const request& req) {
  BOOST_OUTCOME_TRY(auto body, json_body(req));
  BOOST_OUTCOME_TRY(auto draft, domain::board_draft_from_json(body));
  return domain::validate_board(std::move(draft));
}

error bad_query(std::string message, std::string field) {
  return domain::invalid("invalid_query", std::move(message), std::move(field));
}

/// `mine`, `limit` and `after` of the board list; 400 for values it does
/// not know, and for any of them given twice (each is single-valued: the
/// query rule of query.hpp).
result<actors::list_boards> list_query(const query_params& params) {
  actors::list_boards out;
  BOOST_OUTCOME_TRY(auto limit, params.single("limit"));
  if (limit) {
    auto n = parse_id(*limit);
    if (!n || *n > 100)
      return bad_query("limit must be an integer from 1 to 100", "limit");
    out.limit = static_cast<int>(*n);
  }
  BOOST_OUTCOME_TRY(auto after, params.single("after"));
  if (after) {
    auto n = parse_id(*after);
    if (!n)
      return bad_query("after must be a board id", "after");
    out.after = *n;
  }
  BOOST_OUTCOME_TRY(auto mine, params.single("mine"));
  if (mine) {
    if (*mine == "1" || *mine == "true")
      out.creator_id = -1; // resolved to the caller below
    else if (*mine != "0" && *mine != "false")
      return bad_query("mine must be 1 or 0", "mine");
  }
  return out;
}

reply probe(const exchange& x, bool ok) {
  json::object body;
  body["status"] = ok ? "ok" : "unavailable";
  auto res = json_response(
      x.req, ok ? bhttp::status::ok : bhttp::status::service_unavailable, body);
  if (!ok)
    res.set(bhttp::field::retry_after,
            std::to_string(readiness_retry_after.count()));
  return res;
}

} // namespace

// -- operations
// ----------------------------------------------------------------

task healthz(const exchange& x) {
  co_return probe(x, true);
}

task readyz(const exchange& x) {
  const auto& ctx = x.ctx;
  co_return probe(x, ctx.ready.load() && !ctx.draining.load() &&
                         ctx.database_reachable.load());
}

// -- accounts -----------------------------------------------------------------

task register_user(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto body, json_body(x.req));
  BOOST_OUTCOME_CO_TRY(auto creds, domain::credentials_from_json(body));
  BOOST_OUTCOME_CO_TRY(auto name, domain::validate_username(creds.username));
  BOOST_OUTCOME_CO_TRY(domain::validate_password(creds.password));
  auto ask = actors::register_user{std::move(name), std::move(creds.password)};
  BOOST_OUTCOME_CO_TRY(auto u,
                       co_await call<domain::user>(x, x.ctx.accounts, ask));
  co_return json_reply(x, bhttp::status::created, domain::to_json(u));
}

task login(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto body, json_body(x.req));
  BOOST_OUTCOME_CO_TRY(auto creds, domain::credentials_from_json(body));
  // Per request: a proxy's connection carries many clients' requests.
  auto client = client_address(x.req, x.peer, x.ctx.trusted_proxies);
  auto ask = actors::login{std::move(creds.username), std::move(creds.password),
                           std::move(client)};
  BOOST_OUTCOME_CO_TRY(auto session, co_await call<actors::session_token>(
                                         x, x.ctx.accounts, ask));
  json::object out;
  out["token"] = session.token;
  out["username"] = session.user.username;
  auto res = json_response(x.req, bhttp::status::ok, out);
  res.set(bhttp::field::set_cookie, session_cookie(session.token));
  co_return reply{std::move(res)};
}

task logout(const exchange& x) {
  // Only a token that works (401 otherwise) is ended.
  BOOST_OUTCOME_CO_TRY(co_await caller(x));
  BOOST_OUTCOME_CO_TRY(auto presented, find_credentials(x.req));
  auto ask = actors::logout{std::move(presented.token)};
  BOOST_OUTCOME_CO_TRY(co_await call<void>(x, x.ctx.accounts, ask));
  auto res = empty_response(x.req, bhttp::status::no_content);
  res.set(bhttp::field::set_cookie, expired_session_cookie());
  co_return reply{std::move(res)};
}

task me(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto u, co_await caller(x));
  co_return json_reply(x, bhttp::status::ok, domain::to_json(u));
}

// -- boards -------------------------------------------------------------------

task list_boards(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto ask, list_query(x.params));
  if (ask.creator_id != 0) {
    BOOST_OUTCOME_CO_TRY(auto u, co_await caller(x));
    ask.creator_id = u.id;
  }
  BOOST_OUTCOME_CO_TRY(auto page,
                       co_await call<domain::board_page>(x, x.ctx.boards, ask));
  co_return json_reply(x, bhttp::status::ok, domain::to_json(page));
}

task create_board(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto u, co_await caller(x));
  BOOST_OUTCOME_CO_TRY(auto draft, board_body(x.req));
  auto ask = actors::create_board{std::move(u), std::move(draft)};
  BOOST_OUTCOME_CO_TRY(auto b,
                       co_await call<domain::board>(x, x.ctx.boards, ask));
  auto res = json_response(x.req, bhttp::status::created, domain::to_json(b));
  res.set(bhttp::field::location, "/api/boards/" + std::to_string(b.id));
  co_return reply{std::move(res)};
}

task get_board(const exchange& x) {
  auto ask = actors::get_board{x.board_id};
  BOOST_OUTCOME_CO_TRY(auto b,
                       co_await call<domain::board>(x, x.ctx.boards, ask));
  co_return json_reply(x, bhttp::status::ok, domain::to_json(b));
}

task update_board(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto u, co_await caller(x));
  BOOST_OUTCOME_CO_TRY(auto draft, board_body(x.req));
  auto ask = actors::update_board{std::move(u), x.board_id, std::move(draft)};
  BOOST_OUTCOME_CO_TRY(auto b,
                       co_await call<domain::board>(x, x.ctx.boards, ask));
  co_return json_reply(x, bhttp::status::ok, domain::to_json(b));
}

task delete_board(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto u, co_await caller(x));
  auto ask = actors::delete_board{std::move(u), x.board_id};
  BOOST_OUTCOME_CO_TRY(co_await call<void>(x, x.ctx.boards, ask));
  co_return no_content(x);
}

// -- paths --------------------------------------------------------------------

task get_path(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto u, co_await caller(x));
  auto ask = actors::get_path{std::move(u), x.board_id};
  BOOST_OUTCOME_CO_TRY(auto p,
                       co_await call<domain::path>(x, x.ctx.paths, ask));
  co_return json_reply(x, bhttp::status::ok, domain::to_json(p));
}

task save_path(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto u, co_await caller(x));
  BOOST_OUTCOME_CO_TRY(auto body, json_body(x.req));
  BOOST_OUTCOME_CO_TRY(auto segments, domain::segments_from_json(body));
  auto ask = actors::save_path{std::move(u), x.board_id, std::move(segments)};
  BOOST_OUTCOME_CO_TRY(auto saved,
                       co_await call<actors::path_saved>(x, x.ctx.paths, ask));
  co_return json_reply(
      x, saved.created ? bhttp::status::created : bhttp::status::ok,
      domain::to_json(saved.path));
}

task delete_path(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto u, co_await caller(x));
  auto ask = actors::delete_path{std::move(u), x.board_id};
  BOOST_OUTCOME_CO_TRY(co_await call<void>(x, x.ctx.paths, ask));
  co_return no_content(x);
}

} // namespace dots::http::api
