#pragma once

#include "http/context.hpp"
#include "http/net.hpp"

namespace dots::http {

/// GET /metrics in the Prometheus text format (version 0.0.4).
response metrics_page(const app_context& ctx, const request& req);

} // namespace dots::http
