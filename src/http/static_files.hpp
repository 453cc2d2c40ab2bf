#pragma once

#include "http/context.hpp"
#include "http/net.hpp"
#include "http/router.hpp"

namespace dots::http {

/// Serves the built browser app from ctx.web_dir: `/` is index.html, other
/// paths are files by name (no directories, nothing outside the folder).
response serve_static(const app_context& ctx, const request& req,
                      const route& r);

} // namespace dots::http
