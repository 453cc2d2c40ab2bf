#include "actors/actor_fixture.hpp"
#include "security/credentials.hpp"

#include <caf/after.hpp>
#include <gtest/gtest.h>

namespace dots::actors {
namespace {

using domain::error_kind;

// argon2id costs about 180 ms here: each test runs only a few hashes. The
// pool answers a refusal at once and a hash only after it ran, so a refusal
// arriving before any result shows it was not queued behind them.

class HashPool : public test::actor_test {
protected:
  static void SetUpTestSuite() { ASSERT_TRUE(security::init()); }

  /// A hash of `password` made outside the pool, to check against.
  static const std::string& stored_hash() {
    static const std::string hash =
        security::hash_password("password-1").value_or("");
    return hash;
  }

  /// Sends every job at once, in order, then collects the replies in the
  /// order they arrive: "busy" for a refusal, "match"/"mismatch" for a
  /// verdict.
  std::vector<std::string>
  verify_all_at_once(const hash_pool_actor& pool,
                     const std::vector<std::string>& passwords,
                     std::vector<domain::error>* refusals = nullptr) {
    caf::scoped_actor self{sys_};
    for (const auto& p : passwords)
      self->send(pool, verify_password_job{p, stored_hash()});
    std::vector<std::string> order;
    for (std::size_t i = 0; i < passwords.size(); ++i)
      self->receive(
          [&](domain::result<bool>& r) {
            if (r) {
              order.push_back(r.value() ? "match" : "mismatch");
              return;
            }
            EXPECT_EQ(r.error().kind, error_kind::unavailable);
            order.push_back(r.error().code);
            if (refusals != nullptr)
              refusals->push_back(r.error());
          },
          caf::after(test::wait_limit) >>
              [&] {
                ADD_FAILURE() << "no reply to job " << i;
                order.push_back("none");
              });
    return order;
  }

  /// The number of detached actors (threads of their own) once it reached
  /// `expected`, or after the wait limit: the workers' threads start
  /// shortly after the pool itself does.
  std::size_t detached_once(std::size_t expected) {
    const auto until = std::chrono::steady_clock::now() + test::wait_limit;
    while (sys_.detached_actors() < expected &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    return sys_.detached_actors();
  }
};

TEST_F(HashPool, HashesAndChecksPasswords) {
  auto pool = track(spawn_hash_pool(sys_, {1, 4}));
  auto hash =
      call<domain::result<std::string>>(pool, hash_password_job{"s3cret-pw"});
  ASSERT_TRUE(hash && *hash) << (hash ? hash->error().message : "no reply");
  EXPECT_TRUE(hash->value().starts_with("$argon2id$")) << hash->value();
  auto right = call<domain::result<bool>>(
      pool, verify_password_job{"s3cret-pw", hash->value()});
  ASSERT_TRUE(right && *right);
  EXPECT_TRUE(right->value());
  auto wrong = call<domain::result<bool>>(
      pool, verify_password_job{"s3cret-pX", hash->value()});
  ASSERT_TRUE(wrong && *wrong);
  EXPECT_FALSE(wrong->value());
}

TEST_F(HashPool, PastTheQueueJobsAreRefusedAtOnceWithAWait) {
  // One worker and one place in the queue: the first job runs, the second
  // waits, the next two are refused before either is done.
  auto pool = track(spawn_hash_pool(sys_, {1, 1}));
  std::vector<domain::error> refusals;
  const auto order = verify_all_at_once(
      pool, {"password-1", "password-2", "password-3", "password-4"},
      &refusals);
  EXPECT_EQ(order,
            (std::vector<std::string>{"busy", "busy", "match", "mismatch"}));
  ASSERT_EQ(refusals.size(), 2u);
  for (const auto& e : refusals) {
    EXPECT_EQ(e.kind, error_kind::unavailable);
    EXPECT_EQ(e.code, "busy");
    // Two jobs ahead at about 0.2 s each: a second, rounded up.
    EXPECT_EQ(e.retry_after, 1u);
    EXPECT_NE(e.message.find("try again in 1 s"), std::string::npos)
        << e.message;
  }
}

TEST_F(HashPool, AJobIsTakenAgainOnceTheQueueHasRoom) {
  auto pool = track(spawn_hash_pool(sys_, {1, 0}));
  EXPECT_EQ(verify_all_at_once(pool, {"password-1", "password-1"}),
            (std::vector<std::string>{"busy", "match"}));
  EXPECT_EQ(verify_all_at_once(pool, {"password-1"}),
            (std::vector<std::string>{"match"}));
}

TEST_F(HashPool, AJobThatWaitedTooLongIsRefusedInsteadOfRun) {
  // The first job runs for a hash's time, far past the others' 1 ms limit:
  // when the worker comes free they are answered "busy", not run.
  auto pool =
      track(spawn_hash_pool(sys_, {1, 2, std::chrono::milliseconds{1}}));
  std::vector<domain::error> refusals;
  EXPECT_EQ(verify_all_at_once(pool, {"password-1", "password-2", "password-3"},
                               &refusals),
            (std::vector<std::string>{"match", "busy", "busy"}));
  for (const auto& e : refusals)
    EXPECT_GE(e.retry_after, 1u);
  // The worker is free again for a job that comes in time.
  EXPECT_EQ(verify_all_at_once(pool, {"password-1"}),
            (std::vector<std::string>{"match"}));
}

TEST_F(HashPool, RunsAsManyJobsAtOnceAsItHasWorkers) {
  // No queue: a job is taken only when a worker is free for it, so with
  // three workers three run at once and the fourth is refused.
  const auto before = sys_.detached_actors();
  auto pool = track(spawn_hash_pool(sys_, {3, 0}));
  EXPECT_EQ(verify_all_at_once(
                pool, {"password-1", "password-1", "password-1", "password-1"}),
            (std::vector<std::string>{"busy", "match", "match", "match"}));
  // One thread for each worker; the pool itself runs on CAF's shared ones.
  EXPECT_EQ(detached_once(before + 3), before + 3);
}

TEST_F(HashPool, ZeroThreadsMeansOne) {
  const auto before = sys_.detached_actors();
  auto pool = track(spawn_hash_pool(sys_, {0, 0}));
  EXPECT_EQ(verify_all_at_once(pool, {"password-1", "password-1"}),
            (std::vector<std::string>{"busy", "match"}));
  EXPECT_EQ(detached_once(before + 1), before + 1);
}

TEST_F(HashPool, WorkersExitWithThePool) {
  const auto before = sys_.detached_actors();
  auto pool = spawn_hash_pool(sys_, {2, 0});
  ASSERT_EQ(detached_once(before + 2), before + 2);
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
  const auto until = std::chrono::steady_clock::now() + test::wait_limit;
  while (sys_.detached_actors() > before &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  EXPECT_EQ(sys_.detached_actors(), before);
}

} // namespace
} // namespace dots::actors
