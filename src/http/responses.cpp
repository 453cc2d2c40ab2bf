#include "http/responses.hpp"

#include "domain/json.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <optional>

namespace dots::http {

using domain::error_kind;

domain::error method_not_allowed(std::string_view allow) {
  return domain::error{error_kind::invalid,
                       std::string{method_not_allowed_code},
                       "this endpoint allows " + std::string{allow},
                       {}};
}

domain::error header_too_large() {
  return domain::error{error_kind::too_large,
                       std::string{header_too_large_code},
                       "the request headers are too large",
                       {}};
}

domain::error expectation_failed() {
  return domain::invalid(std::string{expectation_failed_code},
                         "the only expectation this server meets is "
                         "Expect: 100-continue");
}

domain::error malformed_target() {
  return domain::invalid("invalid_query",
                         "the request target (path or query string) is "
                         "malformed");
}

bhttp::status status_of(const domain::error& err) {
  if (err.code == method_not_allowed_code)
    return bhttp::status::method_not_allowed;
  if (err.code == header_too_large_code)
    return bhttp::status::request_header_fields_too_large;
  if (err.code == expectation_failed_code)
    return bhttp::status::expectation_failed;
  switch (err.kind) {
  case error_kind::invalid:
    return bhttp::status::bad_request;
  case error_kind::unauthenticated:
    return bhttp::status::unauthorized;
  case error_kind::forbidden:
    return bhttp::status::forbidden;
  case error_kind::not_found:
    return bhttp::status::not_found;
  case error_kind::conflict:
    return bhttp::status::conflict;
  case error_kind::too_large:
    return bhttp::status::payload_too_large;
  case error_kind::unsupported_type:
    return bhttp::status::unsupported_media_type;
  case error_kind::rate_limited:
    return bhttp::status::too_many_requests;
  case error_kind::unavailable:
    return bhttp::status::service_unavailable;
  case error_kind::internal:
    return bhttp::status::internal_server_error;
  }
  return bhttp::status::internal_server_error;
}

response json_response(const request& req, bhttp::status status,
                       const boost::json::value& body) {
  response res{status, req.version()};
  res.set(bhttp::field::server, "dots");
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = domain::serialize(body);
  res.prepare_payload();
  return res;
}

response error_response(const request& req, const domain::error& err,
                        std::string_view allow) {
  const auto status = status_of(err);
  auto res = json_response(req, status, domain::to_json(err));
  // The error's own wait when it knows one (the login limit's next slot,
  // the database's retry), so the header and the message agree.
  auto wait = [&](std::chrono::seconds fallback) {
    return std::to_string(err.retry_after != 0 ? err.retry_after
                                               : fallback.count());
  };
  switch (status) {
  case bhttp::status::unauthorized:
    res.set(bhttp::field::www_authenticate, "Bearer");
    break;
  case bhttp::status::method_not_allowed:
    res.set(bhttp::field::allow, allow);
    break;
  case bhttp::status::too_many_requests:
    res.set(bhttp::field::retry_after, wait(rate_limited_retry_after));
    break;
  case bhttp::status::service_unavailable:
    res.set(bhttp::field::retry_after, wait(unavailable_retry_after));
    break;
  default:
    break;
  }
  return res;
}

response empty_response(const request& req, bhttp::status status) {
  response res{status, req.version()};
  res.set(bhttp::field::server, "dots");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

// -- cross-origin clients ---------------------------------------------------

namespace {

namespace urls = boost::urls;

domain::error bad_origin(std::string_view text, const std::string& why) {
  // Appended in place: GCC 12 at -O3 warns (-Wrestrict, a false positive)
  // about `"literal" + std::string&&`.
  std::string message;
  message.reserve(text.size() + why.size() + 96);
  message.append("'").append(text).append("' is not an origin: ");
  message.append(why).append(" (expected scheme://host[:port], e.g. "
                             "https://app.example.com:8443)");
  return domain::invalid("invalid_origin", std::move(message));
}

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

/// A DNS name as browsers send it in Origin (IDNs in their xn-- form):
/// labels of letters, digits and '-', none empty, none starting or ending
/// with '-'. A last label of digits only would be read by a browser as an
/// IPv4 address ("127.1"), so it is not a name either.
std::optional<std::string> check_name(std::string_view host) {
  if (host.empty())
    return "the host is empty";
  std::string_view last;
  for (std::string_view rest = host; !rest.empty();) {
    const auto dot = rest.find('.');
    const auto label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63)
      return "the host has an empty or over-long label";
    if (label.front() == '-' || label.back() == '-')
      return "a host label may not start or end with '-'";
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
        return "the host may hold only letters, digits, '-' and '.' (write "
               "an international name in its xn-- form)";
    last = label;
    if (dot == std::string_view::npos)
      break;
    rest = rest.substr(dot + 1);
    if (rest.empty())
      return "the host ends with '.'";
  }
  if (all_digits(last))
    return "the host is neither a name nor an IPv4 address";
  return std::nullopt;
}

} // namespace

domain::result<std::string> canonical_origin(std::string_view text) {
  auto parsed = urls::parse_absolute_uri(text);
  if (!parsed)
    return bad_origin(text, "it is not an absolute URL");
  const auto& u = *parsed;
  const auto scheme = lower(u.scheme());
  if (scheme != "http" && scheme != "https")
    return bad_origin(text, "the scheme must be http or https");
  if (!u.has_authority())
    return bad_origin(text, "it has no host");
  if (u.has_userinfo())
    return bad_origin(text, "an origin has no user name or password");
  if (!u.encoded_path().empty())
    return bad_origin(text, "an origin has no path, not even a final '/'");
  if (u.has_query())
    return bad_origin(text, "an origin has no query");
  std::string host;
  switch (u.host_type()) {
  case urls::host_type::name: {
    if (auto problem = check_name(u.encoded_host()))
      return bad_origin(text, *problem);
    host = lower(u.encoded_host());
    break;
  }
  case urls::host_type::ipv4:
    host = u.host_ipv4_address().to_string();
    break;
  case urls::host_type::ipv6:
    // Appended in place (GCC 12 -O3 -Wrestrict, see bad_origin).
    host.assign(1, '[')
        .append(u.host_ipv6_address().to_string())
        .append(1, ']');
    break;
  default:
    return bad_origin(text, "the host is not a name or an IP address");
  }
  std::string out = scheme + "://" + host;
  if (u.has_port()) {
    const std::string_view port = u.port();
    unsigned value = 0;
    auto [end, ec] =
        std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() ||
        value == 0 || value > 65535)
      return bad_origin(text, "the port must be a number from 1 to 65535");
    // Browsers leave the scheme's default port out of Origin.
    const unsigned default_port = scheme == "https" ? 443 : 80;
    if (value != default_port)
      out += ":" + std::to_string(value);
  }
  return out;
}

