// sse-bench: opens thousands of Server-Sent Events streams against one
// server (or spread over the instances of a cluster), triggers tagged events
// through its publishing interface, and reports in JSON whether every stream
// got every event, how late, and what it cost the server (read from /proc).
// See benchmarks/README.md.

#include "clock.hpp"
#include "control.hpp"
#include "histogram.hpp"
#include "http_parse.hpp"
#include "net.hpp"
#include "proc_stats.hpp"
#include "publisher.hpp"
#include "report.hpp"
#include "stream_worker.hpp"

#include <arpa/inet.h>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <poll.h>
#include <random>
#include <signal.h>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace json = boost::json;
using namespace dots::bench;

namespace {

constexpr const char* usage_text = R"(usage:
  sse-bench --url URL [options]      run one scenario, JSON to --out or stdout
  sse-bench table DIR...             table of the runs in DIR (ratios)
  sse-bench sweep-data DIR...        gnuplot data of the sweep runs in DIR

run options (defaults in brackets; options marked * take several values,
comma-separated or by repeating the option):
  --url URL *               SSE endpoint, http://127.x.x.x:PORT/path; with
                            several, stream k connects to URL number k mod n
  --streams N               streams to open [1000]
  --events M                events to trigger [0]
  --rate R                  events per second, 0 = as fast as answered [10]
  --trigger KIND            dots | post | none [none]
  --publish-url URL *       dots: API base URL; post: publisher URL; with
                            several, event k is published on URL k mod n
                            (same instances in the same order as --url: the
                            latency is also split into same-instance and
                            cross-instance deliveries)
  --publish-connections C   parallel publishing connections per URL [1]
  --server-pid PID *        server process (and its children) to measure;
                            several are summed (the instances of a cluster)
  --db-pid PID *            database process tree (PostgreSQL's postmaster),
                            measured apart from the server
  --sources K               source addresses 127.0.0.2 ... [4]
  --per-process N           streams per worker process [9000]
  --processes P             worker processes [streams / per-process]
  --connect-concurrency C   connects in flight per worker [256]
  --connect-timeout S       per stream, until the response head [30]
  --connect-budget S        for the whole connect phase [120]
  --settle S                pause after connecting, before measuring [1]
  --idle S                  idle window (keep-alive cost) [0]
  --publish-seconds S       stop sending new events after S seconds [none]
  --drain S                 wait for deliveries after publishing [15]
  --timeout S               hard limit for the whole run [900]
  --server NAME --scenario NAME --label TEXT   copied into the JSON
  --out FILE                write the JSON there
)";

struct options {
  std::vector<std::string> urls;
  std::size_t streams = 1000;
  std::uint32_t events = 0;
  double rate = 10;
  std::string trigger = "none";
  std::vector<std::string> publish_urls;
  int publish_connections = 1;
  std::vector<pid_t> server_pids;
  std::vector<pid_t> db_pids;
  int sources = 4;
  std::size_t per_process = 9000;
  int processes = 0;
  int connect_concurrency = 256;
  double connect_timeout_s = 30;
  double connect_budget_s = 120;
  double settle_s = 1;
  double idle_s = 0;
  double publish_s = 0;
  double drain_s = 15;
  double timeout_s = 900;
  std::string server = "unknown";
  std::string scenario = "custom";
  std::string label;
  std::string out;
};

/// Set once the options are known, so that a fatal error still leaves a
/// result file saying what went wrong.
const struct options* current_options = nullptr;

[[noreturn]] void die(const std::string& what);

[[noreturn]] void die(const std::string& what) {
  std::cerr << "sse-bench: " << what << "\n";
  if (current_options != nullptr && !current_options->out.empty()) {
    std::ofstream out(current_options->out);
    write_pretty(out, json::object{{"tool", "sse-bench"},
                                   {"server_name", current_options->server},
                                   {"scenario", current_options->scenario},
                                   {"config",
                                    {{"streams", current_options->streams},
                                     {"events", current_options->events}}},
                                   {"ok", false},
                                   {"error", what}});
  }
  std::exit(1);
}

double number(const std::string& name, const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used != text.size() || !std::isfinite(v) || v < 0)
      throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    die("bad value for " + name + ": " + text);
  }
}

