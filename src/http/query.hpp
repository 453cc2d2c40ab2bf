#pragma once

#include "domain/error.hpp"

#include <boost/url/params_view.hpp>
#include <optional>
#include <ostream> // boost/core string_view needs it complete
#include <string>
#include <string_view>
#include <vector>

// Request targets and query strings, read with Boost.URL: the target is
// origin-form (RFC 9112 section 3.2.1, RFC 3986 grammar), the query is
// read as application/x-www-form-urlencoded pairs (WHATWG URL section 5:
// '+' is a space, keys and values are percent-decoded).
//
// The one rule for repeated keys, on every endpoint (api.md, "Live
// notifications"; DEVELOPERS.md, "Query parameters"): a list parameter
// (`events`, `board`) merges all its values, each a comma-separated list;
// a single-valued parameter (`limit`, `after`, `mine`, `lastEventId`) may
// appear once, and a repeat is a 400 naming it. Nothing is silently
// half-read. Parameters an endpoint does not know are ignored.

namespace dots::http {

/// The parameters of a query string, decoded on access; a view over the
/// request's target. Keys compare after decoding ("%61" is "a").
class query_params {
public:
  query_params() = default;
  explicit query_params(boost::urls::params_view params)
      : params_(params) {}

  /// The decoded value of the single-valued parameter `key`: "" for a
  /// bare key ("flag"), nullopt when absent. Error: `invalid` (code
  /// `invalid_query`, `field` = key; a 400) when the key appears more
  /// than once, whatever the values.
  domain::result<std::optional<std::string>> single(std::string_view key) const;

  /// The items of the list parameter `key`: every occurrence's decoded
  /// value split at ',' (decoded first, so "%2C" separates too), in the
  /// order sent, repeats merged: "events=a,b&events=c" gives a, b, c.
  /// nullopt when absent. An empty value or an empty item between commas
  /// is kept as "", for the caller to refuse like any unknown value.
  std::optional<std::vector<std::string>> list(std::string_view key) const;

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

} // namespace dots::http
