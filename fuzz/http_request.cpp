// Fuzz target: HTTP requests from raw bytes up to the point where a handler
// would call an actor.
//
// The input is what a client writes on a connection: one request or several
// pipelined ones. They are read as run_session reads them (session.cpp):
// Beast's request parser with the server's default limits (http_limits in
// context.hpp), over a stream that hands the bytes over in uneven pieces,
// the buffer's leftovers starting the next request while the client keeps
// the connection alive. Each request then takes answer()'s routing decision
// (router.cpp: parse_target, match_route, screen_head) and, on the
// endpoint it reaches, the checks its handler makes before it asks an actor,
// in the handler's order (api.cpp): credentials (auth.cpp), the Origin of
// cookie-authenticated writes, the content type, the JSON body and its
// rules (domain/json.cpp, rules.cpp), query parameters (query.hpp), the
// stream's filters and Last-Event-ID (sse_endpoint.cpp
// parse_stream_request), static file names (static_files.cpp). Actors are
// never called: handlers themselves do not run. Every error met becomes
// its response through error_response, whose body must be JSON (well-formed
// UTF-8 included) with the status its kind maps to.

#include "check.hpp"
#include "domain/json.hpp"
#include "domain/rules.hpp"
#include "http/auth.hpp"
#include "http/context.hpp"
#include "http/query.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "http/sse_endpoint.hpp"
#include "http/static_files.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace {

using namespace dots;
using namespace dots::http;
namespace json = boost::json;

// -- the connection
// ------------------------------------------------------------

/// A SyncReadStream over the input: each read returns the next piece, in
/// sizes that vary (1, 2, 3, ... bytes, then larger ones) so that the parser
/// meets requests split everywhere, as TCP may deliver them.
class byte_stream {
public:
  explicit byte_stream(std::string_view bytes)
      : rest_(bytes) {}

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, beast::error_code& ec) {
    if (rest_.empty()) {
      ec = net::error::eof;
      return 0;
    }
    static constexpr std::size_t pieces[] = {1, 2, 3, 5, 8, 64, 512, 4096};
    const auto piece = pieces[turn_++ % std::size(pieces)];
    const auto n = net::buffer_copy(
        buffers, net::buffer(rest_.data(), std::min(rest_.size(), piece)));
    rest_.remove_prefix(n);
    ec = {};
    return n;
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    beast::error_code ec;
    const auto n = read_some(buffers, ec);
    if (ec)
      throw beast::system_error{ec};
    return n;
  }

private:
  std::string_view rest_;
  std::size_t turn_ = 0;
};

// -- what the tests of the outcome are --------------------------------------

/// An error's response, checked: the status its kind gives, a JSON body
/// `{"error": {"code", "message"}}` that parses (Boost.JSON rejects
/// ill-formed UTF-8), and the request's keep-alive.
void check_error_response(const request& req, const domain::error& err,
                          std::string_view allow) {
  const auto res = error_response(req, err, allow);
  DOTS_FUZZ_CHECK(res.result() == status_of(err),
                  "an error is answered with its status");
  DOTS_FUZZ_CHECK(res.result_int() >= 400 && res.result_int() < 600,
                  "an error is answered with a 4xx or 5xx");
  boost::system::error_code ec;
  const auto body = json::parse(res.body(), ec);
  DOTS_FUZZ_CHECK(!ec && body.is_object(), "an error body is a JSON object");
  const auto* inner = body.as_object().if_contains("error");
  DOTS_FUZZ_CHECK(inner != nullptr && inner->is_object(),
                  "an error body is {\"error\": {...}}");
  DOTS_FUZZ_CHECK(inner->as_object().if_contains("code") != nullptr &&
                      inner->as_object().if_contains("message") != nullptr,
                  "an error names its code and message");
  DOTS_FUZZ_CHECK(res.keep_alive() == req.keep_alive(),
                  "an error response keeps the request's keep-alive");
  if (res.result() == bhttp::status::method_not_allowed)
    DOTS_FUZZ_CHECK(!allow.empty() && res[bhttp::field::allow] == allow,
                    "a 405 says which methods are allowed");
}

