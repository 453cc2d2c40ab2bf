#pragma once

#include "actors/spawn.hpp"
#include "domain/frame.hpp"
#include "storage/sqlite_store.hpp"
#include "support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

// Shared by the actor tests: a real actor system, real SQLite files in a
// fresh folder, and a frame sink that records what the notifier publishes.

namespace dots::actors::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// How long any test waits for an actor before failing.
inline constexpr auto wait_limit = 10s;

using ::dots::test::temp_dir;

/// A frame sink that keeps every frame it is handed, for the test thread
/// to look at; publish() comes from the notifier's thread.
class recording_sink : public frame_sink {
public:
  void publish(domain::frame_ptr frame) override {
    {
      std::lock_guard lock{mutex_};
      frames_.push_back(std::move(frame));
    }
    changed_.notify_all();
  }

  /// The frames so far, once there are at least `n` or `timeout` passed.
  std::vector<domain::frame_ptr>
  wait_for(std::size_t n, std::chrono::milliseconds timeout = wait_limit) {
    std::unique_lock lock{mutex_};
    changed_.wait_for(lock, timeout, [&] { return frames_.size() >= n; });
    return frames_;
  }

  std::vector<domain::frame_ptr> frames() {
    std::lock_guard lock{mutex_};
    return frames_;
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<domain::frame_ptr> frames_;
};

/// One event frame as a client reads it.
struct sse_event {
  std::string id;
  std::string event;
  boost::json::object data;
};

/// Reads `id: N\nevent: NAME\ndata: JSON\n\n`, the frame of one event;
/// a test failure when the bytes have another shape.
inline sse_event read_event(const domain::frame& f) {
  sse_event out;
  const std::string& b = f.bytes;
  auto line = [&b](std::size_t& pos, std::string_view prefix) {
    auto end = b.find('\n', pos);
    if (end == std::string::npos ||
        b.compare(pos, prefix.size(), prefix) != 0) {
      ADD_FAILURE() << "expected a '" << prefix << "' line in:\n" << b;
      pos = b.size();
      return std::string{};
    }
    auto value = b.substr(pos + prefix.size(), end - pos - prefix.size());
    pos = end + 1;
    return value;
  };
  std::size_t pos = 0;
  out.id = line(pos, "id: ");
  out.event = line(pos, "event: ");
  auto data = line(pos, "data: ");
  EXPECT_EQ(b.substr(std::min(pos, b.size())), "\n") << b;
  boost::system::error_code ec;
  auto json = boost::json::parse(data, ec);
  if (ec || !json.is_object())
    ADD_FAILURE() << "data is not a JSON object: " << data;
  else
    out.data = json.as_object();
  return out;
}

/// A real actor system sized like the server's, and the actors a test
/// spawned, all told to exit before the system goes.
class actor_test : public ::testing::Test {
protected:
  ~actor_test() override { stop_actors(); }

  /// Remembers an actor so that it is told to exit at the end.
  template <class Handle>
  Handle track(Handle h) {
    spawned_.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  void stop_actors() {
    for (auto& a : spawned_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    spawned_.clear();
  }

  /// A new connection to the test's database file.
  std::shared_ptr<storage::store> open_store() {
    auto s = storage::open_sqlite_store(dir_.path() / "dots.db");
    if (!s) {
      ADD_FAILURE() << s.error().code << ": " << s.error().message;
      return nullptr;
    }
    return std::shared_ptr<storage::store>{std::move(s).value()};
  }

  /// A real event-log actor reading the test's database on a connection of
  /// its own, as the server gives the notifier.
  event_log_actor spawn_log() {
    auto store = open_store();
    if (!store)
      return {};
    return track(spawn_event_log(sys_, std::move(store)));
  }

  /// A notifier publishing to `sink_` and reading the test's database
  /// through a real event-log actor. `retained` and `latest_id` are what the
  /// server would load from the log at start.
  notifier_actor
  spawn_recorded_notifier(notifier_config cfg = {},
                          std::vector<domain::event> retained = {},
                          std::int64_t latest_id = 0) {
    return track(spawn_notifier(sys_, {sink_}, spawn_log(), std::move(retained),
                                latest_id, std::move(cfg)));
  }

  /// Asks `h` synchronously; nullopt (and a test failure) when the actor
  /// did not answer in time.
  template <class Reply, class Handle, class Message>
  std::optional<Reply> call(const Handle& h, Message msg) {
    caf::scoped_actor self{sys_};
    std::optional<Reply> out;
    self->request(h, wait_limit, std::move(msg))
        .receive([&](Reply& r) { out = std::move(r); },
                 [&](caf::error& e) {
                   ADD_FAILURE() << "request failed: " << sys_.render(e);
                 });
    return out;
  }

  static caf::actor_system_config& sized(caf::actor_system_config& cfg) {
    cfg.set("scheduler.max-threads", 2);
    return cfg;
  }

  temp_dir dir_;
  caf::actor_system_config cfg_;
  caf::actor_system sys_{sized(cfg_)};
  std::shared_ptr<recording_sink> sink_ = std::make_shared<recording_sink>();
  std::vector<caf::actor> spawned_;
};

} // namespace dots::actors::test
