#include "http/router.hpp"

#include "http/api.hpp"
#include "http/metrics_page.hpp"
#include "http/responses.hpp"
#include "http/sse_endpoint.hpp"
#include "http/static_files.hpp"

#include <array>
#include <charconv>

namespace dots::http {

namespace {

using boost::beast::http::verb;

// -- handlers that are not coroutines of their own --------------------------

boost::asio::awaitable<handler_result> metrics(const exchange& x) {
  co_return reply{metrics_page(x.ctx, x.req)};
}

boost::asio::awaitable<handler_result> static_file(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto file, serve_static(x.ctx.web_dir, x.req, x.path));
  co_return reply{std::move(file)};
}

/// GET on the stream: admits it (400 for bad filters, 503 at capacity);
/// the session then hands the socket to run_stream.
boost::asio::awaitable<handler_result> open_stream(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(auto admitted, admit_stream(x.ctx, x.req, x.params));
  co_return reply{std::move(admitted)};
}

/// HEAD on the stream: the head a GET starts with, without taking a
/// stream slot, so it never answers the 503 of a full server.
boost::asio::awaitable<handler_result> stream_head(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(parse_stream_request(x.req, x.params));
  response res{bhttp::status::ok, x.req.version()};
  set_stream_head_fields(res);
  res.keep_alive(x.req.keep_alive());
  co_return reply{std::move(res)};
}

/// OPTIONS on the API and the stream: 204 with the endpoint's Allow (RFC
/// 9110 section 9.3.7). answer() adds the CORS fields, and for a preflight
/// from an allowed origin the preflight's; a preflight from any other
/// origin gets this same plain answer, with no CORS field. The browser then
/// refuses the cross-origin request itself, as it would on a 403, but the
/// answer stays the one any OPTIONS gets: it tells the page nothing about
/// which origins are listed, and a non-browser client still reads Allow.
boost::asio::awaitable<handler_result> options(const exchange& x) {
  auto res = empty_response(x.req, bhttp::status::no_content);
  res.set(bhttp::field::allow, allow_of(*match_route(x.path).to));
  co_return reply{std::move(res)};
}

/// Sets the CORS fields `grant` holds on an answer to `req`, reached
/// through `to` (nullptr: no endpoint).
void add_cors(reply& out, const cors_grant& grant, const request& req,
              const endpoint* to) {
  if (auto* res = std::get_if<response>(&out)) {
    set_cors_fields(grant, *res);
    if (!grant.allow_origin.empty() && to != nullptr && is_preflight(req) &&
        res->result() == bhttp::status::no_content)
      set_preflight_fields(allow_of(*to), *res);
  } else if (auto* stream = std::get_if<stream_request>(&out)) {
    stream->cors = grant;
  }
  // A file_response is the browser app's: never cross-origin.
}

// -- the table ----------------------------------------------------------------

// What each method's handler checks first, for screen_head.
constexpr method_set on_get = method_bit(verb::get);
constexpr method_set on_head = method_bit(verb::head);
constexpr method_set on_post = method_bit(verb::post);
constexpr method_set on_put = method_bit(verb::put);
constexpr method_set on_delete = method_bit(verb::delete_);

const std::array<endpoint, 13> table{{
    {.pattern = "/healthz", .get = api::healthz},
    {.pattern = "/readyz", .get = api::readyz},
    {.pattern = "/metrics", .get = metrics},
    {.pattern = "/sse/notifications/", .get = open_stream, .head = stream_head},
    {.pattern = "/sse/notifications", .get = open_stream, .head = stream_head},
    {.pattern = "/api/auth/register",
     .post = api::register_user,
     .json_body = on_post},
    {.pattern = "/api/auth/login", .post = api::login, .json_body = on_post},
    {.pattern = "/api/auth/logout", .post = api::logout, .account = on_post},
    {.pattern = "/api/auth/me", .get = api::me, .account = on_get | on_head},
    // Listing is public; `mine=1` needs an account, which only the query
    // says, so the handler asks for it.
    {.pattern = "/api/boards",
     .get = api::list_boards,
     .post = api::create_board,
     .account = on_post,
     .json_body = on_post},
    {.pattern = "/api/boards/{id}",
     .get = api::get_board,
     .put = api::update_board,
     .del = api::delete_board,
     .account = on_put | on_delete,
     .json_body = on_put},
    {.pattern = "/api/boards/{id}/path",
     .get = api::get_path,
     .put = api::save_path,
     .del = api::delete_path,
     .account = on_get | on_head | on_put | on_delete,
     .json_body = on_put},
    {.pattern = "/*", .get = static_file},
}};

/// Each endpoint's Allow, computed once from its handlers.
const std::array<std::string, table.size()>& allow_lists() {
  static const auto lists = [] {
    std::array<std::string, table.size()> out;
    constexpr std::array methods{verb::get, verb::head,    verb::post,
                                 verb::put, verb::delete_, verb::options};
    for (std::size_t i = 0; i < table.size(); ++i)
      for (auto m : methods)
        if (handler_for(table[i], m) != nullptr) {
          if (!out[i].empty())
            out[i] += ", ";
          out[i] += boost::beast::http::to_string(m);
        }
    return out;
  }();
  return lists;
}

bool matches(std::string_view pattern, std::string_view path,
             std::int64_t& id) {
  if (pattern == "/*")
    return !path.starts_with("/api/") && !path.starts_with("/sse/");
  constexpr std::string_view slot = "{id}";
  const auto at = pattern.find(slot);
  if (at == std::string_view::npos)
    return path == pattern;
  const auto prefix = pattern.substr(0, at);
  const auto suffix = pattern.substr(at + slot.size());
  if (!path.starts_with(prefix))
    return false;
  auto rest = path.substr(prefix.size());
  const auto end = rest.find('/');
  const auto value = parse_id(rest.substr(0, end));
  if (!value ||
      rest.substr(end == std::string_view::npos ? rest.size() : end) != suffix)
    return false;
  id = *value;
  return true;
}

} // namespace