/// The comma-separated items of an option's value, without empty ones.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    if (comma > pos)
      items.push_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return items;
}

void append_pids(std::vector<pid_t>& to, const std::string& name,
                 const std::string& text) {
  for (const auto& item : split_list(text))
    to.push_back(static_cast<pid_t>(number(name, item)));
}

options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key == "-h" || key == "--help") {
      std::cout << usage_text;
      std::exit(0);
    }
    if (i + 1 >= argc)
      die("missing value for " + key);
    const std::string v = argv[++i];
    if (key == "--url") {
      for (auto& u : split_list(v))
        o.urls.push_back(std::move(u));
    } else if (key == "--streams")
      o.streams = static_cast<std::size_t>(number(key, v));
    else if (key == "--events")
      o.events = static_cast<std::uint32_t>(number(key, v));
    else if (key == "--rate")
      o.rate = number(key, v);
    else if (key == "--trigger")
      o.trigger = v;
    else if (key == "--publish-url") {
      for (auto& u : split_list(v))
        o.publish_urls.push_back(std::move(u));
    } else if (key == "--publish-connections")
      o.publish_connections = static_cast<int>(number(key, v));
    else if (key == "--server-pid")
      append_pids(o.server_pids, key, v);
    else if (key == "--db-pid")
      append_pids(o.db_pids, key, v);
    else if (key == "--sources")
      o.sources = static_cast<int>(number(key, v));
    else if (key == "--per-process")
      o.per_process = static_cast<std::size_t>(number(key, v));
    else if (key == "--processes")
      o.processes = static_cast<int>(number(key, v));
    else if (key == "--connect-concurrency")
      o.connect_concurrency = static_cast<int>(number(key, v));
    else if (key == "--connect-timeout")
      o.connect_timeout_s = number(key, v);
    else if (key == "--connect-budget")
      o.connect_budget_s = number(key, v);
    else if (key == "--settle")
      o.settle_s = number(key, v);
    else if (key == "--idle")
      o.idle_s = number(key, v);
    else if (key == "--publish-seconds")
      o.publish_s = number(key, v);
    else if (key == "--drain")
      o.drain_s = number(key, v);
    else if (key == "--timeout")
      o.timeout_s = number(key, v);
    else if (key == "--server")
      o.server = v;
    else if (key == "--scenario")
      o.scenario = v;
    else if (key == "--label")
      o.label = v;
    else if (key == "--out")
      o.out = v;
    else
      die("unknown option " + key + " (see --help)");
  }
  if (o.urls.empty())
    die("--url is required (see --help)");
  // A stream records its instance in 16 bits.
  if (o.urls.size() > 1000 || o.publish_urls.size() > 1000)
    die("at most 1000 --url and --publish-url values");
  if (o.trigger != "none" && o.trigger != "dots" && o.trigger != "post")
    die("--trigger must be dots, post or none");
  if (o.events > 0 && o.trigger == "none")
    die("--events needs --trigger dots or post");
  if (o.trigger != "none" && o.publish_urls.empty())
    die("--trigger needs --publish-url");
  if (o.streams == 0 || o.per_process == 0)
    die("--streams and --per-process must be positive");
  if (o.sources < 1 || o.sources > 250)
    die("--sources must be 1..250");
  if (o.events > 10'000'000)
    die("--events is capped at 10,000,000");
  o.publish_connections = std::clamp(o.publish_connections, 1, 256);
  o.connect_concurrency = std::clamp(o.connect_concurrency, 1, 65536);
  return o;
}

/// Streams beyond a few thousand need more descriptors than the default 1024.
void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

