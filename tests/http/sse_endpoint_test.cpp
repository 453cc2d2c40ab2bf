#include "actors/actor_fixture.hpp"
#include "domain/sse.hpp"
#include "http/responses.hpp"
#include "http/sse_endpoint.hpp"
#include "http/stream_hub.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <caf/after.hpp>
#include <charconv>
#include <chrono>
#include <exception>
#include <future>
#include <gtest/gtest.h>
#include <optional>
#include <poll.h>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace dots::http {
namespace {

using domain::error_kind;
using domain::event_type;

request make_request(const std::string& last_event_id = {},
                     const std::string& query = {}) {
  request req{bhttp::verb::get,
              "/sse/notifications/" + (query.empty() ? "" : "?" + query), 11};
  if (!last_event_id.empty())
    req.set("Last-Event-ID", last_event_id);
  return req;
}

/// parse_stream_request on `GET /sse/notifications/?<query>`, with the
/// query read from the target as the router reads it.
domain::result<stream_request> parse(const std::string& query,
                                     const std::string& header = {}) {
  const auto req = make_request(header, query);
  const auto target = parse_target(req.target());
  EXPECT_TRUE(target.well_formed) << query;
  return parse_stream_request(req, target.params);
}

domain::frame frame_of(event_type t, std::int64_t board = 1) {
  return domain::frame{1, t, board, "x"};
}

std::uint32_t bit(event_type t) {
  return 1u << static_cast<unsigned>(t);
}

/// The error parse_stream_request gives; fails the test when it parses.
domain::error error_for(const std::string& query,
                        const std::string& header = {},
                        const std::string& code = "invalid_query") {
  auto r = parse(query, header);
  if (r) {
    ADD_FAILURE() << "'" << query << "' was accepted";
    return {};
  }
  EXPECT_EQ(r.error().kind, error_kind::invalid);
  EXPECT_EQ(r.error().code, code);
  return r.error();
}

/// A refused stream's Retry-After: delay-seconds (RFC 9110 section 10.2.3)
/// inside the window of the default `retry:` hint, 3 to 6 s.
void expect_in_refusal_window(const std::string& retry_after) {
  unsigned seconds = 0;
  auto [end, ec] = std::from_chars(
      retry_after.data(), retry_after.data() + retry_after.size(), seconds);
  ASSERT_TRUE(ec == std::errc{} &&
              end == retry_after.data() + retry_after.size())
      << "Retry-After '" << retry_after << "' is not delay-seconds";
  EXPECT_GE(seconds, 3u);
  EXPECT_LE(seconds, 6u);
}

std::vector<std::int64_t> boards_of(const stream_filter& f) {
  return {f.boards().begin(), f.boards().end()};
}

TEST(StreamRequest, NoQueryWantsEverythingLive) {
  auto r = parse("");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r.value().filter.boards().empty());
  EXPECT_FALSE(r.value().last_event_id);
  for (auto t :
       {event_type::new_board, event_type::new_path, event_type::board_updated,
        event_type::board_deleted, event_type::path_updated})
    EXPECT_TRUE(r.value().filter.passes(frame_of(t, 99)));
}

TEST(StreamRequest, EventsListKeepsOnlyThoseTypes) {
  auto r = parse("events=newBoard,newPath");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().filter.types,
            bit(event_type::new_board) | bit(event_type::new_path));
  EXPECT_TRUE(r.value().filter.passes(frame_of(event_type::new_board)));
  EXPECT_TRUE(r.value().filter.passes(frame_of(event_type::new_path)));
  EXPECT_FALSE(r.value().filter.passes(frame_of(event_type::board_updated)));
  EXPECT_FALSE(r.value().filter.passes(frame_of(event_type::board_deleted)));
  EXPECT_FALSE(r.value().filter.passes(frame_of(event_type::path_updated)));
}

TEST(StreamRequest, EveryEventNameIsKnown) {
  auto r =
      parse("events=newBoard,newPath,boardUpdated,boardDeleted,pathUpdated");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().filter.types, 0x1fu);
  auto one = parse("events=boardDeleted");
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one.value().filter.types, bit(event_type::board_deleted));
}

