#include "actors/spawn.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace dots::actors {

namespace {

using keepalive_atom = caf::atom_constant<caf::atom("keepalive")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;

caf::behavior timer_impl(caf::event_based_actor* self, notifier_actor notifier,
                         std::chrono::milliseconds keepalive,
                         std::chrono::milliseconds poll) {
  // Each tick re-arms itself, so a slow notifier never gets a backlog.
  self->delayed_send(self, keepalive, keepalive_atom::value);
  if (poll.count() > 0)
    self->delayed_send(self, poll, poll_atom::value);
  return {
      [=](keepalive_atom) {
        self->send(notifier, keepalive_tick{});
        self->delayed_send(self, keepalive, keepalive_atom::value);
      },
      [=](poll_atom) {
        self->send(notifier, log_wake{});
        self->delayed_send(self, poll, poll_atom::value);
      },
  };
}

} // namespace

caf::actor spawn_timer(caf::actor_system& sys, notifier_actor notifier,
                       std::chrono::milliseconds keepalive,
                       std::chrono::milliseconds poll) {
  return sys.spawn(timer_impl, std::move(notifier), keepalive, poll);
}

} // namespace dots::actors
