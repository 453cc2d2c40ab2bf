#include "http/metrics_page.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>

// GET /metrics as a Prometheus scraper reads it (text format 0.0.4): the
// page rendered from the server's counters.

namespace dots::http {
namespace {

/// The page split the way a scraper reads it.
struct scrape {
  std::map<std::string, std::string> samples; ///< "name{labels}" → value
  std::map<std::string, std::string> types;   ///< name → counter or gauge
  std::set<std::string> helped;               ///< names with a HELP line
  std::vector<std::string> untyped;           ///< samples without a TYPE
};

scrape parse(const std::string& body) {
  scrape out;
  std::istringstream in{body};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words{line};
    if (line.rfind("# HELP ", 0) == 0) {
      std::string hash, help, name;
      words >> hash >> help >> name;
      out.helped.insert(name);
    } else if (line.rfind("# TYPE ", 0) == 0) {
      std::string hash, type_word, name, type;
      words >> hash >> type_word >> name >> type;
      out.types[name] = type;
    } else if (!line.empty()) {
      const auto space = line.rfind(' ');
      const auto key = line.substr(0, space);
      out.samples[key] = line.substr(space + 1);
      const auto name = key.substr(0, key.find('{'));
      if (!out.types.contains(name))
        out.untyped.push_back(key);
    }
  }
  return out;
}

class MetricsPage : public ::testing::Test {
protected:
  MetricsPage() {
    cfg_.set("scheduler.max-threads", 1);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    // The page reads counters only: no actor is asked.
    ctx_ = std::make_unique<app_context>(
        *sys_, actors::accounts_actor{}, actors::boards_actor{},
        actors::paths_actor{}, actors::notifier_actor{}, metrics_);
  }

  response get(bool keep_alive = true) {
    request req{bhttp::verb::get, "/metrics", 11};
    req.keep_alive(keep_alive);
    return metrics_page(*ctx_, req);
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<server_metrics> metrics_ = std::make_shared<server_metrics>();
  std::unique_ptr<app_context> ctx_;
};

TEST_F(MetricsPage, IsPrometheusText) {
  const auto res = get();
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res[bhttp::field::content_type], "text/plain; version=0.0.4");
  EXPECT_EQ(res[bhttp::field::content_length],
            std::to_string(res.body().size()));
  ASSERT_FALSE(res.body().empty());
  EXPECT_EQ(res.body().back(), '\n'); // the format ends every line
}

TEST_F(MetricsPage, FollowsTheRequestsKeepAlive) {
  EXPECT_TRUE(get(true).keep_alive());
  EXPECT_FALSE(get(false).keep_alive());
}

TEST_F(MetricsPage, ShowsEachCounterWithItsValue) {
  auto& m = *metrics_;
  m.open_streams = 5;
  m.events_published = 7;
  m.replays_served = 3;
  m.events_read_from_log = 11;
  m.log_read_failures = 2;
  m.cursor_resets = 1;
  m.cursor = 42;
  m.streams_refused = 4;
  const auto page = parse(get().body());
  const std::map<std::string, std::string> expected{
      {"dots_open_streams", "5"},
      {"dots_events_published_total", "7"},
      {"dots_replays_served_total", "3"},
      {"dots_events_read_from_log_total", "11"},
      {"dots_event_log_read_failures_total", "2"},
      {"dots_cursor_resets_total", "1"},
      {"dots_event_cursor", "42"},
      {"dots_streams_refused_total", "4"},
      // Summed over the shards' streams: there are none here.
      {"dots_frames_delivered_total", "0"},
      {"dots_bytes_delivered_total", "0"},
      {"dots_slow_clients_dropped_total", "0"},
      {"dots_stalled_clients_dropped_total", "0"},
  };
  EXPECT_EQ(page.samples, expected);
}

TEST_F(MetricsPage, EveryMetricHasHelpAndTheRightType) {
  metrics_->count_response(200);
  const auto page = parse(get().body());
  const std::map<std::string, std::string> types{
      {"dots_open_streams", "gauge"},
      {"dots_event_cursor", "gauge"},
      {"dots_events_published_total", "counter"},
      {"dots_replays_served_total", "counter"},
      {"dots_events_read_from_log_total", "counter"},
      {"dots_event_log_read_failures_total", "counter"},
      {"dots_cursor_resets_total", "counter"},
      {"dots_streams_refused_total", "counter"},
      {"dots_frames_delivered_total", "counter"},
      {"dots_bytes_delivered_total", "counter"},
      {"dots_slow_clients_dropped_total", "counter"},
      {"dots_stalled_clients_dropped_total", "counter"},
      {"dots_http_responses_total", "counter"},
  };
  EXPECT_EQ(page.types, types);
  for (const auto& [name, type] : types)
    EXPECT_TRUE(page.helped.contains(name)) << name << " has no HELP";
  EXPECT_TRUE(page.untyped.empty())
      << ::testing::PrintToString(page.untyped) << " have no TYPE";
}

TEST_F(MetricsPage, CountsResponsesByStatusShowingOnlyThoseSeen) {
  for (int i = 0; i < 3; ++i)
    metrics_->count_response(200);
  metrics_->count_response(404);
  metrics_->count_response(503);
  metrics_->count_response(503);
  const auto page = parse(get().body());
  std::map<std::string, std::string> responses;
  for (const auto& [key, value] : page.samples)
    if (key.rfind("dots_http_responses_total", 0) == 0)
      responses[key] = value;
  const std::map<std::string, std::string> expected{
      {R"(dots_http_responses_total{status="200"})", "3"},
      {R"(dots_http_responses_total{status="404"})", "1"},
      {R"(dots_http_responses_total{status="503"})", "2"},
  };
  EXPECT_EQ(responses, expected);
}

TEST_F(MetricsPage, AStatusOutsideTheTableIsNotCounted) {
  metrics_->count_response(999);
  const auto page = parse(get().body());
  for (const auto& [key, value] : page.samples)
    EXPECT_NE(key.rfind("dots_http_responses_total", 0), 0u) << key;
}

TEST_F(MetricsPage, GaugesNeverShowBelowZero) {
  // Shown as 0, not as a negative number read as a huge unsigned one.
  metrics_->open_streams = -2;
  metrics_->cursor = -1;
  const auto page = parse(get().body());
  EXPECT_EQ(page.samples.at("dots_open_streams"), "0");
  EXPECT_EQ(page.samples.at("dots_event_cursor"), "0");
}

TEST_F(MetricsPage, ShowsLargeCountersInFull) {
  metrics_->events_published = 12'345'678'901'234ull;
  const auto page = parse(get().body());
  EXPECT_EQ(page.samples.at("dots_events_published_total"), "12345678901234");
}

} // namespace
} // namespace dots::http
