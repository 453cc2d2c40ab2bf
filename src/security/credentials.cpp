#include "security/credentials.hpp"

#include <sodium.h>

namespace dots::security {

bool init() {
  return sodium_init() >= 0;
}

std::optional<std::string> hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  // Interactive limits: about 64 MiB and a few tens of milliseconds, the
  // libsodium recommendation for online logins.
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return std::nullopt;
  return std::string{out};
}

bool verify_password(std::string_view password, const std::string& hash) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

std::string new_token() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof(raw));
  char out[sodium_base64_ENCODED_LEN(32,
                                     sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof(out), raw, sizeof(raw),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string{out};
}

std::string token_digest(std::string_view token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest,
                     reinterpret_cast<const unsigned char*>(token.data()),
                     token.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  return std::string{hex};
}

const std::string& decoy_hash() {
  static const std::string hash =
      hash_password(new_token()).value_or(std::string{});
  return hash;
}

} // namespace dots::security