cors_grant cors_grant_of(const app_context& ctx, const request& req) {
  return grant_cors(ctx.cors, req[bhttp::field::origin],
                    cors_scope_of(parse_target(req.target()).path));
}

boost::asio::awaitable<reply> answer(app_context& ctx, const request& req,
                                     const std::string& peer) {
  const auto target = parse_target(req.target());
  const auto r = match_route(target.path);
  auto h = screen_head(r, target, req);
  reply out = response{};
  if (h) {
    const exchange x{ctx,          req,           target.path, r.board_id,
                     target.query, target.params, peer};
    auto got = co_await h.value()(x);
    out = got.has_value()
              ? std::move(got).value()
              : reply{error_response(req, got.error(), allow_of(*r.to))};
  } else {
    out = error_response(req, h.error(), r.to ? allow_of(*r.to) : "");
  }
  const auto grant = grant_cors(ctx.cors, req[bhttp::field::origin],
                                cors_scope_of(target.path));
  if (!grant.empty())
    add_cors(out, grant, req, r.to);
  co_return out;
}

domain::result<presented_token> credentials_of(const request& req) {
  BOOST_OUTCOME_TRY(auto presented, find_credentials(req));
  if (presented.from_cookie && is_unsafe(req.method()) && !origin_matches(req))
    return domain::error{domain::error_kind::forbidden,
                         "origin_mismatch",
                         "a cookie-authenticated request must come from this "
                         "site (Origin does not match Host)",
                         {}};
  return presented;
}

domain::error unsupported_json_type() {
  return domain::error{domain::error_kind::unsupported_type,
                       "unsupported_media_type",
                       "the body must be JSON (Content-Type: application/json)",
                       {}};
}

domain::result<handler> screen_head(const route& r, const request_target& t,
                                    const request& head) {
  if (r.to == nullptr)
    return domain::not_found("no such resource");
  const auto method = head.method();
  auto h = handler_for(*r.to, method);
  if (h == nullptr)
    return method_not_allowed(allow_of(*r.to));
  if (!t.well_formed)
    return malformed_target();
  if (r.to->account & method_bit(method)) {
    BOOST_OUTCOME_TRY(credentials_of(head));
  }
  if ((r.to->json_body & method_bit(method)) &&
      !is_json_content_type(head[bhttp::field::content_type]))
    return unsupported_json_type();
  return h;
}

cors_scope cors_scope_of(std::string_view path) {
  if (path.starts_with("/api/"))
    return cors_scope::api;
  if (path.starts_with("/sse/"))
    return cors_scope::stream;
  return cors_scope::none;
}

std::span<const endpoint> route_table() {
  return table;
}

handler handler_for(const endpoint& e, verb method) {
  switch (method) {
  case verb::get:
    return e.get;
  case verb::head:
    return e.head != nullptr ? e.head : e.get;
  case verb::post:
    return e.post;
  case verb::put:
    return e.put;
  case verb::delete_:
    return e.del;
  case verb::options:
    return cors_scope_of(e.pattern) != cors_scope::none ? options : nullptr;
  default:
    return nullptr;
  }
}

std::string_view allow_of(const endpoint& e) {
  return allow_lists()[static_cast<std::size_t>(&e - table.data())];
}

route match_route(std::string_view path) {
  for (const auto& e : table) {
    std::int64_t id = 0;
    if (matches(e.pattern, path, id))
      return route{&e, id};
  }
  return {};
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 19 || text.front() == '0')
    return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value <= 0)
    return std::nullopt;
  return value;
}

} // namespace dots::http