/// Runs `r`: an error result is answered and checked; returns whether the
/// request got past it.
template <class T>
bool passes(const request& req, const domain::result<T>& r) {
  if (r)
    return true;
  check_error_response(req, r.error(), {});
  return false;
}

// -- what handlers check before an actor
// ---------------------------------------

const std::string peer = "127.0.0.1";
const std::vector<std::string> trusted_proxies{"127.0.0.1", "::1"};

/// The temporary web folder static files are served from, made once:
/// index.html and app.js.
const std::filesystem::path& web_dir() {
  static const auto dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("dots-fuzz-web-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d / "assets");
    std::ofstream{d / "index.html"} << "<!doctype html>";
    std::ofstream{d / "assets" / "app.js"} << "0;";
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(web_dir(), ec);
    });
    return d;
  }();
  return dir;
}

/// Credentials (401), then the Origin of a cookie-authenticated write
/// (403): api.cpp's `caller` up to its actor call.
bool caller_checks(const request& req) {
  auto presented = find_credentials(req);
  if (!passes(req, presented))
    return false;
  DOTS_FUZZ_CHECK(!presented.value().token.empty(),
                  "a presented token is never empty");
  if (presented.value().from_cookie && is_unsafe(req.method()) &&
      !origin_matches(req)) {
    check_error_response(
        req,
        domain::error{
            domain::error_kind::forbidden, "origin_mismatch", "origin", {}},
        {});
    return false;
  }
  return true;
}

/// The JSON body: 415 unless application/json, then 400 unless it parses.
domain::result<json::value> body_checks(const request& req) {
  if (!is_json_content_type(req[bhttp::field::content_type]))
    return domain::error{domain::error_kind::unsupported_type,
                         "unsupported_media_type",
                         "not JSON",
                         {}};
  return domain::parse_json(req.body());
}

void board_body(const request& req) {
  auto body = body_checks(req);
  if (!passes(req, body))
    return;
  auto draft = domain::board_draft_from_json(body.value());
  if (!passes(req, draft))
    return;
  passes(req, domain::validate_board(std::move(draft).value()));
}

void credentials_body(const request& req, bool registering) {
  auto body = body_checks(req);
  if (!passes(req, body))
    return;
  auto creds = domain::credentials_from_json(body.value());
  if (!passes(req, creds))
    return;
  if (registering) {
    if (passes(req, domain::validate_username(creds.value().username)))
      passes(req, domain::validate_password(creds.value().password));
    return;
  }
  // Login keys its rate limit on the client address: the peer, or the
  // X-Forwarded-For hop a trusted proxy names.
  const auto client = client_address(req, peer, trusted_proxies);
  DOTS_FUZZ_CHECK(!client.empty(), "a login has a client address");
}

/// The board list's query: a single-valued parameter is read with
/// `single`, which refuses a repeat; both agree with a walk over every
/// parameter.
void list_query(const request& req, const query_params& params) {
  for (std::string_view key : {"limit", "after", "mine"}) {
    std::size_t seen = 0;
    for (auto p : params.all())
      seen += p.key == key;
    DOTS_FUZZ_CHECK(params.count(key) == seen,
                    "count sees every repeat of a key");
    auto v = params.single(key);
    DOTS_FUZZ_CHECK(v.has_value() == (seen <= 1),
                    "single refuses exactly a repeated key");
    if (!v) {
      check_error_response(req, v.error(), {});
      continue;
    }
    DOTS_FUZZ_CHECK(v.value().has_value() == (seen == 1),
                    "single finds a key that is there");
    if (v.value() && key != "mine")
      if (auto n = parse_id(*v.value()))
        DOTS_FUZZ_CHECK(*n > 0, "an id is positive");
  }
  if (auto mine = params.single("mine");
      mine && mine.value() && (*mine.value() == "1" || *mine.value() == "true"))
    caller_checks(req);
}