TEST(StreamRequest, EncodedCommaSeparatesNamesToo) {
  auto r = parse("events=pathUpdated%2CnewBoard");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().filter.types,
            bit(event_type::path_updated) | bit(event_type::new_board));
}

TEST(StreamRequest, RepeatedEventsMerge) {
  // The issue's example: the second value used to be dropped.
  auto r = parse("events=boardDeleted&events=newBoard");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().filter.types,
            bit(event_type::board_deleted) | bit(event_type::new_board));
  EXPECT_TRUE(r.value().filter.passes(frame_of(event_type::new_board)));
  // Repeats and lists mix, and a name given twice is one name.
  auto mixed = parse("events=newPath,newBoard&board=1&events=newPath"
                     "&%65vents=pathUpdated");
  ASSERT_TRUE(mixed) << mixed.error().message;
  EXPECT_EQ(mixed.value().filter.types, bit(event_type::new_path) |
                                            bit(event_type::new_board) |
                                            bit(event_type::path_updated));
  // Any bad value in any repeat is a 400.
  EXPECT_EQ(error_for("events=newBoard&events=bogus").field, "events");
  EXPECT_EQ(error_for("events=newBoard&events=").field, "events");
}

TEST(StreamRequest, UnknownEventNameIs400OnEvents) {
  for (const std::string q :
       {"events=newBoard,bogus", "events=bogus", "events=newboard",
        "events=NewBoard", "events=", "events=newBoard,", "events=,newPath",
        "events=newBoard%20", "events"}) {
    SCOPED_TRACE(q);
    auto e = error_for(q);
    EXPECT_EQ(e.field, "events");
  }
  auto e = error_for("events=newBoard,bogus");
  EXPECT_EQ(e.message, "event name 2 is unknown (known: newBoard, newPath, "
                       "boardUpdated, boardDeleted, pathUpdated)");
}

TEST(StreamRequest, AnUnknownEventNameIsNotEchoedSoTheErrorStaysJson) {
  // Found by fuzzing: a name that decodes to bytes that are not UTF-8 was
  // copied into the message, and the 400's body was not valid JSON.
  auto e = error_for("events=newBoard,%FF%FEnope");
  EXPECT_EQ(e.message.find("nope"), std::string::npos) << e.message;
  auto res = error_response(make_request(), e);
  boost::system::error_code ec;
  auto body = boost::json::parse(res.body(), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(body.at("error").at("field"), "events");
}

TEST(StreamRequest, BoardFilter) {
  auto r = parse("board=7&events=newPath");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(boards_of(r.value().filter), (std::vector<std::int64_t>{7}));
  EXPECT_TRUE(r.value().filter.passes(frame_of(event_type::new_path, 7)));
  EXPECT_FALSE(r.value().filter.passes(frame_of(event_type::new_path, 8)));
  EXPECT_FALSE(r.value().filter.passes(frame_of(event_type::new_board, 7)));
}

TEST(StreamRequest, RepeatedBoardsMerge) {
  // board=1&board=2: both boards, and so does board=1,2.
  for (const std::string q :
       {"board=1&board=2", "board=1,2", "board=2,1&board=1"}) {
    SCOPED_TRACE(q);
    auto r = parse(q);
    ASSERT_TRUE(r) << r.error().message;
    const auto& f = r.value().filter;
    EXPECT_EQ(f.boards().size(), 2u);
    EXPECT_TRUE(f.passes(frame_of(event_type::new_path, 1)));
    EXPECT_TRUE(f.passes(frame_of(event_type::new_path, 2)));
    EXPECT_FALSE(f.passes(frame_of(event_type::new_path, 3)));
  }
  EXPECT_EQ(error_for("board=1&board=x").field, "board");
  EXPECT_EQ(error_for("board=1&board=").field, "board");
}

TEST(StreamRequest, TooManyBoardsIs400) {
  std::string at_cap;
  for (std::size_t i = 1; i <= stream_filter::max_boards; ++i)
    at_cap += "board=" + std::to_string(i) + "&";
  // Repeating a board named already does not count twice.
  auto r = parse(at_cap + "board=1");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().filter.boards().size(), stream_filter::max_boards);
  for (std::size_t i = 1; i <= stream_filter::max_boards; ++i)
    EXPECT_TRUE(r.value().filter.passes(
        frame_of(event_type::new_path, static_cast<std::int64_t>(i))));
  auto e = error_for(at_cap + "board=999");
  EXPECT_EQ(e.field, "board");
  EXPECT_NE(e.message.find(std::to_string(stream_filter::max_boards)),
            std::string::npos)
      << e.message;
}

