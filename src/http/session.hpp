#pragma once

#include "http/context.hpp"
#include "http/net.hpp"
#include "http/shard.hpp"

#include <boost/asio/awaitable.hpp>

namespace dots::http {

/// One HTTP connection: reads requests (bounded in size and time), answers
/// each, keeps the connection alive while the client wants, and hands the
/// socket to a notification stream when one is asked for.
boost::asio::awaitable<void> run_session(app_context& ctx, shard& home,
                                         tcp::socket socket);

} // namespace dots::http
