#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

// Messages between the coordinator and its stream workers: one datagram of a
// SOCK_SEQPACKET socketpair each, a command word then `key=value` fields
// without spaces. Text keeps the protocol readable in strace and debuggers.

namespace dots::bench {

struct message {
  std::string command;
  std::map<std::string, std::string, std::less<>> fields;

  message& set(std::string key, std::string value);
  message& set(std::string key, std::int64_t value);

  std::int64_t get_int(std::string_view key, std::int64_t fallback = 0) const;
  std::string_view get(std::string_view key) const;

  std::string encode() const;
  static std::optional<message> decode(std::string_view text);
};

/// Sends one message; blocks (the peer drains its end promptly).
bool send_message(int fd, const message& m);

/// Receives one message, waiting up to `timeout_ms`; nullopt on timeout,
/// error or a closed peer (`closed` tells which).
std::optional<message> receive_message(int fd, int timeout_ms, bool& closed);

} // namespace dots::bench
