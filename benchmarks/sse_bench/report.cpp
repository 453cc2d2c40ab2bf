#include "report.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

namespace dots::bench {

namespace json = boost::json;

void write_pretty(std::ostream& out, const json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
  switch (v.kind()) {
  case json::kind::object: {
    const auto& o = v.get_object();
    if (o.empty()) {
      out << "{}";
      break;
    }
    out << "{\n";
    bool first = true;
    for (const auto& kv : o) {
      if (!first)
        out << ",\n";
      first = false;
      out << inner << json::serialize(json::string(kv.key())) << ": ";
      write_pretty(out, kv.value(), indent + 1);
    }
    out << "\n" << pad << "}";
    break;
  }
  case json::kind::array: {
    const auto& a = v.get_array();
    out << "[";
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i > 0)
        out << ", ";
      write_pretty(out, a[i], indent + 1);
    }
    out << "]";
    break;
  }
  case json::kind::double_: {
    // Boost.JSON prints doubles in exponent form; people read these files.
    const double d = v.get_double();
    if (!std::isfinite(d)) {
      out << "null";
      break;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", d);
    out << buf;
    break;
  }
  default:
    out << json::serialize(v);
  }
  if (indent == 0)
    out << "\n";
}

namespace {

std::vector<json::object> load_runs(const std::vector<std::string>& dirs) {
  std::vector<json::object> runs;
  for (const auto& dir : dirs) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      std::cerr << "sse-bench: cannot open " << dir << "\n";
      continue;
    }
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 5 && name.substr(name.size() - 5) == ".json")
        names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      std::ifstream in(dir + "/" + name);
      std::stringstream text;
      text << in.rdbuf();
      boost::system::error_code ec;
      json::value v = json::parse(text.str(), ec);
      if (ec || !v.is_object())
        continue;
      const auto* tool = v.as_object().if_contains("tool");
      if (tool == nullptr || !tool->is_string() ||
          tool->as_string() != "sse-bench")
        continue;
      runs.push_back(std::move(v.as_object()));
    }
  }
  return runs;
}

std::optional<double> lookup(const json::object& run, std::string_view path) {
  const json::value* v = nullptr;
  const json::object* o = &run;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = path.find('.', start);
    const std::string_view key = path.substr(start, dot - start);
    v = o->if_contains(key);
    if (v == nullptr)
      return std::nullopt;
    if (dot == path.npos)
      break;
    if (!v->is_object())
      return std::nullopt;
    o = &v->get_object();
    start = dot + 1;
  }
  if (v == nullptr)
    return std::nullopt;
  if (v->is_double())
    return v->get_double();
  if (v->is_int64())
    return static_cast<double>(v->get_int64());
  if (v->is_uint64())
    return static_cast<double>(v->get_uint64());
  if (v->is_bool())
    return v->get_bool() ? 1.0 : 0.0;
  return std::nullopt;
}

