#include "actors/actor_fixture.hpp"
#include "domain/sse.hpp"

#include <gtest/gtest.h>

namespace dots::actors {
namespace {

using namespace std::chrono_literals;
using domain::event;
using domain::event_type;

event ev(std::int64_t id, event_type type = event_type::new_board,
         std::int64_t board = 1) {
  return event{id, type, board,
               R"({"board_id":)" + std::to_string(board) + R"(,"n":)" +
                   std::to_string(id) + "}"};
}

std::vector<std::int64_t> ids_of(const std::vector<domain::frame_ptr>& fs) {
  std::vector<std::int64_t> out;
  for (auto& f : fs)
    out.push_back(f->id);
  return out;
}

using ids = std::vector<std::int64_t>;

class Notifier : public test::actor_test {
protected:
  replay_frames replay_after(const notifier_actor& n, std::int64_t after) {
    auto r = call<replay_frames>(n, replay{after});
    return r ? std::move(*r) : replay_frames{};
  }
};

TEST_F(Notifier, PublishesEachEventAsOneSseFrame) {
  auto n = spawn_recorded_notifier();
  const auto e = ev(1, event_type::board_updated, 7);
  caf::anon_send(n, board_updated{e});
  auto frames = sink_->wait_for(1);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]->id, 1);
  EXPECT_EQ(frames[0]->type, event_type::board_updated);
  EXPECT_EQ(frames[0]->board_id, 7);
  EXPECT_EQ(frames[0]->bytes,
            "id: 1\nevent: boardUpdated\ndata: " + e.data + "\n\n");
}

TEST_F(Notifier, EveryMessageKindIsPublished) {
  auto n = spawn_recorded_notifier();
  caf::anon_send(n, board_created{ev(1, event_type::new_board)});
  caf::anon_send(n, path_created{ev(2, event_type::new_path)});
  caf::anon_send(n, path_updated{ev(3, event_type::path_updated)});
  caf::anon_send(n, board_updated{ev(4, event_type::board_updated)});
  caf::anon_send(n, board_deleted{ev(5, event_type::board_deleted)});
  auto frames = sink_->wait_for(5);
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(ids_of(frames), (ids{1, 2, 3, 4, 5}));
  const std::vector<std::string> names{"newBoard", "newPath", "pathUpdated",
                                       "boardUpdated", "boardDeleted"};
  for (std::size_t i = 0; i < 5; ++i)
    EXPECT_EQ(test::read_event(*frames[i]).event, names[i]);
}

TEST_F(Notifier, EventsArrivingOutOfOrderArePublishedInIdOrder) {
  notifier_config cfg;
  cfg.gap_wait = 5s; // long: only the missing event may release the wait
  auto n = spawn_recorded_notifier(cfg);
  caf::anon_send(n, path_created{ev(2, event_type::new_path)});
  // Processed after the event above (same mailbox, later): 2 is held.
  EXPECT_TRUE(replay_after(n, 0).frames.empty());
  EXPECT_TRUE(sink_->frames().empty());
  caf::anon_send(n, path_updated{ev(3, event_type::path_updated)});
  caf::anon_send(n, board_created{ev(1, event_type::new_board)});
  auto frames = sink_->wait_for(3);
  EXPECT_EQ(ids_of(frames), (ids{1, 2, 3}));
  EXPECT_EQ(ids_of(replay_after(n, 0).frames), (ids{1, 2, 3}));
}

TEST_F(Notifier, MissingIdIsSkippedAfterGapWait) {
  notifier_config cfg;
  cfg.gap_wait = 50ms;
  auto n = spawn_recorded_notifier(cfg);
  const auto start = std::chrono::steady_clock::now();
  caf::anon_send(n, board_created{ev(2)});
  caf::anon_send(n, board_created{ev(3)});
  auto frames = sink_->wait_for(2);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ids_of(frames), (ids{2, 3}));
  EXPECT_GE(waited, cfg.gap_wait);
  // The missing one coming late is not published out of order.
  caf::anon_send(n, board_created{ev(1)});
  caf::anon_send(n, board_created{ev(4)});
  frames = sink_->wait_for(3);
  EXPECT_EQ(ids_of(frames), (ids{2, 3, 4}));
  EXPECT_EQ(ids_of(replay_after(n, 1).frames), (ids{2, 3, 4}));
}

