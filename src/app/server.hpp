#pragma once

#include "app/options.hpp"

namespace dots::app {

/// Runs dots-server until SIGINT or SIGTERM: opens (and migrates) the
/// database, starts the actors and the I/O threads, prints the URL, and on
/// a signal stops accepting, ends the streams, finishes requests in flight
/// and closes the database. Returns the process exit code.
int run_server(const options& opts);

} // namespace dots::app