TEST(StreamRequest, BadBoardIs400OnBoard) {
  for (const std::string q :
       {"board=0", "board=-1", "board=abc", "board=", "board=07",
        "board=9223372036854775808", "board=1,", "board=,1", "board"}) {
    SCOPED_TRACE(q);
    EXPECT_EQ(error_for(q).field, "board");
  }
}

TEST(StreamRequest, LastEventIdFromQuery) {
  auto r = parse("lastEventId=42");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().last_event_id, 42);
  // 0: "I have seen nothing", a valid resume point.
  auto zero = parse("lastEventId=0");
  ASSERT_TRUE(zero) << zero.error().message;
  EXPECT_EQ(zero.value().last_event_id, 0);
}

TEST(StreamRequest, BadLastEventIdQueryIs400) {
  for (const std::string q :
       {"lastEventId=-1", "lastEventId=abc", "lastEventId=", "lastEventId=1x",
        "lastEventId=99999999999999999999", "lastEventId=1,2"}) {
    SCOPED_TRACE(q);
    EXPECT_EQ(error_for(q).field, "lastEventId");
  }
}

TEST(StreamRequest, RepeatedLastEventIdQueryIs400) {
  // Single-valued: neither value is picked, even when they agree, and
  // even when the header would win over both.
  for (const std::string q :
       {"lastEventId=1&lastEventId=2", "lastEventId=5&lastEventId=5",
        "lastEventId=5&%6CastEventId=6"}) {
    SCOPED_TRACE(q);
    EXPECT_EQ(error_for(q).field, "lastEventId");
    EXPECT_EQ(error_for(q, "7").field, "lastEventId");
  }
}

TEST(StreamRequest, LastEventIdHeader) {
  auto r = parse("", "17");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().last_event_id, 17);
}

TEST(StreamRequest, HeaderWinsOverQuery) {
  auto r = parse("lastEventId=10", "50");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().last_event_id, 50);
  // Even when the header is the older of the two.
  auto older = parse("lastEventId=10", "3");
  ASSERT_TRUE(older) << older.error().message;
  EXPECT_EQ(older.value().last_event_id, 3);
}

TEST(StreamRequest, MalformedHeaderIs400OnLastEventId) {
  // Every id this server sends is an event id; anything else would turn a
  // resume into a fresh stream with a silent gap.
  for (const std::string h :
       {"xyz", "-5", "12abc", "1.5", "1,2", "99999999999999999999"}) {
    SCOPED_TRACE(h);
    EXPECT_EQ(error_for("", h, "invalid_header").field, "Last-Event-ID");
    // The query does not rescue it.
    EXPECT_EQ(error_for("lastEventId=10", h, "invalid_header").field,
              "Last-Event-ID");
  }
}

TEST(StreamRequest, EmptyHeaderIsNoHeader) {
  // An EventSource whose last id is empty sends no header at all.
  request req{bhttp::verb::get, "/sse/notifications/?lastEventId=4", 11};
  req.set("Last-Event-ID", "");
  auto r = parse_stream_request(req, parse_target(req.target()).params);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().last_event_id, 4);
  request bare{bhttp::verb::get, "/sse/notifications/", 11};
  bare.set("Last-Event-ID", "");
  auto fresh = parse_stream_request(bare, parse_target(bare.target()).params);
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_FALSE(fresh.value().last_event_id);
}

TEST(StreamRequest, RepeatedHeaderIs400) {
  request req{bhttp::verb::get, "/sse/notifications/", 11};
  req.insert("Last-Event-ID", "5");
  req.insert("Last-Event-ID", "5");
  auto r = parse_stream_request(req, parse_target(req.target()).params);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, "invalid_header");
  EXPECT_EQ(r.error().field, "Last-Event-ID");
}