std::optional<double> median(std::vector<double> values) {
  if (values.empty())
    return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string text_of(const json::object& run, std::string_view key) {
  const auto* v = run.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

struct metric {
  const char* label;
  const char* path;
};

const std::vector<metric>& metrics_for(const std::string& scenario) {
  static const std::vector<metric> idle = {
      {"streams established", "streams.established"},
      {"connect p99 (ms)", "connect.latency.p99_ms"},
      {"connect rate (/s)", "connect.rate_per_s"},
      {"RSS/stream idle (B)", "server.rss_per_stream_idle_bytes"},
      {"PSS/stream idle (B)", "server.pss_per_stream_idle_bytes"},
      {"idle CPU (ms/s)", "server.idle_cpu_ms_per_s"},
      {"CPU/keep-alive (us)", "server.cpu_us_per_keepalive"},
      {"keep-alives in window", "server.idle_keepalives"},
  };
  static const std::vector<metric> fanout = {
      {"streams established", "streams.established"},
      {"delivered (%)", "events.delivered_pct"},
      {"latency p50 (ms)", "latency.p50_ms"},
      {"latency p99 (ms)", "latency.p99_ms"},
      {"latency max (ms)", "latency.max_ms"},
      {"CPU/frame (us)", "server.cpu_us_per_frame"},
      {"RSS/stream loaded (B)", "server.rss_per_stream_loaded_bytes"},
      {"publish rate (/s)", "publish.rate_achieved"},
      {"client CPU (s)", "client.cpu_s"},
  };
  static const std::vector<metric> api = {
      {"streams established", "streams.established"},
      {"publish rate (/s)", "publish.rate_achieved"},
      {"publish p50 (ms)", "publish.latency.p50_ms"},
      {"publish p99 (ms)", "publish.latency.p99_ms"},
      {"delivered (%)", "events.delivered_pct"},
      {"latency p50 (ms)", "latency.p50_ms"},
      {"latency p99 (ms)", "latency.p99_ms"},
      {"CPU/frame (us)", "server.cpu_us_per_frame"},
      {"DB CPU/frame (us)", "database.cpu_us_per_frame"},
  };
  // A cluster's deliveries, split by where each event was written.
  static const std::vector<metric> cluster = {
      {"streams established", "streams.established"},
      {"delivered (%)", "events.delivered_pct"},
      {"latency p50 (ms)", "latency.p50_ms"},
      {"latency p99 (ms)", "latency.p99_ms"},
      {"latency max (ms)", "latency.max_ms"},
      {"same-inst. p50 (ms)", "latency_same_instance.p50_ms"},
      {"same-inst. p99 (ms)", "latency_same_instance.p99_ms"},
      {"cross-inst. p50 (ms)", "latency_cross_instance.p50_ms"},
      {"cross-inst. p99 (ms)", "latency_cross_instance.p99_ms"},
      {"CPU/frame (us)", "server.cpu_us_per_frame"},
      {"DB CPU/frame (us)", "database.cpu_us_per_frame"},
      {"RSS/stream loaded (B)", "server.rss_per_stream_loaded_bytes"},
      {"publish p99 (ms)", "publish.latency.p99_ms"},
      {"client CPU (s)", "client.cpu_s"},
  };
  if (scenario == "a")
    return idle;
  if (scenario == "d")
    return api;
  if (scenario == "e")
    return cluster;
  return fanout;
}

std::string scenario_title(const std::string& s) {
  if (s == "a")
    return "a: idle streams (memory, keep-alives)";
  if (s == "b")
    return "b: fan-out";
  if (s == "c")
    return "c: burst";
  if (s == "d")
    return "d: API (board creation) under listening streams";
  if (s == "e")
    return "e: 1 event/s, M streams per instance (cluster)";
  return s;
}

std::string format(std::optional<double> v) {
  if (!v)
    return "-";
  char buf[32];
  const double a = std::fabs(*v);
  if (a >= 1000 || *v == std::floor(*v))
    std::snprintf(buf, sizeof buf, "%.0f", *v);
  else if (a >= 10)
    std::snprintf(buf, sizeof buf, "%.1f", *v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", *v);
  return buf;
}

/// A column's width: at least `least`, and one more than its heading.
int width(const std::string& heading, int least) {
  return std::max(least, static_cast<int>(heading.size()) + 1);
}

std::string ratio(std::optional<double> a, std::optional<double> b) {
  // Per-stream memory of the floor is noise around zero: no ratio to that.
  if (!a || !b || *b <= 0 || *a < 0)
    return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", *a / *b);
  return buf;
}

} // namespace

int print_table(const std::vector<std::string>& dirs, std::ostream& out) {
  const auto runs = load_runs(dirs);
  if (runs.empty()) {
    std::cerr << "sse-bench: no results found\n";
    return 1;
  }
  // scenario -> server -> runs
  std::map<std::string, std::map<std::string, std::vector<const json::object*>>>
      groups;
  for (const auto& r : runs)
    groups[text_of(r, "scenario")][text_of(r, "server_name")].push_back(&r);

  const std::vector<std::string> preferred = {
      "floor",   "nchan",   "dots-before",  "dots",
      "dots-pg", "cluster", "cluster-nginx"};
  // Ratio columns, each when both servers ran: against the floor and nchan,
  // the current binary against the previous one, PostgreSQL against SQLite,
  // a cluster against one instance, nginx in front against direct.
  const std::vector<std::pair<std::string, std::string>> ratio_pairs = {
      {"dots", "floor"},   {"dots", "nchan"},
      {"nchan", "floor"},  {"dots", "dots-before"},
      {"dots-pg", "dots"}, {"cluster", "dots-pg"},
      {"cluster", "dots"}, {"cluster-nginx", "cluster"}};
  for (const auto& [scenario, by_server] : groups) {
    if (scenario == "sweep")
      continue;
    std::vector<std::string> servers;
    for (const auto& s : preferred)
      if (by_server.count(s))
        servers.push_back(s);
    for (const auto& [s, _] : by_server)
      if (std::find(servers.begin(), servers.end(), s) == servers.end())
        servers.push_back(s);
    std::vector<std::pair<std::string, std::string>> ratios;
    for (const auto& [a, b] : ratio_pairs)
      if (by_server.count(a) > 0 && by_server.count(b) > 0)
        ratios.emplace_back(a, b);

    // The scenario's settings, from a run that got far enough to record them.
    const json::object* any_run = by_server.begin()->second.front();
    for (const auto& [s, list] : by_server)
      for (const auto* r : list)
        if (!r->contains("error"))
          any_run = r;
    const json::object& any = *any_run;
    out << "\n"
        << scenario_title(scenario) << " — "
        << format(lookup(any, "config.streams")) << " streams, ";
    if (lookup(any, "config.events").value_or(0) == 0)
      out << format(lookup(any, "config.idle_s")) << " s idle window\n";
    else if (lookup(any, "config.rate").value_or(0) == 0 &&
             lookup(any, "config.publish_s").value_or(0) > 0)
      out << "events as fast as answered for "
          << format(lookup(any, "config.publish_s")) << " s (at most "
          << format(lookup(any, "config.events")) << ")\n";
    else
      out << format(lookup(any, "config.events")) << " events at "
          << (lookup(any, "config.rate").value_or(0) > 0
                  ? format(lookup(any, "config.rate")) + "/s"
                  : std::string("max rate"))
          << "\n";
    out << std::left << std::setw(24) << "metric";
    for (const auto& s : servers)
      out << std::right << std::setw(width(s, 12)) << s;
    for (const auto& [a, b] : ratios)
      out << std::right << std::setw(width(a + "/" + b, 13)) << (a + "/" + b);
    out << "\n";

    const auto value = [&](const std::string& server, const char* path) {
      std::vector<double> values;
      for (const auto* r : by_server.at(server))
        if (auto v = lookup(*r, path))
          values.push_back(*v);
      return median(values);
    };
    for (const auto& m : metrics_for(scenario)) {
      out << std::left << std::setw(24) << m.label;
      for (const auto& s : servers)
        out << std::right << std::setw(width(s, 12))
            << format(value(s, m.path));
      for (const auto& [a, b] : ratios)
        out << std::right << std::setw(width(a + "/" + b, 13))
            << ratio(value(a, m.path), value(b, m.path));
      out << "\n";
    }
    // Not a result: how busy the machine was with other work meanwhile.
    out << std::left << std::setw(24) << "other load (cores)";
    for (const auto& s : servers)
      out << std::right << std::setw(width(s, 12))
          << format(value(s, "machine.other_cores"));
    out << "\n";
    bool any_error = false;
    for (const auto& [s, list] : by_server)
      for (const auto* r : list)
        any_error = any_error || r->contains("error");
    if (any_error) {
      for (const auto& [s, list] : by_server)
        for (const auto* r : list)
          if (const auto* e = r->if_contains("error"); e && e->is_string())
            out << "  " << s << " failed: " << e->as_string().c_str() << "\n";
    }
    out << std::left << std::setw(24) << "runs ok";
    for (const auto& s : servers) {
      int ok = 0;
      for (const auto* r : by_server.at(s))
        ok += lookup(*r, "ok").value_or(0) > 0 ? 1 : 0;
      out << std::right << std::setw(width(s, 12))
          << (std::to_string(ok) + "/" +
              std::to_string(by_server.at(s).size()));
    }
    out << "\n";
  }
  return 0;
}

int print_sweep_data(const std::vector<std::string>& dirs, std::ostream& out) {
  const auto runs = load_runs(dirs);
  // server -> streams -> (p50 values, p99 values)
  std::map<std::string,
           std::map<long, std::pair<std::vector<double>, std::vector<double>>>>
      points;
  for (const auto& r : runs) {
    if (text_of(r, "scenario") != "sweep")
      continue;
    const auto streams = lookup(r, "config.streams");
    const auto p50 = lookup(r, "latency.p50_ms");
    const auto p99 = lookup(r, "latency.p99_ms");
    if (!streams || !p50 || !p99 || lookup(r, "latency.count").value_or(0) == 0)
      continue;
    auto& slot = points[text_of(r, "server_name")][std::lround(*streams)];
    slot.first.push_back(*p50);
    slot.second.push_back(*p99);
  }
  if (points.empty()) {
    std::cerr << "sse-bench: no sweep results found\n";
    return 1;
  }
  bool first = true;
  for (const auto& [server, by_streams] : points) {
    if (!first)
      out << "\n\n"; // gnuplot: two blank lines start a new index block
    first = false;
    out << "streams " << server << "-p50 " << server << "-p99\n";
    for (const auto& [streams, v] : by_streams)
      out << streams << " " << *median(v.first) << " " << *median(v.second)
          << "\n";
  }
  return 0;
}

} // namespace dots::bench
