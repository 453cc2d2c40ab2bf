#include "http/query.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>

namespace dots::http {

namespace urls = boost::urls;

namespace {

/// '+' is a space in a query (WHATWG URL, application/x-www-form-urlencoded).
const urls::encoding_opts form_encoding{true};

} // namespace

request_target parse_target(std::string_view target) {
  if (auto u = urls::parse_origin_form(target)) {
    auto path = std::string_view{u->encoded_path()};
    return {path.empty() ? std::string_view{"/"} : path,
            std::string_view{u->encoded_query()},
            query_params{u->params(form_encoding)}, true};
  }
  const auto q = target.find('?');
  // "?x" has no path at all: routed as "/", so the path is never empty.
  const auto path = target.substr(0, q);
  return {path.empty() ? std::string_view{"/"} : path,
          q == std::string_view::npos ? std::string_view{}
                                      : target.substr(q + 1),
          {},
          false};
}

std::optional<std::string> query_params::first(std::string_view key) const {
  auto it = params_.find(key);
  if (it == params_.end())
    return std::nullopt;
  return std::move((*it).value);
}

std::size_t query_params::count(std::string_view key) const {
  return params_.count(key);
}

std::optional<std::map<std::string, std::string>>
parse_query(std::string_view query) {
  // A terminated copy: Boost 1.81's parse_query reads its argument up to a
  // NUL, past the end of a view into a request target. (A target parsed
  // whole by parse_origin_form has no such problem: see parse_target.)
  const std::string text{query};
  auto encoded = urls::parse_query(text);
  if (!encoded)
    return std::nullopt;
  std::map<std::string, std::string> out;
  for (auto param : urls::params_view{text, form_encoding})
    if (!param.key.empty() || param.has_value)
      out.try_emplace(std::move(param.key), std::move(param.value));
  return out;
}

} // namespace dots::http