TEST(StreamRequest, UnknownParametersAreIgnored) {
  auto r = parse("foo=bar&board=3&foo=baz");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(boards_of(r.value().filter), (std::vector<std::int64_t>{3}));
}

// -- the Retry-After of a refused stream ---------------------------------

TEST(RefusedStreamRetry, WindowIsTheRetryHintToTwiceItInWholeSeconds) {
  using std::chrono::seconds;
  const auto hint = refused_stream_retry_window(stream_config{}.retry);
  EXPECT_EQ(hint.min, seconds{3});
  EXPECT_EQ(hint.max, seconds{6});
  // delay-seconds only: a hint that is not whole rounds up, and even a
  // tiny hint waits at least a second.
  const auto odd = refused_stream_retry_window(std::chrono::milliseconds{2500});
  EXPECT_EQ(odd.min, seconds{3});
  EXPECT_EQ(odd.max, seconds{6});
  const auto tiny = refused_stream_retry_window(std::chrono::milliseconds{10});
  EXPECT_EQ(tiny.min, seconds{1});
  EXPECT_EQ(tiny.max, seconds{2});
}

TEST(RefusedStreamRetry, DrawsSpreadOverTheWholeWindow) {
  // 400 draws miss one of the 4 values with probability 4 * (3/4)^400,
  // about 1e-50: every value turns up, and none outside the window.
  std::set<std::chrono::seconds::rep> seen;
  for (int i = 0; i < 400; ++i)
    seen.insert(refused_stream_retry_after(stream_config{}.retry).count());
  EXPECT_EQ(seen, (std::set<std::chrono::seconds::rep>{3, 4, 5, 6}));
}

// -- admit_stream and run_stream: a real notifier, a real shard, and a
// client on a loopback socket
// ---------------------------------------------------------------------------

using namespace std::chrono_literals;

/// The bytes every stream's client reads first: the head as Beast
/// serialises it, byte for byte what clients have always read.
const std::string stream_head = "HTTP/1.1 200 OK\r\n"
                                "Server: dots\r\n"
                                "Content-Type: text/event-stream\r\n"
                                "Cache-Control: no-cache\r\n"
                                "X-Accel-Buffering: no\r\n"
                                "\r\n";

domain::event retained_event(std::int64_t id) {
  domain::event ev;
  ev.id = id;
  ev.type = event_type::new_board;
  ev.board_id = 1;
  return ev;
}

domain::frame_ptr live_frame(std::int64_t id) {
  return std::make_shared<const domain::frame>(domain::frame{
      id, event_type::new_board, 1,
      domain::encode_sse_event(id, "newBoard", R"({"board_id":1})")});
}

class SseEndpoint : public actors::test::actor_test {
protected:
  SseEndpoint() {
    home_.hub = std::make_shared<stream_hub>(home_.io(), stream_limits{});
  }

  ~SseEndpoint() override {
    beast::error_code ec;
    client_.close(ec);
    if (started_) {
      EXPECT_TRUE(wait_ended()) << "the stream outlived its client";
    }
    home_.stop();
    home_.join();
  }

  /// The context a server would give its sessions, with `notifier`.
  app_context& make_context(actors::notifier_actor notifier) {
    return ctx_.emplace(sys_, actors::accounts_actor{}, actors::boards_actor{},
                        actors::paths_actor{}, std::move(notifier), metrics_);
  }

  /// Opens a stream as the session does: admits `req`, then hands the
  /// connection's server side to run_stream on the shard's own thread.
  void open(const request& req) {
    auto admitted = admit_stream(*ctx_, req, {});
    ASSERT_TRUE(admitted.has_value()) << admitted.error().message;
    client_.connect(acceptor_.local_endpoint());
    auto server_side = acceptor_.accept(home_.io());
    client_.non_blocking(true);
    auto on_end = [this](std::exception_ptr e) {
      ended_.set_value(e);
    };
    net::co_spawn(
        home_.io(),
        run_stream(*ctx_, home_, std::move(server_side), admitted.value()),
        on_end);
    started_ = true;
    home_.start();
  }

