#include "http/stream.hpp"

#include <gtest/gtest.h>
#include <string>

namespace dots::http {
namespace {

using domain::error_kind;
using domain::event_type;

request make_request(const std::string& last_event_id = {}) {
  request req{bhttp::verb::get, "/sse/notifications/", 11};
  if (!last_event_id.empty())
    req.set("Last-Event-ID", last_event_id);
  return req;
}

domain::frame frame_of(event_type t, std::int64_t board = 1) {
  return domain::frame{1, t, board, "x"};
}

std::uint32_t bit(event_type t) {
  return 1u << static_cast<unsigned>(t);
}

/// The error parse_stream_request gives; fails the test when it parses.
domain::error error_for(const std::string& query,
                        const std::string& header = {}) {
  auto r = parse_stream_request(make_request(header), query);
  if (r) {
    ADD_FAILURE() << "'" << query << "' was accepted";
    return {};
  }
  EXPECT_EQ(r.error().kind, error_kind::invalid);
  EXPECT_EQ(r.error().code, "invalid_query");
  return r.error();
}

TEST(StreamRequest, NoQueryWantsEverythingLive) {
  auto r = parse_stream_request(make_request(), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().filter.board_id, 0);
  EXPECT_FALSE(r.value().last_event_id);
  for (auto t :
       {event_type::new_board, event_type::new_path, event_type::board_updated,
        event_type::board_deleted, event_type::path_updated})
    EXPECT_TRUE(r.value().filter.passes(frame_of(t, 99)));
}

TEST(StreamRequest, EventsListKeepsOnlyThoseTypes) {
  auto r = parse_stream_request(make_request(), "events=newBoard,newPath");
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
  auto r = parse_stream_request(
      make_request(),
      "events=newBoard,newPath,boardUpdated,boardDeleted,pathUpdated");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().filter.types, 0x1fu);
  auto one = parse_stream_request(make_request(), "events=boardDeleted");
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one.value().filter.types, bit(event_type::board_deleted));
}

TEST(StreamRequest, EncodedCommaSeparatesNamesToo) {
  auto r =
      parse_stream_request(make_request(), "events=pathUpdated%2CnewBoard");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().filter.types,
            bit(event_type::path_updated) | bit(event_type::new_board));
}

TEST(StreamRequest, UnknownEventNameIs400OnEvents) {
  for (const std::string q :
       {"events=newBoard,bogus", "events=bogus", "events=newboard",
        "events=NewBoard", "events=", "events=newBoard,", "events=,newPath",
        "events=newBoard%20"}) {
    SCOPED_TRACE(q);
    auto e = error_for(q);
    EXPECT_EQ(e.field, "events");
  }
  auto e = error_for("events=newBoard,bogus");
  EXPECT_NE(e.message.find("bogus"), std::string::npos) << e.message;
}

TEST(StreamRequest, BoardFilter) {
  auto r = parse_stream_request(make_request(), "board=7&events=newPath");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().filter.board_id, 7);
  EXPECT_TRUE(r.value().filter.passes(frame_of(event_type::new_path, 7)));
  EXPECT_FALSE(r.value().filter.passes(frame_of(event_type::new_path, 8)));
  EXPECT_FALSE(r.value().filter.passes(frame_of(event_type::new_board, 7)));
}

TEST(StreamRequest, BadBoardIs400OnBoard) {
  for (const std::string q : {"board=0", "board=-1", "board=abc", "board=",
                              "board=07", "board=9223372036854775808"}) {
    SCOPED_TRACE(q);
    EXPECT_EQ(error_for(q).field, "board");
  }
}

TEST(StreamRequest, LastEventIdFromQuery) {
  auto r = parse_stream_request(make_request(), "lastEventId=42");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().last_event_id, 42);
  // 0: "I have seen nothing", a valid resume point.
  auto zero = parse_stream_request(make_request(), "lastEventId=0");
  ASSERT_TRUE(zero) << zero.error().message;
  EXPECT_EQ(zero.value().last_event_id, 0);
}

TEST(StreamRequest, BadLastEventIdQueryIs400) {
  for (const std::string q :
       {"lastEventId=-1", "lastEventId=abc", "lastEventId=", "lastEventId=1x",
        "lastEventId=99999999999999999999"}) {
    SCOPED_TRACE(q);
    EXPECT_EQ(error_for(q).field, "lastEventId");
  }
}

TEST(StreamRequest, LastEventIdHeader) {
  auto r = parse_stream_request(make_request("17"), "");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().last_event_id, 17);
}

TEST(StreamRequest, HeaderWinsOverQuery) {
  auto r = parse_stream_request(make_request("50"), "lastEventId=10");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().last_event_id, 50);
  // Even when the header is the older of the two.
  auto older = parse_stream_request(make_request("3"), "lastEventId=10");
  ASSERT_TRUE(older) << older.error().message;
  EXPECT_EQ(older.value().last_event_id, 3);
}

TEST(StreamRequest, GarbageHeaderIsIgnored) {
  for (const std::string h : {"xyz", "-5", "12abc", "1.5"}) {
    SCOPED_TRACE(h);
    auto with_query = parse_stream_request(make_request(h), "lastEventId=10");
    ASSERT_TRUE(with_query) << with_query.error().message;
    EXPECT_EQ(with_query.value().last_event_id, 10);
    auto alone = parse_stream_request(make_request(h), "");
    ASSERT_TRUE(alone) << alone.error().message;
    EXPECT_FALSE(alone.value().last_event_id);
  }
}

TEST(StreamRequest, MalformedQueryIs400) {
  auto e = error_for("events=%zz");
  EXPECT_FALSE(e.message.empty());
}

TEST(StreamRequest, UnknownParametersAreIgnored) {
  auto r = parse_stream_request(make_request(), "foo=bar&board=3");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().filter.board_id, 3);
}

} // namespace
} // namespace dots::http
