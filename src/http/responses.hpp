#pragma once

#include "domain/error.hpp"
#include "http/net.hpp"

#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

// How answers are written: the JSON and empty responses handlers build, the
// one conversion from an error to what the client reads, and the CORS
// headers that let pages of other sites read them. Every error a request
// meets (from a handler, the route table or the parser) goes through
// error_response; nothing else writes an error body.

namespace dots::http {

// -- errors only the HTTP layer raises -----------------------------------

/// The `code` of a 405: a method the endpoint does not take (RFC 9110
/// section 15.5.6). The domain has no kind for it; its code sets the status.
inline constexpr std::string_view method_not_allowed_code =
    "method_not_allowed";

/// The `code` of a 431: request headers over `--max-header-bytes` (RFC 6585
/// section 5). The domain's `too_large` is a 413; this code makes it a 431.
inline constexpr std::string_view header_too_large_code = "header_too_large";

/// The `code` of a 417: an `Expect` the server cannot meet, anything but
/// `100-continue` (RFC 9110 section 10.1.1). A 400 but for this code.
inline constexpr std::string_view expectation_failed_code =
    "expectation_failed";

/// 405 for an endpoint whose methods are `allow` ("GET, HEAD, POST").
domain::error method_not_allowed(std::string_view allow);

/// 431: the request's headers are over the limit.
domain::error header_too_large();

/// 417: the request's `Expect` is not `100-continue`.
domain::error expectation_failed();

/// 400 `invalid_query`: a request target or query string that is not valid
/// RFC 3986 origin-form (a bad percent escape, a character that must be
/// escaped).
domain::error malformed_target();

// -- Retry-After -----------------------------------------------------------

/// The wait sent with a 429 whose error does not know its own (every login
/// refusal does; this is the fallback): the login limit refills per minute.
inline constexpr std::chrono::seconds rate_limited_retry_after{60};

/// The wait sent with a 503 whose error does not know its own (a stream
/// refused at capacity, an actor that did not answer): a guess at how long
/// a busy or restarting server takes to free a slot.
inline constexpr std::chrono::seconds unavailable_retry_after{5};

/// The wait a `/readyz` 503 names: how often it is worth probing a server
/// that is starting or draining again (start-up takes a second or two; a
/// drain ends in seconds, and a balancer then stops probing anyway).
inline constexpr std::chrono::seconds readiness_retry_after{5};

// -- responses -------------------------------------------------------------

/// The status of an error: by its kind (invalid → 400, unauthenticated →
/// 401, ...), except the HTTP layer's own codes above (405, 417, 431).
bhttp::status status_of(const domain::error& err);

/// A JSON response that answers `req` (same version and keep-alive).
response json_response(const request& req, bhttp::status status,
                       const boost::json::value& body);

/// The one conversion from an error to a response: `{"error": {...}}` with
/// the error's status and the headers the contract asks for:
/// WWW-Authenticate on 401, Retry-After on 429/503 (the error's own
/// `retry_after` when set, else the fallbacks above), and on 405 `Allow`
/// set to `allow`, the methods of the endpoint the request reached.
response error_response(const request& req, const domain::error& err,
                        std::string_view allow = {});

/// A response with no body (204).
response empty_response(const request& req, bhttp::status status);

/// The answer to a HEAD: the GET response's status and headers, and no body
/// (RFC 9110 section 9.3.2). Its Content-Length is the GET body's, which
/// every handler's prepare_payload set; a close-delimited GET (the stream)
/// has none, and neither has its HEAD.
template <class Body>
bhttp::response<bhttp::empty_body> head_of(bhttp::response<Body>&& get) {
  return bhttp::response<bhttp::empty_body>{std::move(get.base())};
}

// -- cross-origin clients (CORS) -------------------------------------------
// The Fetch standard's CORS protocol
// (https://fetch.spec.whatwg.org/#http-cors-protocol) for the origins named
// with --cors-origins; api.md, "Live notifications".

/// Checks and canonicalises one origin as --cors-origins takes it:
/// `scheme://host[:port]` with scheme http or https, a host that is a DNS
/// name, an IPv4 address or a bracketed IPv6 address, and nothing else (no
/// user, path, query or fragment, not even a trailing '/'). The result is
/// what a browser sends in `Origin` for that page: scheme and host in lower
/// case, IPv6 compressed, the port in plain decimal and left out when it is
/// the scheme's default (80, 443). Errors (`invalid`, code
/// `invalid_origin`) say what is wrong in one sentence, naming the text.
domain::result<std::string> canonical_origin(std::string_view text);

/// Reads the value of --cors-origins: origins separated by commas (spaces
/// around them ignored), each checked by canonical_origin, or `*`, which
/// opens the public stream (only) to every site; `*` and origins may be
/// mixed. An empty value is an empty list: no CORS at all. An empty entry
/// (two commas) is an error. The entries come back canonical, each once,
/// in the order given.
domain::result<std::vector<std::string>>
parse_cors_origins(std::string_view list);

/// Which part of the site a request reaches, for CORS: the API (`/api/`),
/// the public stream (`/sse/`) or neither (the browser app, health checks
/// and metrics, which other sites have no business reading).
enum class cors_scope { none, api, stream };

/// The origins that may read the API and the stream from another site
/// (--cors-origins). Built once at start; immutable after that.
class cors_policy {
public:
  /// No origin: no CORS header is ever sent (the default).
  cors_policy() = default;
  /// From entries parse_cors_origins returned (canonical, `*` allowed).
  explicit cors_policy(const std::vector<std::string>& entries);

