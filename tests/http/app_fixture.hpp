#pragma once

#include "actors/actor_fixture.hpp"
#include "http/context.hpp"

#include <memory>

namespace dots::http::test {

/// A test with the context a server gives its sessions: real accounts,
/// boards and paths actors, each on its own connection to the test's
/// SQLite file, and a notifier that records what it publishes.
class app_test : public actors::test::actor_test {
protected:
  /// A ready context (as after start) over fresh actors.
  std::unique_ptr<app_context> make_app() {
    auto notifier = spawn_recorded_notifier();
    auto accounts = track(actors::spawn_accounts(sys_, open_store(), {}));
    auto boards = track(actors::spawn_boards(sys_, open_store(), notifier, {}));
    auto paths = track(actors::spawn_paths(sys_, open_store(), notifier, {}));
    auto ctx =
        std::make_unique<app_context>(sys_, accounts, boards, paths, notifier,
                                      std::make_shared<server_metrics>());
    ctx->ready = true;
    return ctx;
  }
};

} // namespace dots::http::test
