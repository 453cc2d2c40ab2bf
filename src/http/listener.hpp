#pragma once

#include "http/context.hpp"
#include "http/net.hpp"
#include "http/shard.hpp"

#include <memory>
#include <vector>

namespace dots::http {

/// Accepts connections and spreads them over the shards, round robin.
/// Running out of descriptors pauses accepting briefly instead of spinning.
class listener {
public:
  /// Binds and listens; throws boost::system::system_error when it cannot.
  listener(app_context& ctx, std::vector<std::unique_ptr<shard>>& shards,
           const tcp::endpoint& endpoint);

  /// The bound address (with the real port when 0 was asked for).
  tcp::endpoint local_endpoint() const;

  /// Starts the accept loop on the first shard.
  void start();

  /// Stops accepting; thread-safe.
  void stop();

private:
  net::awaitable<void> accept_loop();

  app_context& ctx_;
  std::vector<std::unique_ptr<shard>>& shards_;
  tcp::acceptor acceptor_;
};

} // namespace dots::http
