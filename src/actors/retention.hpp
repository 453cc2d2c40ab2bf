#pragma once

#include "actors/spawn.hpp"
#include "util/log.hpp"

#include <cstdint>

namespace dots::actors {

/// Keeps the event log near its retention limit. Trimming after every write
/// would double the write cost, so it runs once per `every` events; the log
/// may hold up to `every` extra rows meanwhile, which replays tolerate.
class log_trimmer {
public:
  explicit log_trimmer(retention_config cfg)
      : cfg_(cfg) {}

  void after_write(storage::store& store, std::int64_t event_id) {
    if (event_id % every != 0)
      return;
    if (auto done = store.trim_events(cfg_.events); !done)
      log::warn("cannot trim the event log: ", done.error().message);
  }

  static constexpr std::int64_t every = 64;

private:
  retention_config cfg_;
};

/// What a persistence actor does once a change and its event row are
/// committed: tells the notifier, then keeps the log trimmed. `Self` is a
/// stateful actor whose state has `store`, `notifier` and `trimmer`.
template <class Self, class Message>
void report_committed(Self* self, Message message) {
  auto& st = self->state;
  auto id = message.event.id;
  self->send(st.notifier, std::move(message));
  st.trimmer->after_write(*st.store, id);
}

} // namespace dots::actors
