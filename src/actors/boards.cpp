#include "actors/clock.hpp"
#include "actors/retention.hpp"
#include "actors/spawn.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

namespace dots::actors {

namespace {

using domain::error;
using domain::error_kind;
using domain::result;

struct boards_state {
  std::shared_ptr<storage::store> store;
  notifier_actor notifier;
  std::optional<log_trimmer> trimmer;
  const char* name = "boards";
};

/// The board `id` if `caller` may change it. Checked and acted on inside one
/// message handler, so nothing can change the board in between.
result<domain::board> owned_board(storage::store& store, std::int64_t id,
                                  const domain::user& caller) {
  auto b = store.get_board(id);
  if (b && b.value().creator_id != caller.id)
    return error{error_kind::forbidden,
                 "not_creator",
                 "only the creator of a board may change or delete it",
                 {}};
  return b;
}

boards_actor::behavior_type
boards_impl(boards_actor::stateful_pointer<boards_state> self,
            std::shared_ptr<storage::store> store, notifier_actor notifier,
            retention_config cfg) {
  self->state.store = std::move(store);
  self->state.notifier = std::move(notifier);
  self->state.trimmer.emplace(cfg);
  return {
      [self](list_boards& msg) -> result<domain::board_page> {
        return self->state.store->list_boards(msg.creator_id, msg.limit,
                                              msg.after);
      },
      [self](get_board& msg) -> result<domain::board> {
        return self->state.store->get_board(msg.id);
      },
      [self](create_board& msg) -> result<domain::board> {
        BOOST_OUTCOME_TRY(auto done, self->state.store->create_board(
                                         msg.caller.id, msg.draft, now_text()));
        report_committed(self, board_created{std::move(done.event)});
        return std::move(done.value);
      },
      [self](update_board& msg) -> result<domain::board> {
        auto& store = *self->state.store;
        BOOST_OUTCOME_TRY(owned_board(store, msg.id, msg.caller));
        BOOST_OUTCOME_TRY(auto done,
                          store.update_board(msg.id, msg.draft, now_text()));
        report_committed(self, board_updated{std::move(done.event)});
        return std::move(done.value);
      },
      [self](delete_board& msg) -> result<void> {
        auto& store = *self->state.store;
        BOOST_OUTCOME_TRY(owned_board(store, msg.id, msg.caller));
        BOOST_OUTCOME_TRY(auto done, store.delete_board(msg.id));
        report_committed(self, board_deleted{std::move(done.event)});
        return domain::success();
      },
  };
}

} // namespace

boards_actor spawn_boards(caf::actor_system& sys,
                          std::shared_ptr<storage::store> store,
                          notifier_actor notifier, retention_config cfg) {
  return sys.spawn<caf::detached>(boards_impl, std::move(store),
                                  std::move(notifier), cfg);
}

} // namespace dots::actors
