#include "http/static_files.hpp"

#include "domain/error.hpp"
#include "http/responses.hpp"

#include <fstream>
#include <sstream>

namespace dots::http {

namespace {

std::string_view content_type(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.ends_with(ext);
  };
  if (ends(".html"))
    return "text/html; charset=utf-8";
  if (ends(".js"))
    return "text/javascript; charset=utf-8";
  if (ends(".css"))
    return "text/css; charset=utf-8";
  if (ends(".svg"))
    return "image/svg+xml";
  if (ends(".png"))
    return "image/png";
  if (ends(".ico"))
    return "image/x-icon";
  if (ends(".json") || ends(".map"))
    return "application/json";
  return "application/octet-stream";
}

/// Only plain names made of safe characters: no "..", no hidden files.
bool safe_relative(std::string_view p) {
  if (p.empty() || p.front() == '.' || p.find("..") != std::string_view::npos ||
      p.find("/.") != std::string_view::npos)
    return false;
  for (char c : p)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
          c == '_' || c == '/'))
      return false;
  return true;
}

} // namespace

response serve_static(const app_context& ctx, const request& req,
                      const route& r) {
  auto rel = r.path.substr(1);
  if (rel.empty())
    rel = "index.html";
  if (ctx.web_dir.empty() || !safe_relative(rel))
    return error_response(req, domain::not_found("no such resource"));
  auto file = ctx.web_dir / std::string{rel};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return error_response(req, domain::not_found("no such resource"));
  std::ifstream in{file, std::ios::binary};
  std::ostringstream body;
  body << in.rdbuf();
  response res{bhttp::status::ok, req.version()};
  res.set(bhttp::field::server, "dots");
  res.set(bhttp::field::content_type, content_type(rel));
  // The app is small and rebuilt in place: revalidate on every load.
  res.set(bhttp::field::cache_control, "no-cache");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body).str();
  res.prepare_payload();
  return res;
}

} // namespace dots::http