/// What the handler of `e` checks for `req` before it would ask an actor.
void handler_checks(const request& req, const endpoint& e,
                    const request_target& target, std::int64_t board_id) {
  const auto method = req.method();
  const std::string_view pattern = e.pattern;
  if (pattern.find("{id}") != std::string_view::npos)
    DOTS_FUZZ_CHECK(board_id > 0, "a board route has a board id");
  if (pattern.starts_with("/sse/")) {
    auto asked = parse_stream_request(req, target.params);
    if (!passes(req, asked))
      return;
    const auto& s = asked.value();
    for (auto b : s.filter.boards())
      DOTS_FUZZ_CHECK(b > 0, "a board filter holds board ids");
    DOTS_FUZZ_CHECK(!s.last_event_id || *s.last_event_id >= 0,
                    "a resume point is an event id");
  } else if (pattern == "/api/auth/register") {
    credentials_body(req, true);
  } else if (pattern == "/api/auth/login") {
    credentials_body(req, false);
  } else if (pattern == "/api/auth/logout" || pattern == "/api/auth/me") {
    caller_checks(req);
  } else if (pattern == "/api/boards") {
    if (method == bhttp::verb::post) {
      if (caller_checks(req))
        board_body(req);
    } else {
      list_query(req, target.params);
    }
  } else if (pattern == "/api/boards/{id}") {
    if (method == bhttp::verb::put) {
      if (caller_checks(req))
        board_body(req);
    } else if (method == bhttp::verb::delete_) {
      caller_checks(req);
    }
  } else if (pattern == "/api/boards/{id}/path") {
    if (!caller_checks(req))
      return;
    if (method == bhttp::verb::put) {
      auto body = body_checks(req);
      if (passes(req, body))
        passes(req, domain::segments_from_json(body.value()));
    }
  } else if (pattern == "/*") {
    auto file = serve_static(web_dir(), req, target.path);
    if (!passes(req, file))
      return;
    DOTS_FUZZ_CHECK(target.path == "/" || target.path == "/index.html" ||
                        target.path == "/assets/app.js",
                    "only the web folder's own files are served");
  }
  // /healthz, /readyz and /metrics read the context: nothing to check
  // before it.
}

/// One request, as answer() routes it.
void route_one(const request& req) {
  const auto target = parse_target(req.target());
  DOTS_FUZZ_CHECK(!target.path.empty(), "a routed path is never empty");
  const auto r = match_route(target.path);
  if (r.to != nullptr) {
    // HEAD wherever GET, and Allow lists exactly the methods with a
    // handler (RFC 9110 sections 9.3.2, 10.2.1).
    DOTS_FUZZ_CHECK((handler_for(*r.to, bhttp::verb::get) == nullptr) ==
                        (handler_for(*r.to, bhttp::verb::head) == nullptr),
                    "HEAD is allowed wherever GET is");
    const auto allow = allow_of(*r.to);
    const auto listed = allow.find(req.method_string()) != std::string::npos;
    if (req.method() != bhttp::verb::unknown)
      DOTS_FUZZ_CHECK(listed == (handler_for(*r.to, req.method()) != nullptr),
                      "Allow lists exactly the methods with a handler");
  }
  auto h = screen_head(r, target, req);
  if (!h) {
    check_error_response(req, h.error(), r.to ? allow_of(*r.to) : "");
    return;
  }
  handler_checks(req, *r.to, target, r.board_id);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const http_limits limits; // the server's defaults
  byte_stream stream{{reinterpret_cast<const char*>(data), size}};
  beast::flat_buffer buffer;
  // A keep-alive connection: a few pipelined requests at most.
  for (int requests = 0; requests < 4; ++requests) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    beast::error_code ec;
    bhttp::read(stream, buffer, parser, ec);
    if (ec) {
      // What the session answers: 413 over the body limit, 431 over the
      // header limit, 400 for what is not HTTP/1.1 (see read_failure).
      if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
        request head;
        head.version(11);
        check_error_response(head,
                             ec == bhttp::error::header_limit
                                 ? header_too_large()
                                 : domain::error{domain::error_kind::too_large,
                                                 "payload_too_large",
                                                 "too large",
                                                 {}},
                             {});
      }
      return 0;
    }
    const auto req = parser.release();
    DOTS_FUZZ_CHECK(req.body().size() <= limits.max_body_bytes,
                    "a body is within the limit");
    route_one(req);
    if (!req.keep_alive())
      break;
  }
  return 0;
}
