#pragma once

#include "domain/error.hpp"
#include "http/net.hpp"

#include <boost/json/value.hpp>

namespace dots::http {

/// The status of each kind of error (invalid → 400, ...).
bhttp::status status_of(domain::error_kind kind);

/// A JSON response that answers `req` (same version and keep-alive).
response json_response(const request& req, bhttp::status status,
                       const boost::json::value& body);

/// `{"error": {...}}` with the status of the error's kind and the headers
/// the contract asks for (WWW-Authenticate on 401, Retry-After on 429/503).
response error_response(const request& req, const domain::error& err);

/// A response with no body (204, or HEAD).
response empty_response(const request& req, bhttp::status status);

} // namespace dots::http