std::string random_run_id() {
  std::random_device rd;
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", rd());
  return buf;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// The three load averages, e.g. "0.52 0.41 0.30".
std::string read_loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

void sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

/// Registers a throw-away account and logs in; returns the bearer token.
std::string dots_login(const sockaddr_in& api, const std::string& host,
                       const std::string& run) {
  const std::string user = "bench_" + run;
  const std::string creds = json::serialize(
      json::object{{"username", user}, {"password", "bench-pass-" + run}});
  const auto request = [&](const std::string& path) {
    return "POST " + path + " HTTP/1.1\r\nHost: " + host +
           "\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(creds.size()) + "\r\nConnection: close\r\n\r\n" +
           creds;
  };
  std::string error;
  const auto reg =
      http_exchange(api, request("/api/auth/register"), 30'000, error);
  if (!reg)
    die("register: " + error);
  if (reg->status != 201 && reg->status != 409)
    die("register: status " + std::to_string(reg->status) + ": " + reg->body);
  const auto login =
      http_exchange(api, request("/api/auth/login"), 30'000, error);
  if (!login)
    die("login: " + error);
  if (login->status != 200)
    die("login: status " + std::to_string(login->status) + ": " + login->body);
  boost::system::error_code ec;
  const json::value v = json::parse(login->body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("token") ||
      !v.at("token").is_string())
    die("login: no token in " + login->body);
  return std::string(v.at("token").as_string());
}

struct worker_handle {
  pid_t pid = -1;
  int fd = -1;
  std::size_t streams = 0;
  std::optional<message> connected;
  std::optional<message> mark;
  std::optional<message> final;
};

/// Waits until every worker has answered `command` (or the deadline), calling
/// `tick` about every 100 ms meanwhile.
void collect(std::vector<worker_handle>& workers, const std::string& command,
             std::int64_t deadline, const std::function<void()>& tick) {
  const auto slot = [&](worker_handle& w) -> std::optional<message>& {
    return command == "connected" ? w.connected
           : command == "mark"    ? w.mark
                                  : w.final;
  };
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < workers.size(); ++i) {
      if (workers[i].fd >= 0 && !slot(workers[i])) {
        fds.push_back({workers[i].fd, POLLIN, 0});
        which.push_back(i);
      }
    }
    const std::int64_t now = now_ns();
    if (fds.empty() || now >= deadline)
      return;
    const int wait = static_cast<int>(
        std::min<std::int64_t>(100, (deadline - now) / ns_per_ms + 1));
    const int r = ::poll(fds.data(), fds.size(), wait);
    if (tick)
      tick();
    if (r <= 0)
      continue;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0)
        continue;
      worker_handle& w = workers[which[k]];
      bool closed = false;
      auto m = receive_message(w.fd, 0, closed);
      if (closed) {
        ::close(w.fd);
        w.fd = -1;
        continue;
      }
      if (!m)
        continue;
      // A worker that could not finish connecting in time reports
      // "connected" late; keep whatever arrives in its own slot.
      if (m->command == "connected")
        w.connected = std::move(m);
      else if (m->command == "mark")
        w.mark = std::move(m);
      else if (m->command == "final")
        w.final = std::move(m);
    }
  }
}

void broadcast(std::vector<worker_handle>& workers, const message& m) {
  for (auto& w : workers)
    if (w.fd >= 0)
      send_message(w.fd, m);
}

std::int64_t sum_field(const std::vector<worker_handle>& workers,
                       std::optional<message> worker_handle::*slot,
                       std::string_view key) {
  std::int64_t total = 0;
  for (const auto& w : workers)
    if (w.*slot)
      total += (w.*slot)->get_int(key);
  return total;
}

json::object latency_json(const histogram& h) {
  const auto ms = [](std::int64_t ns) {
    return std::round(static_cast<double>(ns) / 1e3) / 1e3;
  };
  return json::object{{"count", h.count()},
                      {"p50_ms", ms(h.percentile(50))},
                      {"p90_ms", ms(h.percentile(90))},
                      {"p99_ms", ms(h.percentile(99))},
                      {"p999_ms", ms(h.percentile(99.9))},
                      {"max_ms", ms(h.max())},
                      {"mean_ms", ms(static_cast<std::int64_t>(h.mean()))}};
}

