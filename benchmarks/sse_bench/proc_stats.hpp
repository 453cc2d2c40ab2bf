#pragma once

#include <cstdint>
#include <sys/types.h>
#include <vector>

namespace dots::bench {

/// Resource use of a server: a process and all its descendants (nginx runs
/// its work in children of the master we started).
struct proc_sample {
  bool ok = false;          ///< false when the process is gone
  std::int64_t rss_kib = 0; ///< sum of VmRSS
  std::int64_t pss_kib =
      -1;                  ///< sum of Pss (shared pages split), -1 if not read
  std::int64_t cpu_ns = 0; ///< user+system time of every live thread
  int processes = 0;
  int threads = 0;
};

/// Reads /proc. PSS walks the page tables, so it is read only when asked.
proc_sample sample_process_tree(pid_t root, bool with_pss);

/// The sum over several trees (the instances of a cluster); `ok` only while
/// every one of them is alive. An empty list gives an empty sample.
proc_sample sample_process_trees(const std::vector<pid_t>& roots,
                                 bool with_pss);

/// CPU time the whole machine spent busy (all CPUs, from /proc/stat): with
/// the server's and the client's own time it tells how much of a run's
/// machine was taken by something else.
std::int64_t machine_busy_ns();

} // namespace dots::bench
