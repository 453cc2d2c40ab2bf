#pragma once

#include <cstdio>
#include <cstdlib>

// What every fuzz target uses to state an invariant: a broken one prints
// where and why, then aborts, which libFuzzer reports as a crash and saves
// the input that broke it.

#define DOTS_FUZZ_CHECK(cond, what)                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__,     \
                   __LINE__, (what), #cond);                                   \
      std::abort();                                                            \
    }                                                                          \
  } while (false)