domain::result<std::vector<std::string>>
parse_cors_origins(std::string_view list) {
  std::vector<std::string> out;
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ')
      s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
      s.remove_suffix(1);
    return s;
  };
  if (trim(list).empty())
    return out;
  for (std::string_view rest = list;;) {
    const auto comma = rest.find(',');
    const auto item = trim(rest.substr(0, comma));
    if (item.empty())
      return domain::invalid("invalid_origin",
                             "an empty entry in the list of origins (two "
                             "commas, or a comma at an end)");
    std::string entry{item};
    if (item != "*") {
      BOOST_OUTCOME_TRY(auto canonical, canonical_origin(item));
      entry = std::move(canonical);
    }
    if (std::find(out.begin(), out.end(), entry) == out.end())
      out.push_back(std::move(entry));
    if (comma == std::string_view::npos)
      break;
    rest = rest.substr(comma + 1);
  }
  return out;
}

cors_policy::cors_policy(const std::vector<std::string>& entries) {
  for (const auto& e : entries) {
    if (e == "*")
      public_stream_ = true;
    else
      origins_.push_back(e);
  }
}

bool cors_policy::lists(std::string_view origin) const {
  // Browsers send Origin in the canonical form the list is kept in; the
  // case is ignored for other clients.
  return std::any_of(
      origins_.begin(), origins_.end(),
      [origin](const std::string& o) { return beast::iequals(o, origin); });
}

cors_grant grant_cors(const cors_policy& policy, std::string_view origin,
                      cors_scope scope) {
  cors_grant out;
  if (scope == cors_scope::none || policy.empty())
    return out;
  out.vary = policy.varies();
  if (!origin.empty() && policy.lists(origin)) {
    // Echoed as sent: the browser compares it byte for byte with its own.
    out.allow_origin = std::string{origin};
    out.credentials = true;
  } else if (scope == cors_scope::stream && policy.public_stream()) {
    // assign(count, char): GCC 12 at -O3 warns (-Wrestrict, a false
    // positive) about assigning the literal.
    out.allow_origin.assign(1, '*');
  }
  return out;
}

bool is_preflight(const request& req) {
  return req.method() == bhttp::verb::options &&
         req.count(bhttp::field::origin) != 0 &&
         req.count(bhttp::field::access_control_request_method) != 0;
}

void set_cors_fields(const cors_grant& grant, bhttp::fields& fields) {
  if (grant.vary)
    fields.set(bhttp::field::vary, "Origin");
  if (grant.allow_origin.empty())
    return;
  fields.set(bhttp::field::access_control_allow_origin, grant.allow_origin);
  if (grant.credentials)
    fields.set(bhttp::field::access_control_allow_credentials, "true");
  fields.set(bhttp::field::access_control_expose_headers, cors_exposed_headers);
}

void set_preflight_fields(std::string_view allow, bhttp::fields& fields) {
  fields.set(bhttp::field::access_control_allow_methods, allow);
  fields.set(bhttp::field::access_control_allow_headers, cors_allowed_headers);
  fields.set(bhttp::field::access_control_max_age,
             std::to_string(cors_max_age.count()));
}

} // namespace dots::http
