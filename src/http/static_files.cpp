#include "http/static_files.hpp"

#include <cctype>

namespace dots::http {

namespace {

/// Only plain relative names made of safe characters: no "..", no hidden
/// files, no empty segment. A leading '/' would make the name absolute, and
/// `web_dir / name` would then leave the folder ("//etc/passwd").
bool safe_relative(std::string_view p) {
  if (p.empty() || p.front() == '.' || p.front() == '/' ||
      p.find("..") != std::string_view::npos ||
      p.find("/.") != std::string_view::npos ||
      p.find("//") != std::string_view::npos)
    return false;
  for (char c : p)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
          c == '_' || c == '/'))
      return false;
  return true;
}

domain::error no_such_file() {
  return domain::not_found("no such resource");
}

} // namespace

std::string_view content_type_of(std::string_view name) {
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

domain::result<file_response> serve_static(const std::filesystem::path& web_dir,
                                           const request& req,
                                           std::string_view path) {
  auto rel = path.substr(path.empty() ? 0 : 1);
  if (rel.empty())
    rel = "index.html";
  if (web_dir.empty() || !safe_relative(rel))
    return no_such_file();
  const auto file = web_dir / std::string{rel};
  // A folder opens for reading on Linux: only regular files are served.
  std::error_code fec;
  if (!std::filesystem::is_regular_file(file, fec))
    return no_such_file();
  bhttp::file_body::value_type body;
  beast::error_code ec;
  body.open(file.c_str(), beast::file_mode::scan, ec);
  if (ec)
    return no_such_file();
  file_response res{std::piecewise_construct, std::make_tuple(std::move(body)),
                    std::make_tuple(bhttp::status::ok, req.version())};
  res.set(bhttp::field::server, "dots");
  res.set(bhttp::field::content_type, content_type_of(rel));
  // The app is small and rebuilt in place: revalidate on every load.
  res.set(bhttp::field::cache_control, "no-cache");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

} // namespace dots::http
