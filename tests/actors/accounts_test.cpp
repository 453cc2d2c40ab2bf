#include "actors/actor_fixture.hpp"
#include "security/credentials.hpp"

#include <gtest/gtest.h>

namespace dots::actors {
namespace {

using domain::error_kind;

class AccountsActor : public test::actor_test {
protected:
  static void SetUpTestSuite() { ASSERT_TRUE(security::init()); }

  void SetUp() override { start({}); }

  void start(accounts_config cfg) {
    if (accounts_)
      caf::anon_send_exit(accounts_, caf::exit_reason::user_shutdown);
    auto store = open_store();
    ASSERT_TRUE(store);
    accounts_ = track(spawn_accounts(sys_, std::move(store), cfg));
  }

  std::optional<domain::result<domain::user>>
  register_as(const std::string& name, const std::string& password) {
    return call<domain::result<domain::user>>(accounts_,
                                              register_user{name, password});
  }

  std::optional<domain::result<session_token>>
  login_as(const std::string& name, const std::string& password,
           const std::string& client = "127.0.0.1") {
    return call<domain::result<session_token>>(accounts_,
                                               login{name, password, client});
  }

  std::optional<domain::result<domain::user>> who_is(const std::string& token) {
    return call<domain::result<domain::user>>(accounts_, authenticate{token});
  }

  accounts_actor accounts_;
};

TEST_F(AccountsActor, RegisterLoginAuthenticateLogout) {
  auto reg = register_as("graczY", "password-1");
  ASSERT_TRUE(reg && *reg) << (reg ? reg->error().message : "no reply");
  EXPECT_GT((*reg).value().id, 0);
  EXPECT_EQ((*reg).value().username, "graczY");

  auto in = login_as("graczY", "password-1");
  ASSERT_TRUE(in && *in) << (in ? in->error().message : "no reply");
  const auto token = (*in).value().token;
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ((*in).value().user, reg->value());

  auto me = who_is(token);
  ASSERT_TRUE(me && *me) << (me ? me->error().message : "no reply");
  EXPECT_EQ(me->value(), reg->value());

  auto out = call<domain::result<void>>(accounts_, logout{token});
  ASSERT_TRUE(out && *out);

  auto after = who_is(token);
  ASSERT_TRUE(after);
  ASSERT_FALSE(*after);
  EXPECT_EQ(after->error().kind, error_kind::unauthenticated);
  EXPECT_EQ(after->error().code, "invalid_token");
}

TEST_F(AccountsActor, LoginIsCaseInsensitiveOnTheUsername) {
  auto reg = register_as("Alice", "password-1");
  ASSERT_TRUE(reg && *reg);
  auto in = login_as("aLICE", "password-1");
  ASSERT_TRUE(in && *in) << (in ? in->error().message : "no reply");
  EXPECT_EQ((*in).value().user.username, "Alice");
}

TEST_F(AccountsActor, UsernameTakenIsAConflict) {
  ASSERT_TRUE(register_as("alice", "password-1")->has_value());
  auto again = register_as("ALICE", "password-2");
  ASSERT_TRUE(again);
  ASSERT_FALSE(*again);
  EXPECT_EQ(again->error().kind, error_kind::conflict);
}

TEST_F(AccountsActor, EachLoginIsItsOwnSession) {
  ASSERT_TRUE(register_as("alice", "password-1")->has_value());
  auto a = login_as("alice", "password-1");
  auto b = login_as("alice", "password-1");
  ASSERT_TRUE(a && *a && b && *b);
  EXPECT_NE((*a).value().token, (*b).value().token);
  ASSERT_TRUE(
      call<domain::result<void>>(accounts_, logout{(*a).value().token}));
  EXPECT_FALSE(*who_is((*a).value().token));
  EXPECT_TRUE(*who_is((*b).value().token));
}

TEST_F(AccountsActor, WrongPasswordAndUnknownUserLookTheSame) {
  ASSERT_TRUE(register_as("alice", "password-1")->has_value());
  auto wrong = login_as("alice", "password-2");
  auto unknown = login_as("nobody", "password-1");
  ASSERT_TRUE(wrong && unknown);
  ASSERT_FALSE(*wrong);
  ASSERT_FALSE(*unknown);
  EXPECT_EQ(wrong->error().kind, error_kind::unauthenticated);
  EXPECT_EQ(wrong->error().code, "invalid_credentials");
  EXPECT_EQ(unknown->error(), wrong->error());
}

TEST_F(AccountsActor, TokensAreStoredOnlyHashed) {
  ASSERT_TRUE(register_as("alice", "password-1")->has_value());
  auto in = login_as("alice", "password-1");
  ASSERT_TRUE(in && *in);
  auto db = open_store();
  ASSERT_TRUE(db);
  const std::string far_past = "2000-01-01T00:00:00Z";
  auto by_digest = db->find_token_user(
      security::token_digest((*in).value().token), far_past);
  ASSERT_TRUE(by_digest);
  ASSERT_TRUE(by_digest.value());
  EXPECT_EQ((by_digest.value())->username, "alice");
  auto by_token = db->find_token_user((*in).value().token, far_past);
  ASSERT_TRUE(by_token);
  EXPECT_FALSE(by_token.value());
}

TEST_F(AccountsActor, GarbageTokenIsUnauthenticated) {
  for (const auto& t :
       std::vector<std::string>{"", "x", std::string(43, 'A')}) {
    auto r = who_is(t);
    ASSERT_TRUE(r);
    ASSERT_FALSE(*r);
    EXPECT_EQ(r->error().kind, error_kind::unauthenticated);
  }
}

TEST_F(AccountsActor, ExpiredTokenIsUnauthenticated) {
  start({10, std::chrono::hours{-1}});
  ASSERT_TRUE(register_as("alice", "password-1")->has_value());
  auto in = login_as("alice", "password-1");
  ASSERT_TRUE(in && *in) << (in ? in->error().message : "no reply");
  auto r = who_is((*in).value().token);
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error().code, "invalid_token");
}

TEST_F(AccountsActor, LoginAttemptsAreRateLimitedPerClient) {
  start({2, std::chrono::hours{1}});
  ASSERT_TRUE(register_as("alice", "password-1")->has_value());
  for (int i = 0; i < 2; ++i) {
    auto r = login_as("alice", "wrong-password", "10.0.0.1");
    ASSERT_TRUE(r);
    ASSERT_FALSE(*r);
    EXPECT_EQ(r->error().kind, error_kind::unauthenticated);
  }
  // Even the right password waits now.
  auto limited = login_as("alice", "password-1", "10.0.0.1");
  ASSERT_TRUE(limited);
  ASSERT_FALSE(*limited);
  EXPECT_EQ(limited->error().kind, error_kind::rate_limited);
  EXPECT_EQ(limited->error().code, "too_many_attempts");
  EXPECT_NE(limited->error().message.find(" s"), std::string::npos)
      << limited->error().message;
  // Another client is not affected.
  auto other = login_as("alice", "password-1", "10.0.0.2");
  ASSERT_TRUE(other && *other) << (other ? other->error().message : "");
}

} // namespace
} // namespace dots::actors
