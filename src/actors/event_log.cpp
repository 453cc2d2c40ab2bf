#include "actors/spawn.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

namespace dots::actors {

namespace {

struct event_log_state {
  std::shared_ptr<storage::store> store;
  const char* name = "event_log";
};

event_log_actor::behavior_type
event_log_impl(event_log_actor::stateful_pointer<event_log_state> self,
               std::shared_ptr<storage::store> store) {
  self->state.store = std::move(store);
  return {
      [self](read_events& msg) -> domain::result<storage::event_slice> {
        return self->state.store->events_after(msg.after_id, msg.limit);
      },
  };
}

} // namespace

event_log_actor spawn_event_log(caf::actor_system& sys,
                                std::shared_ptr<storage::store> store) {
  // Detached: reading the log blocks on the database, and a blocked
  // cooperative worker would stall the notifier.
  return sys.spawn<caf::detached>(event_log_impl, std::move(store));
}

} // namespace dots::actors