  /// True when nothing was configured.
  bool empty() const { return origins_.empty() && !public_stream_; }
  /// True when `origin` (a request's `Origin`) is one of the listed ones.
  bool lists(std::string_view origin) const;
  /// True when `*` was given: the stream answers every origin.
  bool public_stream() const { return public_stream_; }
  /// True when some origins are listed, so that what the API and the
  /// stream answer depends on a request's Origin (`Vary: Origin`).
  bool varies() const { return !origins_.empty(); }

private:
  std::vector<std::string> origins_; ///< canonical, without `*`
  bool public_stream_ = false;
};

/// What a response tells the browser about the origin of the page that
/// asked: nothing, or that the page may read it.
struct cors_grant {
  /// `Access-Control-Allow-Origin`: the page's origin when listed, `*` on
  /// the stream when that is public, else empty (none).
  std::string allow_origin;
  /// `Access-Control-Allow-Credentials: true`: only ever with a listed
  /// origin, never with `*` (browsers refuse the pair anyway).
  bool credentials = false;
  /// `Vary: Origin`: the answer depends on the request's Origin, so a
  /// cache must not hand one origin's answer to another.
  bool vary = false;

  /// True when the response carries no CORS field at all.
  bool empty() const { return allow_origin.empty() && !vary; }
};

/// The grant of a request to `scope` from the page whose origin is
/// `origin` (the request's `Origin`; empty when it sent none). A listed
/// origin gets itself and credentials on the API and the stream; `*` gives
/// the stream `*` whatever the Origin, and the API nothing; `Vary: Origin`
/// whenever origins are listed. Outside the API and the stream, and with no
/// --cors-origins, nothing.
cors_grant grant_cors(const cors_policy& policy, std::string_view origin,
                      cors_scope scope);

/// True for a CORS preflight: `OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`.
bool is_preflight(const request& req);

/// The headers a browser may read from a cross-origin response besides the
/// CORS-safelisted ones: what the contract sends for clients to act on.
inline constexpr std::string_view cors_exposed_headers =
    "Allow, Location, Retry-After, WWW-Authenticate";

/// The request headers a preflight may ask for: a Bearer token and a JSON
/// body for the API, and EventSource's Last-Event-ID for the stream.
inline constexpr std::string_view cors_allowed_headers =
    "Authorization, Content-Type, Last-Event-ID";

/// How long a browser may keep a preflight's answer: ten minutes, so that
/// a page does not preflight every call, and a changed --cors-origins
/// reaches browsers soon after a restart.
inline constexpr std::chrono::seconds cors_max_age{600};

/// Sets what `grant` says on a response: Access-Control-Allow-Origin,
/// -Allow-Credentials and `Vary: Origin`, and, when the origin is
/// allowed, Access-Control-Expose-Headers (cors_exposed_headers).
void set_cors_fields(const cors_grant& grant, bhttp::fields& fields);

/// Sets the answer to a preflight from an allowed origin on top of
/// set_cors_fields: Access-Control-Allow-Methods (`allow`, the endpoint's
/// methods), -Allow-Headers (cors_allowed_headers) and -Max-Age
/// (cors_max_age).
void set_preflight_fields(std::string_view allow, bhttp::fields& fields);

} // namespace dots::http
