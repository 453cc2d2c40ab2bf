#include "actors/clock.hpp"
#include "actors/spawn.hpp"
#include "security/credentials.hpp"
#include "security/rate_limiter.hpp"
#include "util/log.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

namespace dots::actors {

namespace {

using domain::error;
using domain::error_kind;
using domain::result;

struct accounts_state {
  std::shared_ptr<storage::store> store;
  std::unique_ptr<security::rate_limiter> limiter;
  accounts_config cfg;
  const char* name = "accounts";
};

error unauthenticated(std::string code, std::string message) {
  return error{
      error_kind::unauthenticated, std::move(code), std::move(message), {}};
}

std::string expiry_text(std::chrono::hours lifetime) {
  return domain::format_rfc3339(std::chrono::system_clock::now() + lifetime);
}

accounts_actor::behavior_type
accounts_impl(accounts_actor::stateful_pointer<accounts_state> self,
              std::shared_ptr<storage::store> store, accounts_config cfg) {
  self->state.store = std::move(store);
  self->state.limiter =
      std::make_unique<security::rate_limiter>(cfg.login_attempts_per_minute);
  self->state.cfg = cfg;
  return {
      [self](register_user& msg) -> result<domain::user> {
        auto hash = security::hash_password(msg.password);
        if (!hash)
          return domain::internal_error("cannot hash the password");
        auto u =
            self->state.store->create_user(msg.username, *hash, now_text());
        if (u)
          log::info("registered user ", u.value().username, " (id ",
                    u.value().id, ")");
        return u;
      },
      [self](login& msg) -> result<session_token> {
        auto& st = self->state;
        std::chrono::seconds retry{0};
        if (!st.limiter->try_acquire(
                msg.client, security::rate_limiter::clock::now(), retry))
          return error{error_kind::rate_limited,
                       "too_many_attempts",
                       "too many login attempts from this address; try again "
                       "in " +
                           std::to_string(retry.count()) + " s",
                       {},
                       static_cast<unsigned>(retry.count())};
        BOOST_OUTCOME_TRY(auto acc, st.store->find_account(msg.username));
        // Verify against a decoy when the user is unknown, so that response
        // times do not tell which usernames exist.
        const auto& hash = acc ? acc->password_hash : security::decoy_hash();
        if (!security::verify_password(msg.password, hash) || !acc)
          return unauthenticated("invalid_credentials",
                                 "wrong username or password");
        auto token = security::new_token();
        BOOST_OUTCOME_TRY(st.store->create_token(
            acc->user.id, security::token_digest(token), now_text(),
            expiry_text(st.cfg.token_lifetime)));
        return session_token{std::move(token), acc->user};
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
  return sys.spawn<caf::detached>(accounts_impl, std::move(store), cfg);
}

} // namespace dots::actors