  /// Whether the stream ended within 10 s: run_stream's coroutine ended
  /// without an exception, and the stream gave its slot back. A live
  /// stream outlives the coroutine (a handler waits for its client), so
  /// the slot is what says the stream is gone.
  bool wait_ended() {
    auto done = ended_.get_future();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    if (done.wait_until(deadline) != std::future_status::ready)
      return false;
    started_ = false;
    if (done.get() != nullptr)
      return false;
    while (metrics_->open_streams.load() != 0) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  /// Reads until `n` bytes came, the server closed or 10 s passed.
  std::string read_bytes(std::size_t n) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    char buf[4096];
    while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
      boost::system::error_code ec;
      auto got = client_.read_some(
          net::buffer(buf, std::min(sizeof buf, n - out.size())), ec);
      if (!ec) {
        out.append(buf, got);
        continue;
      }
      if (ec != net::error::would_block && ec != net::error::try_again)
        break;
      pollfd p{client_.native_handle(), POLLIN, 0};
      ::poll(&p, 1, 10);
    }
    return out;
  }

  /// Reads until the server closes the connection (true) or 10 s passed.
  std::pair<std::string, bool> read_to_end() {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      boost::system::error_code ec;
      auto got = client_.read_some(net::buffer(buf), ec);
      if (!ec) {
        out.append(buf, got);
        continue;
      }
      if (ec != net::error::would_block && ec != net::error::try_again)
        return {out, true};
      pollfd p{client_.native_handle(), POLLIN, 0};
      ::poll(&p, 1, 10);
    }
    return {out, false};
  }

  /// Waits until the shard ran everything posted to it so far.
  void settle_shard() {
    std::promise<void> ran;
    auto mark = [&ran] {
      ran.set_value();
    };
    net::post(home_.io(), mark);
    ASSERT_EQ(ran.get_future().wait_for(10s), std::future_status::ready);
  }

  std::shared_ptr<server_metrics> metrics_ = std::make_shared<server_metrics>();
  shard home_;
  std::optional<app_context> ctx_;
  net::io_context client_io_;
  tcp::acceptor acceptor_{client_io_, {net::ip::make_address("127.0.0.1"), 0}};
  tcp::socket client_{client_io_};
  std::promise<std::exception_ptr> ended_;
  bool started_ = false;
};

TEST_F(SseEndpoint, FreshStreamOpensWithHeadRetryHintAndLatestIdAtOnce) {
  make_context(spawn_recorded_notifier(
      {}, {retained_event(1), retained_event(2), retained_event(3)}, 3));
  open(make_request());
  const auto opening = stream_head + "retry: 3000\n\n" + "id: 3\n\n";
  const auto got = read_bytes(opening.size());
  EXPECT_EQ(got, opening);

  // As a client's HTTP parser reads it: a 200 event stream whose body runs
  // until the connection ends (no length, no chunks).
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(false);
  beast::error_code ec;
  parser.put(net::buffer(got), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_header_done());
  const auto& head = parser.get();
  EXPECT_EQ(head.result(), bhttp::status::ok);
  EXPECT_EQ(head[bhttp::field::content_type], "text/event-stream");
  EXPECT_EQ(head[bhttp::field::cache_control], "no-cache");
  EXPECT_EQ(head["X-Accel-Buffering"], "no");
  EXPECT_FALSE(head.has_content_length());
  EXPECT_FALSE(head.chunked());
  EXPECT_TRUE(parser.need_eof());

  // Then live frames, after the latest id it was told.
  const auto f4 = live_frame(4);
  home_.hub->publish(f4);
  EXPECT_EQ(read_bytes(f4->bytes.size()), f4->bytes);
  EXPECT_EQ(metrics_->open_streams.load(), 1);
  EXPECT_EQ(metrics_->responses_by_status[200].load(), 1u);
}

