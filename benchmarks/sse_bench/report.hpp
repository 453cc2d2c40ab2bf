#pragma once

#include <boost/json/value.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace dots::bench {

/// Writes JSON with two-space indentation, for result files people read.
void write_pretty(std::ostream& out, const boost::json::value& v,
                  int indent = 0);

/// `sse-bench table DIR...`: one table of every run found, the median of the
/// repetitions per server, and ratios to the floor and to nchan.
int print_table(const std::vector<std::string>& dirs, std::ostream& out);

/// `sse-bench sweep-data DIR...`: gnuplot blocks (one per server) of
/// streams, p50 and p99 delivery latency for the runs of the sweep scenario.
int print_sweep_data(const std::vector<std::string>& dirs, std::ostream& out);

} // namespace dots::bench
