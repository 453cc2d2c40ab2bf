#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace dots::domain {

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

/// Either a value or the error that prevented it. Errors are values in this
/// code base: nothing throws across a layer boundary.
template <class T>
class result {
public:
  result(T value)
      : data_(std::move(value)) {}
  result(domain::error err)
      : data_(std::move(err)) {}

  bool ok() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const domain::error& err() const& { return std::get<1>(data_); }
  domain::error&& err() && { return std::get<1>(std::move(data_)); }
  bool has_value() const noexcept { return ok(); }
  const domain::error& error() const& { return std::get<1>(data_); }
  domain::error&& error() && { return std::get<1>(std::move(data_)); }

private:
  std::variant<T, domain::error> data_;
};

/// The value of an operation that yields nothing but may fail.
struct unit {
  friend bool operator==(unit, unit) = default;
};

} // namespace dots::domain
