#include "http/metrics_page.hpp"

#include <sstream>

namespace dots::http {

namespace {

void counter(std::ostringstream& out, const char* name, const char* help,
             std::uint64_t value, const char* type = "counter") {
  out << "# HELP " << name << ' ' << help << '\n'
      << "# TYPE " << name << ' ' << type << '\n'
      << name << ' ' << value << '\n';
}

} // namespace

response metrics_page(const app_context& ctx, const request& req) {
  std::uint64_t frames = 0, bytes = 0, dropped = 0, stalled = 0;
  for (auto& hub : ctx.hubs) {
    frames += hub->frames_delivered.load(std::memory_order_relaxed);
    bytes += hub->bytes_delivered.load(std::memory_order_relaxed);
    dropped += hub->slow_dropped.load(std::memory_order_relaxed);
    stalled += hub->stalled_dropped.load(std::memory_order_relaxed);
  }
  auto& m = *ctx.metrics;
  std::ostringstream out;
  counter(out, "dots_open_streams", "Notification streams open now.",
          static_cast<std::uint64_t>(
              std::max<std::int64_t>(0, m.open_streams.load())),
          "gauge");
  counter(out, "dots_events_published_total",
          "Events broadcast to the streams.", m.events_published.load());
  counter(out, "dots_frames_delivered_total",
          "SSE frames written to clients (events and keep-alives).", frames);
  counter(out, "dots_bytes_delivered_total",
          "Bytes of SSE frames written to clients.", bytes);
  counter(out, "dots_slow_clients_dropped_total",
          "Streams closed because the client did not keep up.", dropped);
  counter(out, "dots_stalled_clients_dropped_total",
          "Streams closed because the client took nothing for the write "
          "timeout while data was pending.",
          stalled);
  counter(out, "dots_replays_served_total",
          "Resumes answered from the retained event log.",
          m.replays_served.load());
  counter(out, "dots_events_read_from_log_total",
          "Events the notifier read from the event log instead of being "
          "told (other instances' events, late messages).",
          m.events_read_from_log.load());
  counter(out, "dots_event_log_read_failures_total",
          "Failed reads of the event log (database unreachable).",
          m.log_read_failures.load());
  counter(out, "dots_cursor_resets_total",
          "Resets sent to every stream because the log was trimmed past "
          "the notifier's cursor.",
          m.cursor_resets.load());
  counter(
      out, "dots_event_cursor", "The newest event id published here.",
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, m.cursor.load())),
      "gauge");
  counter(out, "dots_streams_refused_total",
          "Streams refused with 503 (at capacity or draining).",
          m.streams_refused.load());
  out << "# HELP dots_http_responses_total HTTP responses by status.\n"
      << "# TYPE dots_http_responses_total counter\n";
  for (std::size_t status = 100; status < m.responses_by_status.size();
       ++status)
    if (auto n = m.responses_by_status[status].load(); n > 0)
      out << "dots_http_responses_total{status=\"" << status << "\"} " << n
          << '\n';
  response res{bhttp::status::ok, req.version()};
  res.set(bhttp::field::server, "dots");
  res.set(bhttp::field::content_type, "text/plain; version=0.0.4");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(out).str();
  res.prepare_payload();
  return res;
}

} // namespace dots::http
