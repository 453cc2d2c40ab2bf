#include "domain/time.hpp"

#include <cstdio>

namespace dots::domain {

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  // floor (not duration_cast) so that instants before the epoch land on the
  // second and the day they belong to rather than the next one.
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{secs - day};
  char buf[64];
  const int n =
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ",
                    int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()),
                    static_cast<int>(hms.hours().count()),
                    static_cast<int>(hms.minutes().count()),
                    static_cast<int>(hms.seconds().count()));
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

} // namespace dots::domain
