#pragma once

#include "http_parse.hpp"

#include <netinet/in.h>
#include <optional>
#include <string>
#include <string_view>

namespace dots::bench {

/// The IPv4 address of a URL's host. Only 127.0.0.0/8 is accepted: this tool
/// must never send load anywhere but loopback.
std::optional<sockaddr_in> loopback_address(const url& u, std::string& error);

/// A non-blocking socket with a connect in progress, bound to `source` when
/// given (the port is chosen at connect time, so that one source address
/// serves as many connections as there are distinct destination 4-tuples).
/// Returns -1 and sets `err` (an errno value) on failure.
int start_connect(const sockaddr_in& dest, const in_addr* source, int& err);

/// A whole request/response exchange on a fresh blocking connection, bounded
/// by `timeout_ms`. Used only for set-up calls (register, login).
struct http_reply {
  int status = 0;
  std::string body;
};
std::optional<http_reply> http_exchange(const sockaddr_in& dest,
                                        std::string_view request,
                                        int timeout_ms, std::string& error);

/// The text of an errno value as a short key for reports ("ECONNREFUSED").
std::string errno_key(int err);

} // namespace dots::bench
