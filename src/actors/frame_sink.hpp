#pragma once

#include "domain/frame.hpp"

namespace dots::actors {

/// Where the notifier hands each frame: a group of streams (one per I/O
/// thread). `publish` is called from an actor thread and must not block.
class frame_sink {
public:
  virtual ~frame_sink() = default;
  virtual void publish(domain::frame_ptr frame) = 0;
};

} // namespace dots::actors