TEST_F(Notifier, SeveralGapsAreEachWaitedOut) {
  notifier_config cfg;
  cfg.gap_wait = 30ms;
  auto n = spawn_recorded_notifier(cfg);
  caf::anon_send(n, board_created{ev(2)});
  caf::anon_send(n, board_created{ev(5)});
  auto frames = sink_->wait_for(2);
  EXPECT_EQ(ids_of(frames), (ids{2, 5}));
  // With the gaps behind, the next id goes out at once.
  caf::anon_send(n, board_created{ev(6)});
  frames = sink_->wait_for(3, 1s);
  EXPECT_EQ(ids_of(frames), (ids{2, 5, 6}));
}

TEST_F(Notifier, GapLeftAfterALateArrivalIsStillWaitedOut) {
  notifier_config cfg;
  cfg.gap_wait = 50ms;
  auto n = spawn_recorded_notifier(cfg);
  // 3 comes first: 1 and 2 are missing, and a wait for 1 starts.
  caf::anon_send(n, board_created{ev(3)});
  // 1 comes in time; 2 never does. 3 must not wait for ever.
  caf::anon_send(n, board_created{ev(1)});
  auto frames = sink_->wait_for(2, 1s);
  EXPECT_EQ(ids_of(frames), (ids{1, 3}))
      << "event 3 still held " << 1000 / cfg.gap_wait.count()
      << " gap waits after 1 arrived";
}

TEST_F(Notifier, DuplicatesAreDropped) {
  auto n = spawn_recorded_notifier();
  caf::anon_send(n, board_created{ev(1)});
  caf::anon_send(n, board_created{ev(1)});
  caf::anon_send(n, board_created{ev(2)});
  caf::anon_send(n, board_created{ev(1)});
  // The replay answers after all of the above were handled.
  EXPECT_EQ(ids_of(replay_after(n, 0).frames), (ids{1, 2}));
  EXPECT_EQ(ids_of(sink_->frames()), (ids{1, 2}));
}

TEST_F(Notifier, IdsContinueFromTheLogAfterARestart) {
  auto n = spawn_recorded_notifier({}, {ev(40), ev(41)}, 41);
  caf::anon_send(n, board_created{ev(41)}); // already published before
  caf::anon_send(n, board_created{ev(42)});
  auto frames = sink_->wait_for(1);
  EXPECT_EQ(ids_of(frames), (ids{42}));
  auto r = replay_after(n, 39);
  EXPECT_EQ(ids_of(r.frames), (ids{40, 41, 42}));
  EXPECT_EQ(r.last_id, 42);
}

TEST_F(Notifier, EverySinkGetsTheSameEncodedFrame) {
  auto other = std::make_shared<test::recording_sink>();
  auto n = track(spawn_notifier(sys_, {sink_, other}, {}, 0, {}));
  caf::anon_send(n, board_created{ev(1)});
  auto a = sink_->wait_for(1);
  auto b = other->wait_for(1);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].get(), b[0].get());
  // And the replay hands out that very frame as well.
  auto r = replay_after(n, 0);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.frames[0].get(), a[0].get());
}

// -- replay
// ---------------------------------------------------------------------

TEST_F(Notifier, ReplayReturnsRetainedFramesAfterAnId) {
  auto n = spawn_recorded_notifier({}, {ev(5), ev(6), ev(7), ev(8), ev(9)}, 9);
  auto r = replay_after(n, 6);
  EXPECT_EQ(ids_of(r.frames), (ids{7, 8, 9}));
  EXPECT_EQ(r.last_id, 9);
  for (auto& f : r.frames)
    EXPECT_EQ(f->bytes,
              domain::encode_sse_event(f->id, "newBoard", ev(f->id).data));
  // Up to date: nothing to send, and the resume point stays.
  auto none = replay_after(n, 9);
  EXPECT_TRUE(none.frames.empty());
  EXPECT_EQ(none.last_id, 9);
  // Right before the oldest: everything, and no reset (nothing was lost).
  auto all = replay_after(n, 4);
  EXPECT_EQ(ids_of(all.frames), (ids{5, 6, 7, 8, 9}));
}

