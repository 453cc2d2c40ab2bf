#include "security/credentials.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <optional>
#include <set>
#include <string>

namespace dots::security {
namespace {

// Argon2id is slow on purpose: the suite hashes its password once.
class Credentials : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(init());
    hash_ = hash_password(password);
  }
  static void TearDownTestSuite() { hash_.reset(); }

  static constexpr const char* password = "correct horse battery";
  static std::optional<std::string> hash_;
};

std::optional<std::string> Credentials::hash_;

bool is_url_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_lower_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// -- passwords ----------------------------------------------------------------

TEST_F(Credentials, HashIsArgon2idAndVerifies) {
  ASSERT_TRUE(hash_);
  EXPECT_TRUE(hash_->starts_with("$argon2id$")) << *hash_;
  // The hash carries its costs and salt, never the password itself.
  EXPECT_EQ(hash_->find(password), std::string::npos);
  EXPECT_TRUE(verify_password(password, *hash_));
}

TEST_F(Credentials, WrongPasswordFails) {
  ASSERT_TRUE(hash_);
  EXPECT_FALSE(verify_password("correct horse batterz", *hash_));
  EXPECT_FALSE(verify_password("Correct horse battery", *hash_));
  EXPECT_FALSE(verify_password("", *hash_));
}

TEST_F(Credentials, HashesAreSalted) {
  ASSERT_TRUE(hash_);
  auto again = hash_password(password);
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *hash_);
  EXPECT_TRUE(verify_password(password, *again));
}

TEST_F(Credentials, WholePasswordCountsPastNulBytes) {
  // The length is passed along, so nothing is cut at an embedded NUL.
  const std::string with_nul{"pass\0word", 9};
  auto hash = hash_password(with_nul);
  ASSERT_TRUE(hash);
  EXPECT_TRUE(verify_password(with_nul, *hash));
  EXPECT_FALSE(verify_password("pass", *hash));
}

TEST_F(Credentials, GarbageHashNeverVerifies) {
  EXPECT_FALSE(verify_password("anything", ""));
  EXPECT_FALSE(verify_password("anything", "not a hash"));
  EXPECT_FALSE(verify_password("", "$argon2id$v=19$m=65536,t=2,p=1$"));
}

TEST_F(Credentials, DecoyHashIsStableAndMatchesNoOrdinaryPassword) {
  const auto& decoy = decoy_hash();
  EXPECT_TRUE(decoy.starts_with("$argon2id$")) << decoy;
  EXPECT_EQ(&decoy, &decoy_hash());
  EXPECT_FALSE(verify_password("", decoy));
  EXPECT_FALSE(verify_password("password", decoy));
}

// -- tokens -------------------------------------------------------------------

TEST_F(Credentials, TokensAre43UrlSafeCharacters) {
  for (int i = 0; i < 100; ++i) {
    auto t = new_token();
    ASSERT_EQ(t.size(), 43u) << t;
    EXPECT_TRUE(std::all_of(t.begin(), t.end(), is_url_safe)) << t;
  }
}

TEST_F(Credentials, TokensAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i)
    seen.insert(new_token());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST_F(Credentials, DigestIs64LowerHexAndStable) {
  auto t = new_token();
  auto d = token_digest(t);
  ASSERT_EQ(d.size(), 64u) << d;
  EXPECT_TRUE(std::all_of(d.begin(), d.end(), is_lower_hex)) << d;
  EXPECT_EQ(token_digest(t), d);
  EXPECT_NE(token_digest(new_token()), d);
  // The digest is not the token in disguise.
  EXPECT_EQ(d.find(t), std::string::npos);
}

TEST_F(Credentials, DigestIsSha256) {
  // FIPS 180-2 test vectors: a stored digest must stay readable by any
  // later build.
  EXPECT_EQ(token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(token_digest(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

} // namespace
} // namespace dots::security
