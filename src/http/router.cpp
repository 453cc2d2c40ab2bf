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
  BOOST_OUTCOME_CO_TRY(auto admitted, admit_stream(x.ctx, x.req, x.query));
  co_return reply{std::move(admitted)};
}

/// HEAD on the stream: the head a GET starts with, without taking a
/// stream slot, so it never answers the 503 of a full server.
boost::asio::awaitable<handler_result> stream_head(const exchange& x) {
  BOOST_OUTCOME_CO_TRY(parse_stream_request(x.req, x.query));
  response res{bhttp::status::ok, x.req.version()};
  set_stream_head_fields(res);
  res.keep_alive(x.req.keep_alive());
  co_return reply{std::move(res)};
}

// -- the table ----------------------------------------------------------------

const std::array<endpoint, 13> table{{
    {.pattern = "/healthz", .get = api::healthz},
    {.pattern = "/readyz", .get = api::readyz},
    {.pattern = "/metrics", .get = metrics},
    {.pattern = "/sse/notifications/", .get = open_stream, .head = stream_head},
    {.pattern = "/sse/notifications", .get = open_stream, .head = stream_head},
    {.pattern = "/api/auth/register", .post = api::register_user},
    {.pattern = "/api/auth/login", .post = api::login},
    {.pattern = "/api/auth/logout", .post = api::logout},
    {.pattern = "/api/auth/me", .get = api::me},
    {.pattern = "/api/boards",
     .get = api::list_boards,
     .post = api::create_board},
    {.pattern = "/api/boards/{id}",
     .get = api::get_board,
     .put = api::update_board,
     .del = api::delete_board},
    {.pattern = "/api/boards/{id}/path",
     .get = api::get_path,
     .put = api::save_path,
     .del = api::delete_path},
    {.pattern = "/*", .get = static_file},
}};

/// Each endpoint's Allow, computed once from its handlers.
const std::array<std::string, table.size()>& allow_lists() {
  static const auto lists = [] {
    std::array<std::string, table.size()> out;
    constexpr std::array methods{verb::get, verb::head, verb::post, verb::put,
                                 verb::delete_};
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

boost::asio::awaitable<reply> answer(app_context& ctx, const request& req,
                                     const std::string& peer) {
  const auto target = parse_target(req.target());
  const auto r = match_route(target.path);
  auto h = pick_handler(r, req.method(), target);
  if (h) {
    const exchange x{ctx,          req,           target.path, r.board_id,
                     target.query, target.params, peer};
    auto out = co_await h.value()(x);
    if (out.has_value())
      co_return std::move(out).value();
    co_return error_response(req, out.error(), allow_of(*r.to));
  }
  co_return error_response(req, h.error(), r.to ? allow_of(*r.to) : "");
}

domain::result<handler> pick_handler(const route& r, verb method,
                                     const request_target& target) {
  if (r.to == nullptr)
    return domain::not_found("no such resource");
  auto h = handler_for(*r.to, method);
  if (h == nullptr)
    return method_not_allowed(allow_of(*r.to));
  if (!target.well_formed)
    return malformed_target();
  return h;
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
