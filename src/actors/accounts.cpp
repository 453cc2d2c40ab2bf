#include "actors/clock.hpp"
#include "actors/spawn.hpp"
#include "security/credentials.hpp"
#include "security/rate_limiter.hpp"
#include "util/log.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

namespace dots::actors {

namespace {

using domain::error;
using domain::error_kind;
using domain::result;

struct accounts_state {
  std::shared_ptr<storage::store> store;
  std::unique_ptr<security::rate_limiter> limiter;
  hash_pool_actor hashing;
  accounts_config cfg;
  const char* name = "accounts";
};

using self_ptr = accounts_actor::stateful_pointer<accounts_state>;

error unauthenticated(std::string code, std::string message) {
  return error{
      error_kind::unauthenticated, std::move(code), std::move(message), {}};
}

std::string expiry_text(std::chrono::hours lifetime) {
  return domain::format_rfc3339(std::chrono::system_clock::now() + lifetime);
}

/// The pool answers every job, at once when it is full, so a reply comes
/// unless the pool is gone (and then this actor too: they are linked).
/// Awaited with then(): this actor keeps answering meanwhile.
template <class Reply, class Job, class OnReply>
void hash_then(self_ptr self, Job job, OnReply on_reply) {
  self->request(self->state.hashing, caf::infinite, std::move(job))
      .then(on_reply, [on_reply, self](caf::error& err) mutable {
        Reply failed{domain::internal_error("the password hash failed: " +
                                            self->system().render(err))};
        on_reply(failed);
      });
}

/// The second half of a login, once the password checked out: a new token,
/// stored hashed on this actor's connection.
result<session_token> open_session(accounts_state& st,
                                   const storage::account& acc) {
  auto token = security::new_token();
  BOOST_OUTCOME_TRY(
      st.store->create_token(acc.user.id, security::token_digest(token),
                             now_text(), expiry_text(st.cfg.token_lifetime)));
  return session_token{std::move(token), acc.user};
}

accounts_actor::behavior_type
accounts_impl(self_ptr self, std::shared_ptr<storage::store> store,
              hash_pool_actor hashing, accounts_config cfg) {
  self->state.store = std::move(store);
  self->state.limiter =
      std::make_unique<security::rate_limiter>(cfg.login_attempts_per_minute);
  self->state.hashing = hashing;
  self->state.cfg = cfg;
  // Either one going takes the other: a pool without its actor is useless,
  // and an actor without its pool would answer no login.
  self->link_to(hashing);
  return {
      [self](register_user& msg) -> caf::result<result<domain::user>> {
        auto promise = self->make_response_promise<result<domain::user>>();
        auto on_hash = [self, promise, name = std::move(msg.username)](
                           result<std::string>& hash) mutable {
          if (!hash) {
            promise.deliver(result<domain::user>{hash.error()});
            return;
          }
          auto u =
              self->state.store->create_user(name, hash.value(), now_text());
          if (u)
            log::info("registered user ", u.value().username, " (id ",
                      u.value().id, ")");
          promise.deliver(std::move(u));
        };
        hash_then<result<std::string>>(
            self, hash_password_job{std::move(msg.password)},
            std::move(on_hash));
        return promise;
      },
      [self](login& msg) -> caf::result<result<session_token>> {
        auto& st = self->state;
        std::chrono::seconds retry{0};
        if (!st.limiter->try_acquire(
                msg.client, security::rate_limiter::clock::now(), retry))
          return result<session_token>{
              error{error_kind::rate_limited,
                    "too_many_attempts",
                    "too many login attempts from this address; try again in " +
                        std::to_string(retry.count()) + " s",
                    {},
                    static_cast<unsigned>(retry.count())}};
        auto found = st.store->find_account(msg.username);
        if (!found)
          return result<session_token>{found.error()};
        auto acc = std::move(found).value();
        // Checked against a decoy (an empty hash) when the user is unknown,
        // so that response times do not tell which usernames exist.
        verify_password_job job{std::move(msg.password),
                                acc ? acc->password_hash : std::string{}};
        auto promise = self->make_response_promise<result<session_token>>();
        auto on_verdict = [self, promise,
                           acc = std::move(acc)](result<bool>& ok) mutable {
          if (!ok)
            promise.deliver(result<session_token>{ok.error()});
          else if (!ok.value() || !acc)
            promise.deliver(result<session_token>{unauthenticated(
                "invalid_credentials", "wrong username or password")});
          else
            promise.deliver(open_session(self->state, *acc));
        };
        hash_then<result<bool>>(self, std::move(job), std::move(on_verdict));
        return promise;
      },
      [self](logout& msg) -> result<void> {
        BOOST_OUTCOME_TRY(
            self->state.store->delete_token(security::token_digest(msg.token)));
        return domain::success();
      },
      [self](authenticate& msg) -> result<domain::user> {
        BOOST_OUTCOME_TRY(auto u,
                          self->state.store->find_token_user(
                              security::token_digest(msg.token), now_text()));
        if (!u)
          return unauthenticated("invalid_token",
                                 "the token is invalid or has expired");
        return std::move(*u);
      },
  };
}

} // namespace

accounts_actor spawn_accounts(caf::actor_system& sys,
                              std::shared_ptr<storage::store> store,
                              accounts_config cfg) {
  auto hashing = spawn_hash_pool(sys, cfg.hashing);
  return sys.spawn<caf::detached>(accounts_impl, std::move(store),
                                  std::move(hashing), cfg);
}

} // namespace dots::actors
