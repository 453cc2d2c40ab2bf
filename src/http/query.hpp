#pragma once

#include <boost/url/params_view.hpp>
#include <map>
#include <optional>
#include <ostream> // boost/core string_view needs it complete
#include <string>
#include <string_view>

// Request targets and query strings, read with Boost.URL: the target is
// origin-form (RFC 9112 section 3.2.1, RFC 3986 grammar), the query is
// read as application/x-www-form-urlencoded pairs (WHATWG URL section 5:
// '+' is a space, keys and values are percent-decoded).

namespace dots::http {

/// The parameters of a query string, decoded on access; a view over the
/// request's target. Repeated keys are all kept: `count` sees them.
class query_params {
public:
  query_params() = default;
  explicit query_params(boost::urls::params_view params)
      : params_(params) {}

  /// The decoded value of the first parameter named `key` (keys compare
  /// after decoding); "" for a bare key ("flag"); nullopt when absent.
  /// Later repeats of the key are ignored (the rule until the contract's
  /// "a repeated single-valued parameter is a 400" lands).
  std::optional<std::string> first(std::string_view key) const;

  /// How many parameters are named `key`.
  std::size_t count(std::string_view key) const;

  /// Every parameter in order, decoded on access.
  const boost::urls::params_view& all() const noexcept { return params_; }

private:
  boost::urls::params_view params_;
};

/// A request target split for routing. Views into the request's target.
struct request_target {
  std::string_view path;   ///< as sent (still percent-encoded), never empty
  std::string_view query;  ///< as sent, without '?'; empty when none
  query_params params;     ///< the query's parameters; none unless well formed
  bool well_formed = true; ///< false: not RFC 3986 origin-form
};

/// Splits `target` into path and query. A target that is not origin-form
/// (a bad percent escape, a character that must be escaped) is split at its
/// first '?' and marked not well formed: it is still routed, so that an
/// unknown path stays a 404, and a known one answers 400 `invalid_query`.
request_target parse_target(std::string_view target);

/// Each key's first value, decoded; nullopt when the query is malformed.
/// For callers that read each key once into their own types.
std::optional<std::map<std::string, std::string>>
parse_query(std::string_view query);

} // namespace dots::http
