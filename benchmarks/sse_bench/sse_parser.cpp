#include "sse_parser.hpp"

#include <charconv>

namespace dots::bench {

bool tag_matcher::find(std::string_view line, event_tag& out) const {
  const std::size_t at = line.find(prefix_);
  if (at == line.npos)
    return false;
  const char* p = line.data() + at + prefix_.size();
  const char* end = line.data() + line.size();
  std::uint32_t seq = 0;
  auto r = std::from_chars(p, end, seq);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != ':')
    return false;
  std::int64_t sent = 0;
  r = std::from_chars(r.ptr + 1, end, sent);
  if (r.ec != std::errc{})
    return false;
  out.seq = seq;
  out.sent_ns = sent;
  return true;
}

std::string make_tag(std::string_view run, std::uint32_t seq,
                     std::int64_t sent_ns) {
  std::string out = "sb:";
  out += run;
  out += ':';
  out += std::to_string(seq);
  out += ':';
  out += std::to_string(sent_ns);
  return out;
}

} // namespace dots::bench
