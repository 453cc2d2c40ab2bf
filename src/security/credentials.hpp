#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Password hashing and session tokens, on libsodium. Passwords are stored
// only as argon2id hashes; tokens are 256 random bits handed to the client
// once and stored only as their SHA-256.

namespace dots::security {

/// Initialises libsodium; call once before anything else here. False when
/// the library cannot be used (no randomness source).
bool init();

/// An argon2id hash string (with its salt and costs) of `password`;
/// nullopt when memory for hashing cannot be had.
std::optional<std::string> hash_password(std::string_view password);

/// True when `password` matches a hash made by hash_password.
bool verify_password(std::string_view password, const std::string& hash);

/// How long a session token (and the browser's session cookie) stays
/// valid after login: 30 days. The one place this is decided.
inline constexpr std::chrono::hours session_lifetime{24 * 30};

/// A fresh random token, URL-safe, 43 characters (256 bits).
std::string new_token();

/// What is stored for a token: hex SHA-256 of it.
std::string token_digest(std::string_view token);

/// A hash of a password nobody has, so that logins for unknown usernames
/// take as long as logins with a wrong password.
const std::string& decoy_hash();

} // namespace dots::security