double round3(double v) {
  return std::round(v * 1000) / 1000;
}

int run(const options& o) {
  current_options = &o;
  raise_fd_limit();
  const std::int64_t start = now_ns();
  const std::int64_t hard_deadline =
      start + static_cast<std::int64_t>(o.timeout_s * 1e9);
  const std::string run_id = random_run_id();

  std::string error;
  std::vector<stream_endpoint> endpoints;
  for (const auto& text : o.urls) {
    const auto u = parse_url(text);
    if (!u)
      die("bad --url " + text);
    const auto dest = loopback_address(*u, error);
    if (!dest)
      die(error);
    endpoints.push_back(stream_endpoint{
        *dest, u->host + ":" + std::to_string(u->port), u->target});
  }

  publish_config pub;
  if (o.trigger != "none") {
    for (const auto& text : o.publish_urls) {
      const auto pu = parse_url(text);
      if (!pu)
        die("bad --publish-url " + text);
      const auto pdest = loopback_address(*pu, error);
      if (!pdest)
        die(error);
      pub.targets.push_back(publish_target{
          *pdest, pu->host + ":" + std::to_string(pu->port), pu->target});
    }
    pub.run = run_id;
    pub.events = o.events;
    pub.rate = o.rate;
    pub.connections = o.publish_connections;
    pub.request_timeout_ns = 10 * ns_per_s;
    if (o.trigger == "dots") {
      pub.kind = trigger_kind::board;
      for (auto& t : pub.targets)
        t.target = "/api/boards";
      // One account on the first instance: instances that share a database
      // accept its token too.
      pub.bearer = dots_login(pub.targets.front().dest,
                              pub.targets.front().host_header, run_id);
    }
  }

  const auto sample = [&](bool pss) {
    return sample_process_trees(o.server_pids, pss);
  };
  const auto sample_db = [&] {
    return sample_process_trees(o.db_pids, false);
  };
  const proc_sample base = sample(true);
  const proc_sample db_base = sample_db();
  const std::int64_t machine_start_ns = now_ns();
  const std::int64_t machine_busy_start = machine_busy_ns();
  const std::string loadavg_start = read_loadavg();

  // -- fork the stream workers ---
  std::size_t procs = o.processes > 0
                          ? static_cast<std::size_t>(o.processes)
                          : (o.streams + o.per_process - 1) / o.per_process;
  procs = std::clamp<std::size_t>(procs, 1, o.streams);
  std::vector<in_addr> sources;
  for (int k = 0; k < o.sources; ++k) {
    in_addr a{};
    a.s_addr = htonl((127u << 24) | static_cast<std::uint32_t>(2 + k));
    sources.push_back(a);
  }
  std::vector<worker_handle> workers(procs);
  std::size_t first = 0;
  const pid_t coordinator = ::getpid();
  for (std::size_t i = 0; i < procs; ++i) {
    const std::size_t share =
        o.streams / procs + (i < o.streams % procs ? 1 : 0);
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
      die("socketpair failed");
    const int big = 1 << 20;
    ::setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    ::setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    std::cout.flush();
    const pid_t pid = ::fork();
    if (pid < 0)
      die("fork failed");
    if (pid == 0) {
      ::close(pair[0]);
      for (std::size_t j = 0; j < i; ++j)
        ::close(workers[j].fd);
      // Die with the coordinator: no orphaned worker may keep streams open.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != coordinator)
        ::_exit(1); // it died before the line above took effect
      worker_config cfg;
      cfg.endpoints = endpoints;
      cfg.publishers = pub.targets.size();
      cfg.sources = sources;
      cfg.first_index = first;
      cfg.streams = share;
      cfg.events = o.events;
      cfg.connect_concurrency = o.connect_concurrency;
      cfg.connect_timeout_ns =
          static_cast<std::int64_t>(o.connect_timeout_s * 1e9);
      cfg.hard_deadline_ns = hard_deadline;
      cfg.run = run_id;
      ::_exit(run_stream_worker(cfg, pair[1]));
    }
    ::close(pair[1]);
    workers[i] = worker_handle{pid, pair[0], share, {}, {}, {}};
    first += share;
  }

  // -- connect ---
  const std::int64_t connect_start = now_ns();
  broadcast(workers, message{"connect", {}});
  collect(workers, "connected",
          std::min(hard_deadline,
                   connect_start +
                       static_cast<std::int64_t>(o.connect_budget_s * 1e9)),
          {});
  const double connect_wall_s =
      static_cast<double>(now_ns() - connect_start) / 1e9;
  std::cerr << "sse-bench: " << o.server << "/" << o.scenario << ": "
            << sum_field(workers, &worker_handle::connected, "established")
            << "/" << o.streams << " streams in " << round3(connect_wall_s)
            << " s\n";

  // -- idle: memory per stream, cost of keep-alives ---
  sleep_s(o.settle_s);
  const proc_sample idle_a = sample(true);
  broadcast(workers, message{"mark", {}});
  collect(workers, "mark", now_ns() + 10 * ns_per_s, {});
  const std::int64_t idle_comments_a =
      sum_field(workers, &worker_handle::mark, "comments") +
      sum_field(workers, &worker_handle::mark, "untagged");
  const std::int64_t idle_start = now_ns();
  if (o.idle_s > 0) {
    sleep_s(std::min(o.idle_s,
                     static_cast<double>(hard_deadline - now_ns()) / 1e9));
  }
  const proc_sample idle_b = sample(false);
  for (auto& w : workers)
    w.mark.reset();
  broadcast(workers, message{"mark", {}});
  collect(workers, "mark", now_ns() + 10 * ns_per_s, {});
  const double idle_wall_s = static_cast<double>(now_ns() - idle_start) / 1e9;
  const std::int64_t idle_keepalives =
      sum_field(workers, &worker_handle::mark, "comments") +
      sum_field(workers, &worker_handle::mark, "untagged") - idle_comments_a;
  const std::int64_t events_before =
      sum_field(workers, &worker_handle::mark, "events");

  // -- load: publish, then wait for every stream to get every event ---
  std::int64_t peak_rss = idle_b.rss_kib;
  std::int64_t db_peak_rss = db_base.rss_kib;
  const auto tick = [&] {
    const proc_sample s = sample(false);
    peak_rss = std::max(peak_rss, s.rss_kib);
    if (!o.db_pids.empty())
      db_peak_rss = std::max(db_peak_rss, sample_db().rss_kib);
  };
  const proc_sample load_a = sample(false);
  const proc_sample db_load_a = sample_db();
  const std::int64_t load_start = now_ns();
  publish_result published;
  if (o.events > 0) {
    pub.deadline_ns = hard_deadline;
    if (o.publish_s > 0)
      pub.stop_sending_ns =
          now_ns() + static_cast<std::int64_t>(o.publish_s * 1e9);
    pub.on_tick = tick;
    published = run_publisher(pub);
  }
  const std::int64_t drain_ms = static_cast<std::int64_t>(o.drain_s * 1000);
  std::string failed_list;
  for (const std::uint32_t seq : published.failed_seqs) {
    if (!failed_list.empty())
      failed_list += ',';
    failed_list += std::to_string(seq);
  }
  message finish{"finish",
                 {{"expected", std::to_string(published.ok)},
                  {"drain_ms", std::to_string(o.events > 0 ? drain_ms : 0)}}};
  // Capped by the control datagram size; a run with that many failures is
  // a failed run whatever the streams got.
  if (!failed_list.empty() && failed_list.size() < 512 * 1024)
    finish.set("failed", failed_list);
  broadcast(workers, finish);
  collect(workers, "final",
          std::min(hard_deadline, now_ns() + (drain_ms + 15'000) * ns_per_ms),
          tick);
  const std::int64_t load_end = now_ns();
  const proc_sample load_b = sample(true);
  const proc_sample db_load_b = sample_db();
  peak_rss = std::max(peak_rss, load_b.rss_kib);
  db_peak_rss = std::max(db_peak_rss, db_load_b.rss_kib);
  const std::int64_t machine_busy_end = machine_busy_ns();
  const std::int64_t machine_end_ns = now_ns();

  // -- stop the workers ---
  for (auto& w : workers) {
    if (w.fd >= 0)
      send_message(w.fd, message{"quit", {}});
  }
  for (auto& w : workers) {
    int status = 0;
    const std::int64_t until = now_ns() + 5 * ns_per_s;
    while (::waitpid(w.pid, &status, WNOHANG) == 0) {
      if (now_ns() > until) {
        ::kill(w.pid, SIGKILL);
        ::waitpid(w.pid, &status, 0);
        break;
      }
      sleep_s(0.02);
    }
    if (w.fd >= 0)
      ::close(w.fd);
  }

  // -- aggregate ---
  const auto fin = &worker_handle::final;
  histogram latency, connect, latency_same, latency_cross;
  std::map<std::string, std::int64_t> failures;
  std::int64_t client_cpu_us = 0;
  std::size_t reported = 0;
  for (const auto& w : workers) {
    const auto& m = w.final ? w.final : w.connected;
    if (!m)
      continue;
    if (w.final) {
      ++reported;
      if (auto h = histogram::parse(w.final->get("latency")))
        latency.merge(*h);
      if (auto h = histogram::parse(w.final->get("latency_same")))
        latency_same.merge(*h);
      if (auto h = histogram::parse(w.final->get("latency_cross")))
        latency_cross.merge(*h);
      client_cpu_us += w.final->get_int("cpu_us");
    }
    if (auto h = histogram::parse(m->get("connect")))
      connect.merge(*h);
    for (const auto& [k, v] : m->fields)
      if (k.rfind("fail.", 0) == 0)
        failures[k.substr(5)] += m->get_int(k);
  }
  {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    client_cpu_us +=
        std::int64_t{ru.ru_utime.tv_sec} * 1'000'000 + ru.ru_utime.tv_usec +
        std::int64_t{ru.ru_stime.tv_sec} * 1'000'000 + ru.ru_stime.tv_usec;
  }
  const auto final_or_connected = [&](std::string_view key) {
    std::int64_t total = 0;
    for (const auto& w : workers) {
      const auto& m = w.final ? w.final : w.connected;
      if (m)
        total += m->get_int(key);
    }
    return total;
  };
  const std::int64_t established = final_or_connected("established");
  const std::int64_t delivered = sum_field(workers, fin, "events");
  const std::int64_t expected =
      established * static_cast<std::int64_t>(published.ok);
  const std::int64_t complete = sum_field(workers, fin, "complete");
  const std::int64_t closed = sum_field(workers, fin, "closed");
  const std::int64_t load_delivered = delivered - events_before;

  json::object failures_json;
  for (const auto& [k, v] : failures)
    failures_json[k] = v;
  json::object pub_failures;
  for (const auto& [k, v] : published.failures)
    pub_failures[k] = v;

  const double per_stream = established > 0 ? 1024.0 / established : 0;
  const double publish_wall_s =
      static_cast<double>(published.end_ns - published.start_ns) / 1e9;
  const double load_wall_s = static_cast<double>(load_end - load_start) / 1e9;
  std::int64_t min_per_stream = -1;
  for (const auto& w : workers) {
    if (w.final && w.final->get_int("open") > 0) {
      const std::int64_t v = w.final->get_int("min_events");
      min_per_stream = min_per_stream < 0 ? v : std::min(min_per_stream, v);
    }
  }

  // Whatever else ran on the machine during the run: the noise indicator.
  const double machine_wall_s =
      static_cast<double>(machine_end_ns - machine_start_ns) / 1e9;
  const double other_cpu_s =
      static_cast<double>(
          machine_busy_end - machine_busy_start -
          (base.ok && load_b.ok ? load_b.cpu_ns - base.cpu_ns : 0) -
          (db_base.ok && db_load_b.ok ? db_load_b.cpu_ns - db_base.cpu_ns
                                      : 0)) /
          1e9 -
      static_cast<double>(client_cpu_us) / 1e6;
  json::object machine{
      {"cpus", static_cast<std::int64_t>(::sysconf(_SC_NPROCESSORS_ONLN))},
      {"loadavg_start", loadavg_start},
      {"loadavg_end", read_loadavg()},
      {"other_cpu_s", round3(std::max(other_cpu_s, 0.0))},
      {"other_cores", machine_wall_s > 0
                          ? round3(std::max(other_cpu_s, 0.0) / machine_wall_s)
                          : 0.0}};

  json::array pids_json;
  for (const pid_t p : o.server_pids)
    pids_json.emplace_back(p);
  json::object server{{"pid", o.server_pids.empty() ? 0 : o.server_pids[0]},
                      {"pids", pids_json},
                      {"measured", base.ok},
                      {"alive_at_end", load_b.ok}};
  if (base.ok) {
    const double idle_cpu_s =
        static_cast<double>(idle_b.cpu_ns - idle_a.cpu_ns) / 1e9;
    const double load_cpu_s =
        static_cast<double>(load_b.cpu_ns - load_a.cpu_ns) / 1e9;
    server["processes"] = load_b.processes;
    server["threads"] = load_b.threads;
    server["rss_base_kib"] = base.rss_kib;
    server["rss_idle_kib"] = idle_a.rss_kib;
    server["rss_loaded_peak_kib"] = peak_rss;
    server["pss_base_kib"] = base.pss_kib;
    server["pss_idle_kib"] = idle_a.pss_kib;
    server["rss_per_stream_idle_bytes"] =
        std::round((idle_a.rss_kib - base.rss_kib) * per_stream);
    server["pss_per_stream_idle_bytes"] =
        std::round((idle_a.pss_kib - base.pss_kib) * per_stream);
    server["rss_per_stream_loaded_bytes"] =
        std::round((peak_rss - base.rss_kib) * per_stream);
    server["idle_window_s"] = round3(idle_wall_s);
    server["idle_cpu_ms_per_s"] =
        idle_wall_s > 0 ? round3(idle_cpu_s * 1e3 / idle_wall_s) : 0.0;
    server["idle_keepalives"] = idle_keepalives;
    server["cpu_us_per_keepalive"] =
        idle_keepalives > 0 ? round3(idle_cpu_s * 1e6 / idle_keepalives) : 0.0;
    server["load_cpu_s"] = round3(load_cpu_s);
    server["cpu_us_per_frame"] =
        load_delivered > 0 ? round3(load_cpu_s * 1e6 / load_delivered) : 0.0;
  }

  // PostgreSQL (or whatever --db-pid names): its own CPU per delivered frame,
  // so that the cluster's cost can be read with or without it.
  json::object database{{"measured", db_base.ok}};
  if (db_base.ok) {
    const double db_load_cpu_s =
        static_cast<double>(db_load_b.cpu_ns - db_load_a.cpu_ns) / 1e9;
    database["processes"] = db_load_b.processes;
    database["rss_base_kib"] = db_base.rss_kib;
    database["rss_loaded_peak_kib"] = db_peak_rss;
    database["load_cpu_s"] = round3(db_load_cpu_s);
    database["cpu_us_per_frame"] =
        load_delivered > 0 ? round3(db_load_cpu_s * 1e6 / load_delivered) : 0.0;
  }

  json::array urls_json, publish_urls_json;
  for (const auto& u : o.urls)
    urls_json.emplace_back(u);
  for (const auto& u : o.publish_urls)
    publish_urls_json.emplace_back(u);

  const bool all_streams = established == static_cast<std::int64_t>(o.streams);
  const bool all_events =
      o.events == 0 || (published.ok > 0 && published.failed == 0 &&
                        complete == established && closed == 0);
  const bool all_reported = reported == workers.size();
  json::object result{
      {"tool", "sse-bench"},
      {"run", run_id},
      {"time", utc_now()},
      {"server_name", o.server},
      {"scenario", o.scenario},
      {"label", o.label},
      {"config",
       {{"url", o.urls.front()},
        {"urls", urls_json},
        {"publish_urls", publish_urls_json},
        {"instances", o.urls.size()},
        {"streams", o.streams},
        {"events", o.events},
        {"rate", o.rate},
        {"trigger", o.trigger},
        {"publish_connections", o.publish_connections},
        {"processes", workers.size()},
        {"sources", o.sources},
        {"publish_s", o.publish_s},
        {"idle_s", o.idle_s}}},
      {"ok", all_streams && all_events && all_reported},
      {"streams",
       {{"requested", o.streams},
        {"established", established},
        {"failed", failures_json},
        {"closed_during_run", closed},
        {"with_retry_hint", final_or_connected("retry")},
        {"missing_cache_control_no_cache",
         final_or_connected("warn_cache_control")},
        {"missing_x_accel_buffering_no",
         final_or_connected("warn_accel_buffering")},
        {"workers_reported", reported}}},
      {"connect",
       {{"wall_s", round3(connect_wall_s)},
        {"rate_per_s",
         connect_wall_s > 0 ? std::round(established / connect_wall_s) : 0.0},
        {"latency", latency_json(connect)}}},
      {"events",
       {{"published", published.ok},
        {"publish_failed", published.failed},
        {"not_sent_time_cap", published.unsent},
        {"expected", expected},
        {"delivered", delivered},
        {"delivered_pct",
         expected > 0 ? round3(100.0 * delivered / expected) : 0.0},
        {"streams_complete", complete},
        {"min_per_stream", std::max<std::int64_t>(min_per_stream, 0)},
        {"unacknowledged_delivered",
         sum_field(workers, fin, "unacknowledged_events")},
        {"duplicates", sum_field(workers, fin, "duplicates")},
        {"out_of_order", sum_field(workers, fin, "out_of_order")},
        {"foreign", sum_field(workers, fin, "foreign")},
        {"untagged", sum_field(workers, fin, "untagged")},
        {"comments", sum_field(workers, fin, "comments")},
        {"bytes", sum_field(workers, fin, "bytes")}}},
      {"latency", latency_json(latency)},
      {"publish",
       {{"rate_target", o.rate},
        {"rate_achieved",
         publish_wall_s > 0
             ? std::round(published.ok / publish_wall_s * 10) / 10
             : 0.0},
        {"wall_s", round3(publish_wall_s)},
        {"connects", published.connects},
        {"failures", pub_failures},
        {"latency", latency_json(published.latency)}}},
      {"server", server},
      {"database", database},
      {"machine", machine},
      {"client",
       {{"cpu_s", round3(client_cpu_us / 1e6)},
        {"wall_s", round3(static_cast<double>(now_ns() - start) / 1e9)},
        {"load_wall_s", round3(load_wall_s)}}},
  };

  // Only when the deliveries could be told apart (see --publish-url).
  if (latency_same.count() + latency_cross.count() > 0) {
    result["latency_same_instance"] = latency_json(latency_same);
    result["latency_cross_instance"] = latency_json(latency_cross);
  }

  if (o.out.empty()) {
    write_pretty(std::cout, result);
  } else {
    std::ofstream out(o.out);
    write_pretty(out, result);
    if (!out)
      die("cannot write " + o.out);
  }
  std::cerr << "sse-bench: " << o.server << "/" << o.scenario << ": "
            << established << "/" << o.streams << " streams, " << delivered
            << "/" << expected << " events, p50 "
            << round3(latency.percentile(50) / 1e6) << " ms, p99 "
            << round3(latency.percentile(99) / 1e6) << " ms\n";
  return result.at("ok").as_bool() ? 0 : 3;
}

} // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "table")
    return print_table(std::vector<std::string>(argv + 2, argv + argc),
                       std::cout);
  if (argc >= 2 && std::string(argv[1]) == "sweep-data")
    return print_sweep_data(std::vector<std::string>(argv + 2, argv + argc),
                            std::cout);
  const int skip = (argc >= 2 && std::string(argv[1]) == "run") ? 1 : 0;
  return run(parse_options(argc - skip, argv + skip));
}
