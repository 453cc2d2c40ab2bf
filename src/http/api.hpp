#pragma once

#include "http/context.hpp"
#include "http/net.hpp"
#include "http/router.hpp"

#include <boost/asio/awaitable.hpp>
#include <string>

namespace dots::http {

/// Answers one request of the JSON API (accounts, boards, paths) or a health
/// probe: checks method, authentication, Origin, content type and input in
/// that order, then asks the actor that owns the data. Never throws; every
/// failure is a JSON error response, and a failed request changes nothing.
/// `client` is the peer address (keys the login rate limit).
boost::asio::awaitable<response> handle_api(app_context& ctx,
                                            const request& req, const route& r,
                                            const std::string& client);

} // namespace dots::http
