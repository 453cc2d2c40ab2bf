#pragma once

#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>
#include <boost/outcome/success_failure.hpp>
#include <boost/outcome/try.hpp>
#include <cstdint>
#include <string>
#include <utility>

namespace dots::domain {

namespace outcome = BOOST_OUTCOME_V2_NAMESPACE;

/// What kind of failure an error is; the HTTP layer maps each to a status.
enum class error_kind : std::uint8_t {
  invalid,          ///< bad input: malformed JSON, wrong types, broken rules
  unauthenticated,  ///< no valid account presented
  forbidden,        ///< authenticated but not allowed
  not_found,        ///< no such resource, or one the caller may not see
  conflict,         ///< e.g. a username that is taken
  too_large,        ///< a body over the limit
  unsupported_type, ///< a body that is not JSON
  rate_limited,     ///< too many attempts from one client
  unavailable,      ///< at capacity or shutting down
  internal,         ///< a fault of ours (storage failure, timeout)
};

/// A failure a client can act on: a stable code, a message for people and,
/// when one input field is at fault, that field (e.g. "dots[2].color").
struct error {
  error_kind kind = error_kind::invalid;
  std::string code;
  std::string message;
  std::string field; ///< empty when no single field is at fault
  /// When to try again, in seconds, for rate_limited and unavailable
  /// (0: the HTTP layer's default).
  unsigned retry_after = 0;

  friend bool operator==(const error&, const error&) = default;
};

/// Shorthands for the errors every layer raises.
error invalid(std::string code, std::string message, std::string field = {});
error not_found(std::string message);
error internal_error(std::string message);

/// Either a value or the error that prevented it: Boost.Outcome's result
/// with our error type. Errors are values in this code base: nothing
/// throws across a layer boundary. Forward an error with
/// `BOOST_OUTCOME_TRY(auto x, f())` (`BOOST_OUTCOME_CO_TRY` in coroutines)
/// instead of testing and returning by hand; `result<void>` is an operation
/// that yields nothing but may fail (`return outcome::success();`).
/// Reading the value of an error (or the error of a value) terminates the
/// process: it is a bug, never a way to report one.
template <class T>
using result = outcome::basic_result<T, error, outcome::policy::terminate>;

/// The success of a `result<void>`.
inline auto success() noexcept {
  return outcome::success();
}

} // namespace dots::domain
