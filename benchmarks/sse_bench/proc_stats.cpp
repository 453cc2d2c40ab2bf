#include "proc_stats.hpp"

#include <charconv>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace dots::bench {

namespace {

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr)
    return out;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.')
      out.emplace_back(e->d_name);
  }
  ::closedir(d);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::int64_t field_kib(const std::string& text, std::string_view key) {
  const std::size_t at = text.find(key);
  if (at == std::string::npos)
    return 0;
  std::size_t p = at + key.size();
  while (p < text.size() && (text[p] == ' ' || text[p] == '\t'))
    ++p;
  std::int64_t v = 0;
  std::from_chars(text.data() + p, text.data() + text.size(), v);
  return v;
}

/// The process and its descendants, through the per-thread children lists.
void collect_tree(pid_t pid, std::vector<pid_t>& out, int depth) {
  out.push_back(pid);
  if (depth > 8)
    return;
  const std::string base = "/proc/" + std::to_string(pid) + "/task/";
  for (const auto& tid : list_dir(base)) {
    std::istringstream children(read_file(base + tid + "/children"));
    pid_t child = 0;
    while (children >> child)
      collect_tree(child, out, depth + 1);
  }
}

/// CPU time of one thread: schedstat has nanoseconds; stat only ticks.
std::int64_t thread_cpu_ns(const std::string& task_dir) {
  const std::string sched = read_file(task_dir + "/schedstat");
  std::int64_t ns = 0;
  const auto [p, ec] =
      std::from_chars(sched.data(), sched.data() + sched.size(), ns);
  if (ec == std::errc{} && p != sched.data())
    return ns;
  const std::string stat = read_file(task_dir + "/stat");
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string skip;
  for (int i = 3; i <= 13; ++i)
    rest >> skip;
  std::int64_t utime = 0, stime = 0;
  rest >> utime >> stime;
  return (utime + stime) * (1'000'000'000 / ::sysconf(_SC_CLK_TCK));
}

} // namespace

std::int64_t machine_busy_ns() {
  // "cpu  user nice system idle iowait irq softirq steal ..." in ticks.
  std::istringstream in(read_file("/proc/stat"));
  std::string label;
  std::int64_t v[8] = {};
  in >> label;
  for (auto& x : v)
    in >> x;
  if (label != "cpu")
    return 0;
  const std::int64_t busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return busy * (1'000'000'000 / ::sysconf(_SC_CLK_TCK));
}

proc_sample sample_process_tree(pid_t root, bool with_pss) {
  proc_sample s;
  std::vector<pid_t> pids;
  collect_tree(root, pids, 0);
  if (with_pss)
    s.pss_kib = 0;
  for (const pid_t pid : pids) {
    const std::string dir = "/proc/" + std::to_string(pid);
    const std::string status = read_file(dir + "/status");
    if (status.empty())
      continue;
    s.ok = true;
    ++s.processes;
    s.rss_kib += field_kib(status, "VmRSS:");
    if (with_pss)
      s.pss_kib += field_kib(read_file(dir + "/smaps_rollup"), "Pss:");
    for (const auto& tid : list_dir(dir + "/task")) {
      s.cpu_ns += thread_cpu_ns(dir + "/task/" + tid);
      ++s.threads;
    }
  }
  return s;
}

proc_sample sample_process_trees(const std::vector<pid_t>& roots,
                                 bool with_pss) {
  proc_sample sum;
  if (roots.empty())
    return sum;
  sum.ok = true;
  if (with_pss)
    sum.pss_kib = 0;
  for (const pid_t root : roots) {
    const proc_sample s = sample_process_tree(root, with_pss);
    sum.ok = sum.ok && s.ok;
    sum.rss_kib += s.rss_kib;
    if (with_pss)
      sum.pss_kib += s.pss_kib;
    sum.cpu_ns += s.cpu_ns;
    sum.processes += s.processes;
    sum.threads += s.threads;
  }
  return sum;
}

} // namespace dots::bench
