#include "actors/actor_fixture.hpp"
#include "security/credentials.hpp"

#include <caf/after.hpp>
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

  /// What `self` receives next, as one word: the reply to a login, a
  /// registration, a token check or a logout ("login", "register", "me",
  /// "logout"), or its error code. The replies to messages sent with send()
  /// come back in the order they were answered.
  static std::string next_reply(caf::scoped_actor& self) {
    std::string out = "none";
    auto name = [&out](const char* what, const auto& r) {
      out = r ? what : r.error().code;
    };
    self->receive(
        [&](domain::result<session_token>& r) { name("login", r); },
        [&](domain::result<domain::user>& r) {
          // A token check and a registration both answer a user.
          name(r && r.value().username == "fresh" ? "register" : "me", r);
        },
        [&](domain::result<void>& r) { name("logout", r); },
        caf::after(test::wait_limit) >> [] { ADD_FAILURE() << "no reply"; });
    return out;
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

// Hashes run on the accounts actor's hash pool. argon2id costs about 180 ms
// here: each test below runs only a few. Replies are checked by their order:
// one answered while hashes are still outstanding arrives before them.

TEST_F(AccountsActor, TokenChecksAndLogoutsDoNotWaitForHashes) {
  start({100, std::chrono::hours{1}, {1, 8}});
  ASSERT_TRUE(register_as("alice", "password-1")->has_value());
  auto in = login_as("alice", "password-1");
  ASSERT_TRUE(in && *in) << (in ? in->error().message : "no reply");
  const auto token = in->value().token;

  // Three slow logins first, then a token check and a logout: the last two
  // are answered while the three hashes are still running or waiting.
  caf::scoped_actor self{sys_};
  for (int i = 0; i < 3; ++i)
    self->send(accounts_, login{"alice", "wrong-password", "10.0.0.1"});
  self->send(accounts_, authenticate{token});
  self->send(accounts_, logout{token});
  std::vector<std::string> order;
  for (int i = 0; i < 5; ++i)
    order.push_back(next_reply(self));
  EXPECT_EQ(order, (std::vector<std::string>{
                       "me", "logout", "invalid_credentials",
                       "invalid_credentials", "invalid_credentials"}));
}

TEST_F(AccountsActor, HashesPastTheQueueAreRefusedAtOnce) {
  // One hash runs and one waits; a third login and a registration are
  // refused (503 with Retry-After) before either of those is done.
  start({100, std::chrono::hours{1}, {1, 1}});
  ASSERT_TRUE(register_as("alice", "password-1")->has_value());
  caf::scoped_actor self{sys_};
  self->send(accounts_, login{"alice", "wrong-password", "10.0.0.1"});
  self->send(accounts_, login{"nobody", "password-1", "10.0.0.2"});
  self->send(accounts_, login{"alice", "password-1", "10.0.0.3"});
  self->send(accounts_, register_user{"fresh", "password-1"});
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i)
    order.push_back(next_reply(self));
  EXPECT_EQ(order,
            (std::vector<std::string>{"busy", "busy", "invalid_credentials",
                                      "invalid_credentials"}));

  // The refusal says when to come back, as the Retry-After header will.
  auto refused = [&] {
    self->send(accounts_, login{"alice", "wrong-password", "10.0.0.4"});
    self->send(accounts_, login{"alice", "wrong-password", "10.0.0.4"});
    return call<domain::result<session_token>>(
        accounts_, login{"alice", "password-1", "10.0.0.4"});
  }();
  ASSERT_TRUE(refused);
  ASSERT_FALSE(*refused);
  EXPECT_EQ(refused->error().kind, error_kind::unavailable);
  EXPECT_EQ(refused->error().code, "busy");
  EXPECT_GE(refused->error().retry_after, 1u);
  EXPECT_NE(refused->error().message.find(
                "try again in " + std::to_string(refused->error().retry_after) +
                " s"),
            std::string::npos)
      << refused->error().message;
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(next_reply(self), "invalid_credentials");

  // Nothing was left half done: the refused registration can be made now.
  auto fresh = register_as("fresh", "password-1");
  ASSERT_TRUE(fresh && *fresh) << (fresh ? fresh->error().message : "");
}

TEST_F(AccountsActor, AsManyHashesRunAtOnceAsThereAreHashThreads) {
  // No queue: a hash is taken only when a thread is free for it. With two
  // threads two logins are checked at once and a third is refused.
  start({100, std::chrono::hours{1}, {2, 0}});
  caf::scoped_actor self{sys_};
  for (int i = 0; i < 3; ++i)
    self->send(accounts_, login{"nobody", "password-1", "10.0.0.1"});
  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i)
    order.push_back(next_reply(self));
  EXPECT_EQ(order, (std::vector<std::string>{"busy", "invalid_credentials",
                                             "invalid_credentials"}));
}

} // namespace
} // namespace dots::actors
