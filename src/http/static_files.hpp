#pragma once

#include "domain/error.hpp"
#include "http/handler.hpp"
#include "http/net.hpp"

#include <filesystem>
#include <string_view>

namespace dots::http {

/// Serves the built browser app from `web_dir`: `path` "/" is index.html,
/// other paths name files (letters, digits, '.', '-', '_' and '/', nothing
/// hidden, no "..": nothing outside the folder). The file is sent from
/// disk (Beast's file_body) with a Content-Type by its extension and
/// `Cache-Control: no-cache`. 404 when `web_dir` is empty, the path is not
/// such a name, or no regular file has it.
domain::result<file_response> serve_static(const std::filesystem::path& web_dir,
                                           const request& req,
                                           std::string_view path);

/// The Content-Type of a file of the app, by its extension.
std::string_view content_type_of(std::string_view name);

} // namespace dots::http
