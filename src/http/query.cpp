#include "http/query.hpp"

#include <boost/url/parse.hpp>

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

domain::result<std::optional<std::string>>
query_params::single(std::string_view key) const {
  auto it = params_.find(key);
  if (it == params_.end())
    return std::optional<std::string>{};
  if (params_.find(std::next(it), key) != params_.end())
    return domain::invalid("invalid_query",
                           std::string{key} + " may be given only once",
                           std::string{key});
  return std::optional<std::string>{std::move((*it).value)};
}

std::optional<std::vector<std::string>>
query_params::list(std::string_view key) const {
  std::optional<std::vector<std::string>> out;
  for (auto it = params_.find(key); it != params_.end();
       it = params_.find(std::next(it), key)) {
    if (!out)
      out.emplace();
    const auto value = (*it).value;
    std::string_view rest = value;
    for (;;) {
      const auto comma = rest.find(',');
      out->emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos)
        break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

std::size_t query_params::count(std::string_view key) const {
  return params_.count(key);
}

} // namespace dots::http
