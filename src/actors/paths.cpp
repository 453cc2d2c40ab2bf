#include "actors/clock.hpp"
#include "actors/retention.hpp"
#include "actors/spawn.hpp"
#include "domain/rules.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

namespace dots::actors {

namespace {

using domain::result;

struct paths_state {
  std::shared_ptr<storage::store> store;
  notifier_actor notifier;
  std::optional<log_trimmer> trimmer;
  const char* name = "paths";
};

paths_actor::behavior_type
paths_impl(paths_actor::stateful_pointer<paths_state> self,
           std::shared_ptr<storage::store> store, notifier_actor notifier,
           retention_config cfg) {
  self->state.store = std::move(store);
  self->state.notifier = std::move(notifier);
  self->state.trimmer.emplace(cfg);
  return {
      [self](get_path& msg) -> result<domain::path> {
        auto& store = *self->state.store;
        BOOST_OUTCOME_TRY(store.get_board(msg.board_id));
        return store.get_path(msg.board_id, msg.caller.id);
      },
      [self](save_path& msg) -> result<path_saved> {
        auto& st = self->state;
        // Validated here, against the board as stored at this moment.
        BOOST_OUTCOME_TRY(auto b, st.store->get_board(msg.board_id));
        BOOST_OUTCOME_TRY(auto segments,
                          domain::validate_path(b, std::move(msg.segments)));
        auto complete = domain::is_complete(b, segments);
        BOOST_OUTCOME_TRY(auto done,
                          st.store->save_path(msg.board_id, msg.caller.id,
                                              segments, complete, now_text()));
        if (done.created)
          report_committed(self, path_created{std::move(done.event)});
        else
          report_committed(self, path_updated{std::move(done.event)});
        return path_saved{std::move(done.path), done.created};
      },
      [self](delete_path& msg) -> result<void> {
        auto& store = *self->state.store;
        BOOST_OUTCOME_TRY(store.get_board(msg.board_id));
        return store.delete_path(msg.board_id, msg.caller.id);
      },
  };
}

} // namespace

paths_actor spawn_paths(caf::actor_system& sys,
                        std::shared_ptr<storage::store> store,
                        notifier_actor notifier, retention_config cfg) {
  return sys.spawn<caf::detached>(paths_impl, std::move(store),
                                  std::move(notifier), cfg);
}

} // namespace dots::actors
