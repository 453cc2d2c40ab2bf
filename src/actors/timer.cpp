#include "actors/spawn.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace dots::actors {

namespace {

using tick_atom = caf::atom_constant<caf::atom("tick")>;

caf::behavior timer_impl(caf::event_based_actor* self, notifier_actor notifier,
                         std::chrono::milliseconds interval) {
  self->delayed_send(self, interval, tick_atom::value);
  return {
      [=](tick_atom) {
        self->send(notifier, keepalive_tick{});
        self->delayed_send(self, interval, tick_atom::value);
      },
  };
}

} // namespace

caf::actor spawn_timer(caf::actor_system& sys, notifier_actor notifier,
                       std::chrono::milliseconds interval) {
  return sys.spawn(timer_impl, std::move(notifier), interval);
}

} // namespace dots::actors
