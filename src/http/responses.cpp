#include "http/responses.hpp"

#include "domain/json.hpp"

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

} // namespace dots::http
