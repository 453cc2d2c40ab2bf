#include "domain/error.hpp"

namespace dots::domain {

error invalid(std::string code, std::string message, std::string field) {
  return error{error_kind::invalid, std::move(code), std::move(message),
               std::move(field)};
}

error not_found(std::string message) {
  return error{error_kind::not_found, "not_found", std::move(message), {}};
}

error internal_error(std::string message) {
  return error{error_kind::internal, "internal", std::move(message), {}};
}

} // namespace dots::domain