TEST_F(SseEndpoint, ResumedStreamGetsWhatItMissedThenLiveFramesOnce) {
  auto notifier = spawn_recorded_notifier(
      {}, {retained_event(1), retained_event(2), retained_event(3)}, 3);
  const auto missed = call<actors::replay_frames>(notifier, actors::replay{1});
  ASSERT_TRUE(missed);
  ASSERT_EQ(missed->frames.size(), 2u);
  make_context(notifier);
  open(make_request("1"));
  // No opening id line: the client has its own resume point.
  const auto opening = stream_head + "retry: 3000\n\n" +
                       missed->frames[0]->bytes + missed->frames[1]->bytes;
  EXPECT_EQ(read_bytes(opening.size()), opening);
  // A live frame the replay already sent is not sent again.
  const auto again = missed->frames[1];
  const auto f4 = live_frame(4);
  home_.hub->publish(again);
  home_.hub->publish(f4);
  EXPECT_EQ(read_bytes(f4->bytes.size()), f4->bytes);
}

TEST_F(SseEndpoint, ClientLeavingEndsTheStreamAndGivesItsSlotBack) {
  make_context(spawn_recorded_notifier({}, {retained_event(1)}, 1));
  open(make_request());
  const auto opening = stream_head + "retry: 3000\n\n" + "id: 1\n\n";
  ASSERT_EQ(read_bytes(opening.size()), opening);
  EXPECT_EQ(metrics_->open_streams.load(), 1);
  client_.close();
  ASSERT_TRUE(wait_ended());
  EXPECT_EQ(metrics_->open_streams.load(), 0);
  // The stream's writer left the hub with its coroutine: a frame published
  // now reaches no one (under ASan, a writer left behind would be a use
  // after free here).
  const auto before = home_.hub->frames_delivered.load();
  home_.hub->publish(live_frame(2));
  settle_shard();
  EXPECT_EQ(home_.hub->frames_delivered.load(), before);
}

TEST_F(SseEndpoint, NoReplayFromTheNotifierIsRefusedWith503AndRetryAfter) {
  auto notifier = track(spawn_notifier(sys_, {sink_}, spawn_log(), {}, 0, {}));
  {
    // Waits (boundedly) until the notifier is really gone: asks then fail
    // at once.
    caf::scoped_actor self{sys_};
    self->monitor(notifier);
    caf::anon_send_exit(notifier, caf::exit_reason::kill);
    bool down = false;
    self->receive([&](caf::down_msg&) { down = true; },
                  caf::after(std::chrono::seconds{10}) >> [] {});
    ASSERT_TRUE(down);
  }
  make_context(notifier);
  open(make_request());
  auto [got, ended] = read_to_end();
  EXPECT_TRUE(ended);
  bhttp::response_parser<bhttp::string_body> parser;
  beast::error_code ec;
  parser.put(net::buffer(got), ec);
  ASSERT_FALSE(ec) << ec.message() << " in:\n" << got;
  ASSERT_TRUE(parser.is_done()) << got;
  const auto& res = parser.get();
  EXPECT_EQ(res.result(), bhttp::status::service_unavailable);
  expect_in_refusal_window(res[bhttp::field::retry_after]);
  EXPECT_EQ(res[bhttp::field::content_length], "0");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(res[bhttp::field::server], "dots");
  ASSERT_TRUE(wait_ended());
  EXPECT_EQ(metrics_->open_streams.load(), 0);
  EXPECT_EQ(metrics_->responses_by_status[503].load(), 1u);
}

TEST_F(SseEndpoint, PastTheCapOrWhileDrainingAdmissionIsRefused) {
  auto& ctx = make_context({});
  ctx.streams.max_streams = 1;
  ASSERT_TRUE(admit_stream(ctx, make_request(), {}).has_value());
  auto expect_refused = [&] {
    auto refused = admit_stream(ctx, make_request(), {});
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().kind, error_kind::unavailable);
    EXPECT_EQ(refused.error().code, "at_capacity");
    expect_in_refusal_window(std::to_string(refused.error().retry_after));
  };
  // The one slot is taken.
  expect_refused();
  // Room again, but the server is shutting down.
  ctx.streams.max_streams = 100;
  ctx.draining.store(true);
  expect_refused();
  // The refused ones took no slot.
  EXPECT_EQ(metrics_->open_streams.load(), 1);
  EXPECT_EQ(metrics_->streams_refused.load(), 2u);
}

} // namespace
} // namespace dots::http
