#pragma once

#include "actors/interfaces.hpp"
#include "http/responses.hpp" // cors_policy
#include "http/stream_hub.hpp"
#include "util/metrics.hpp"

#include <atomic>
#include <caf/fwd.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace dots::http {

/// Limits that keep one client from holding or exhausting the server.
struct http_limits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  /// A whole request (headers and body) must arrive within this time, and
  /// an idle keep-alive connection is closed after it.
  std::chrono::milliseconds request_timeout{std::chrono::seconds{30}};
};

/// Limits and hints of the notification streams.
struct stream_config {
  std::size_t max_streams = 19000;       ///< past it: 503
  std::chrono::milliseconds retry{3000}; ///< the `retry:` hint
};

/// What every session and handler shares: the actors, limits and counters.
/// Built once at start; the handles are immutable after that.
struct app_context {
  app_context(caf::actor_system& sys, actors::accounts_actor accounts,
              actors::boards_actor boards, actors::paths_actor paths,
              actors::notifier_actor notifier,
              std::shared_ptr<server_metrics> metrics)
      : sys(sys)
      , accounts(std::move(accounts))
      , boards(std::move(boards))
      , paths(std::move(paths))
      , notifier(std::move(notifier))
      , metrics(std::move(metrics)) {}

  caf::actor_system& sys;
  actors::accounts_actor accounts;
  actors::boards_actor boards;
  actors::paths_actor paths;
  actors::notifier_actor notifier;
  std::shared_ptr<server_metrics> metrics;
  http_limits limits;
  stream_config streams;
  std::filesystem::path web_dir; ///< built browser app; empty: none
  /// Every shard's streams, for /metrics.
  std::vector<std::shared_ptr<stream_hub>> hubs;
  /// False while starting and once draining: /readyz answers 503.
  std::atomic<bool> ready{false};
  /// False while the database is unreachable (PostgreSQL's LISTEN
  /// connection is down): /readyz answers 503. Always true on SQLite.
  std::atomic<bool> database_reachable{true};
  /// Peers whose X-Forwarded-For is believed (a reverse proxy in front):
  /// the login limit then keys on the client the proxy names.
  std::vector<std::string> trusted_proxies;
  /// The origins whose pages may read the API and the stream
  /// (--cors-origins); empty: no CORS headers at all.
  cors_policy cors;
  /// Set at shutdown: sessions close after their current response.
  std::atomic<bool> draining{false};
};

} // namespace dots::http