TEST_F(Notifier, ReplayFromBeforeTheOldestStartsWithReset) {
  auto n = spawn_recorded_notifier({}, {ev(5), ev(6), ev(7)}, 7);
  for (std::int64_t after : {0, 3}) {
    SCOPED_TRACE(after);
    auto r = replay_after(n, after);
    ASSERT_EQ(r.frames.size(), 4u);
    const auto& reset = *r.frames[0];
    EXPECT_EQ(reset.bytes, "event: reset\ndata: {\"oldest_id\":5}\n\n");
    EXPECT_EQ(reset.bytes.find("id:"), std::string::npos);
    EXPECT_EQ(reset.id, 0);
    EXPECT_FALSE(reset.type);
    EXPECT_EQ(ids_of({r.frames.begin() + 1, r.frames.end()}), (ids{5, 6, 7}));
    EXPECT_EQ(r.last_id, 7);
  }
}

TEST_F(Notifier, ReplayKeepsOnlyTheRetentionLimit) {
  notifier_config cfg;
  cfg.retention = 3;
  auto n = spawn_recorded_notifier(cfg);
  for (std::int64_t id = 1; id <= 5; ++id)
    caf::anon_send(n, board_created{ev(id)});
  auto r = replay_after(n, 1);
  ASSERT_EQ(r.frames.size(), 4u);
  EXPECT_EQ(r.frames[0]->bytes, "event: reset\ndata: {\"oldest_id\":3}\n\n");
  EXPECT_EQ(ids_of({r.frames.begin() + 1, r.frames.end()}), (ids{3, 4, 5}));
  EXPECT_EQ(r.last_id, 5);
  // The sinks had every one of them live.
  EXPECT_EQ(ids_of(sink_->frames()), (ids{1, 2, 3, 4, 5}));
}

TEST_F(Notifier, ReplayOfAnEmptyLog) {
  auto n = spawn_recorded_notifier();
  auto r = replay_after(n, 0);
  EXPECT_TRUE(r.frames.empty());
  EXPECT_EQ(r.last_id, 0);
  // An id this log never reached (the database was replaced): the client is
  // told to reload, and goes on from the log's real newest id.
  auto ahead = replay_after(n, 12);
  ASSERT_EQ(ahead.frames.size(), 1u);
  EXPECT_EQ(ahead.frames[0]->bytes,
            "event: reset\ndata: {\"oldest_id\":1}\n\n");
  EXPECT_EQ(ahead.last_id, 0);
}

// -- keep-alives and counters
// ---------------------------------------------------

TEST_F(Notifier, KeepaliveTickPublishesAComment) {
  auto n = spawn_recorded_notifier();
  caf::anon_send(n, keepalive_tick{});
  caf::anon_send(n, keepalive_tick{});
  auto frames = sink_->wait_for(2);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0]->bytes, ": keep-alive\n\n");
  EXPECT_EQ(frames[0]->id, 0);
  EXPECT_FALSE(frames[0]->type);
  // Encoded once, not per tick; and never part of a replay.
  EXPECT_EQ(frames[0].get(), frames[1].get());
  EXPECT_TRUE(replay_after(n, 0).frames.empty());
}

TEST_F(Notifier, CountsPublishedEventsAndReplays) {
  notifier_config cfg;
  cfg.metrics = std::make_shared<server_metrics>();
  auto n = spawn_recorded_notifier(cfg);
  caf::anon_send(n, board_created{ev(1)});
  caf::anon_send(n, board_created{ev(2)});
  caf::anon_send(n, keepalive_tick{});
  replay_after(n, 0);
  EXPECT_EQ(cfg.metrics->events_published.load(), 2u);
  EXPECT_EQ(cfg.metrics->replays_served.load(), 1u);
}

} // namespace
} // namespace dots::actors
