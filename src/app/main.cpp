#include "app/options.hpp"
#include "app/server.hpp"

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = dots::app::parse_options(
      args, [](const char* name) { return std::getenv(name); });
  if (!opts) {
    // Exit status 2: a usage error, as for other command-line tools.
    std::cerr << "dots-server: " << opts.error().message << '\n';
    return 2;
  }
  if (opts.value().help) {
    std::cout << dots::app::usage();
    return 0;
  }
  if (opts.value().version) {
    std::cout << "dots-server " << DOTS_VERSION << '\n';
    return 0;
  }
  return dots::app::run_server(opts.value());
}
