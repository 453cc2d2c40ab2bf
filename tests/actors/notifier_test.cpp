#include "actors/actor_fixture.hpp"
#include "domain/events.hpp"
#include "domain/sse.hpp"

#include <algorithm>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>
#include <limits>
#include <set>
#include <sqlite3.h>
#include <thread>

// The notifier against a real SQLite event log: events are written through a
// real store, so the log holds exactly what the notifier may read, and the
// tests then send (or withhold) the messages the persistence actors would
// send. What is checked is what a stream's client would see: the frames the
// sinks get, in order, and the replies to resumes.

namespace dots::actors {
namespace {

using namespace std::chrono_literals;
using domain::event;
using domain::event_type;
using ids = std::vector<std::int64_t>;

const std::string t0 = "2024-05-01T12:00:00Z";

std::vector<std::int64_t> ids_of(const std::vector<domain::frame_ptr>& fs) {
  std::vector<std::int64_t> out;
  for (auto& f : fs)
    out.push_back(f->id);
  return out;
}

ids range(std::int64_t first, std::int64_t last) {
  ids out;
  for (auto id = first; id <= last; ++id)
    out.push_back(id);
  return out;
}

/// The bytes a client must receive for `ev`: one frame, payload built from
/// the event's typed fields.
std::string frame_bytes(const event& ev) {
  return "id: " + std::to_string(ev.id) +
         "\nevent: " + std::string{domain::event_name(ev.type)} +
         "\ndata: " + domain::event_data(ev) + "\n\n";
}

std::string reset_bytes(std::int64_t oldest_id) {
  return "event: reset\ndata: {\"oldest_id\":" + std::to_string(oldest_id) +
         "}\n\n";
}

class Notifier : public test::actor_test {
protected:
  void SetUp() override {
    db_ = open_store();
    ASSERT_TRUE(db_);
    alice_ = add_user("alice");
    bob_ = add_user("bob");
  }

  domain::user add_user(const std::string& name) {
    auto u = db_->create_user(name, "not-a-real-hash", t0);
    EXPECT_TRUE(u) << u.error().message;
    return u ? u.value() : domain::user{};
  }

  static domain::board_draft draft(std::string name) {
    return {std::move(name), 5, 5, {{0, 0, "#ff0000"}, {4, 4, "#ff0000"}}};
  }

  // Each write commits a change and its event row, as the persistence actors
  // do, and returns the event the log now holds.

  event write_board(const std::string& name) {
    auto c = db_->create_board(alice_.id, draft(name), t0);
    EXPECT_TRUE(c) << c.error().message;
    return c ? c.value().event : event{};
  }

  event write_update(std::int64_t board_id, const std::string& name) {
    auto c = db_->update_board(board_id, draft(name), t0);
    EXPECT_TRUE(c) << c.error().message;
    return c ? c.value().event : event{};
  }

  event write_delete(std::int64_t board_id) {
    auto c = db_->delete_board(board_id);
    EXPECT_TRUE(c) << c.error().message;
    return c ? c.value().event : event{};
  }

  event write_path(std::int64_t board_id, bool complete) {
    std::vector<domain::segment> segs{
        {"#ff0000", {{0, 0}, {0, 1}, {1, 1}, {2, 2}, {3, 3}, {4, 4}}}};
    auto s = db_->save_path(board_id, bob_.id, segs, complete, t0);
    EXPECT_TRUE(s) << s.error().message;
    return s ? s.value().event : event{};
  }

  /// Writes `n` board events and returns them.
  std::vector<event> write_boards(int n) {
    std::vector<event> out;
    for (int i = 0; i < n; ++i)
      out.push_back(write_board("board " + std::to_string(i)));
    return out;
  }

  /// Sends `ev` as the message the persistence actor that wrote it sends.
  static void tell(const notifier_actor& n, const event& ev) {
    switch (ev.type) {
    case event_type::new_board:
      caf::anon_send(n, board_created{ev});
      break;
    case event_type::board_updated:
      caf::anon_send(n, board_updated{ev});
      break;
    case event_type::board_deleted:
      caf::anon_send(n, board_deleted{ev});
      break;
    case event_type::new_path:
      caf::anon_send(n, path_created{ev});
      break;
    case event_type::path_updated:
      caf::anon_send(n, path_updated{ev});
      break;
    }
  }

  replay_frames replay_after(const notifier_actor& n, std::int64_t after) {
    auto r = call<replay_frames>(n, replay{after});
    return r ? std::move(*r) : replay_frames{};
  }

  /// Waits until the sink got `count` frames; a failure if they do not come
  /// by themselves. Checked before any caught_up(), whose own read of the
  /// log would otherwise hide a read the notifier failed to make.
  void published(std::size_t count) {
    EXPECT_GE(sink_->wait_for(count).size(), count)
        << "the notifier did not publish them by itself";
  }

  /// Returns once `n` handled everything sent to it before and has read the
  /// log to its end: a replay from above any id is answered only then. After
  /// it, the sink holds all the notifier will ever publish of what the log
  /// holds now, so a duplicate or a stray frame would be there.
  void caught_up(const notifier_actor& n) {
    replay_after(n, std::numeric_limits<std::int64_t>::max() / 2);
  }

  /// Returns once `n` handled the messages sent to it before, without
  /// making it read the log (a fresh stream's replay never does).
  std::int64_t handled(const notifier_actor& n) {
    return replay_after(n, -1).last_id;
  }

  /// Checks that `frames` are exactly the frames of `evs`, in that order.
  static void expect_frames_of(const std::vector<domain::frame_ptr>& frames,
                               const std::vector<event>& evs) {
    ASSERT_EQ(frames.size(), evs.size());
    for (std::size_t i = 0; i < evs.size(); ++i) {
      SCOPED_TRACE(evs[i].id);
      EXPECT_EQ(frames[i]->id, evs[i].id);
      EXPECT_EQ(frames[i]->type, evs[i].type);
      EXPECT_EQ(frames[i]->board_id, evs[i].board_id);
      EXPECT_EQ(frames[i]->bytes, frame_bytes(evs[i]));
    }
  }

  std::shared_ptr<storage::store> db_;
  domain::user alice_;
  domain::user bob_;
};

// -- publishing from messages -------------------------------------------------

TEST_F(Notifier, PublishesEachEventAsOneSseFrame) {
  auto n = spawn_recorded_notifier();
  const auto e = write_board("First");
  ASSERT_EQ(e.id, 1);
  tell(n, e);
  published(1);
  caught_up(n);
  auto frames = sink_->frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]->id, 1);
  EXPECT_EQ(frames[0]->type, event_type::new_board);
  EXPECT_EQ(frames[0]->board_id, e.board_id);
  // Spelled out, so that a change of the payload's shape shows here too.
  EXPECT_EQ(frames[0]->bytes,
            "id: 1\nevent: newBoard\ndata: {\"board_id\":" +
                std::to_string(e.board_id) +
                ",\"board_name\":\"First\",\"creator_username\":\"alice\"}"
                "\n\n");
  EXPECT_EQ(frames[0]->bytes, frame_bytes(e));
  auto parsed = test::read_event(*frames[0]);
  EXPECT_EQ(parsed.id, "1");
  EXPECT_EQ(parsed.event, "newBoard");
}

TEST_F(Notifier, EveryMessageKindIsPublishedAtOnce) {
  auto n = spawn_recorded_notifier();
  const auto b = write_board("Kinds");
  std::vector<event> evs{b};
  evs.push_back(write_path(b.board_id, false));
  evs.push_back(write_path(b.board_id, true));
  evs.push_back(write_update(b.board_id, "Kinds renamed"));
  evs.push_back(write_delete(b.board_id));
  const std::vector<event_type> kinds{
      event_type::new_board, event_type::new_path, event_type::path_updated,
      event_type::board_updated, event_type::board_deleted};
  for (std::size_t i = 0; i < evs.size(); ++i) {
    SCOPED_TRACE(domain::event_name(evs[i].type));
    ASSERT_EQ(evs[i].type, kinds[i]);
    tell(n, evs[i]);
    // A message at the cursor is published while it is handled, with no
    // read of the log (which would otherwise hide an ignored kind): the
    // fresh-stream replay behind it already sees it.
    EXPECT_EQ(handled(n), evs[i].id);
    EXPECT_EQ(sink_->frames().size(), i + 1);
  }
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
  auto updated = test::read_event(*sink_->frames()[2]);
  EXPECT_EQ(updated.data.at("complete"), true);
  EXPECT_EQ(updated.data.at("user_username"), "bob");
  auto renamed = test::read_event(*sink_->frames()[3]);
  EXPECT_EQ(renamed.data.at("board_name"), "Kinds renamed");
}

TEST_F(Notifier, OutOfOrderMessagesArePublishedInIdOrder) {
  auto n = spawn_recorded_notifier();
  const auto evs = write_boards(3);
  tell(n, evs[1]);
  tell(n, evs[2]);
  // Late: by now the log read may already have published it.
  tell(n, evs[0]);
  published(3);
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
}

TEST_F(Notifier, ReverseOrderIsPublishedOnceEach) {
  auto n = spawn_recorded_notifier();
  const auto evs = write_boards(6);
  for (auto it = evs.rbegin(); it != evs.rend(); ++it)
    tell(n, *it);
  published(6);
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
  EXPECT_EQ(ids_of(replay_after(n, 0).frames), range(1, 6));
}

TEST_F(Notifier, AMessageWhosePredecessorsNeverArriveIsNotSkipped) {
  auto n = spawn_recorded_notifier();
  // 1 and 2 are committed, but their messages are never sent (their actor
  // died, or they were lost): the log still has them, and a client must
  // get them before 3.
  const auto evs = write_boards(3);
  tell(n, evs[2]);
  published(3);
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
  // And the cursor is past them: the next message goes out at once.
  auto next = write_board("next");
  tell(n, next);
  EXPECT_EQ(handled(n), next.id);
  EXPECT_EQ(ids_of(sink_->frames()), range(1, 4));
}

TEST_F(Notifier, AGapInTheMiddleIsFilledFromTheLog) {
  auto n = spawn_recorded_notifier();
  const auto evs = write_boards(5);
  tell(n, evs[0]);
  tell(n, evs[1]);
  // 3 and 4 never told.
  tell(n, evs[4]);
  published(5);
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
}

TEST_F(Notifier, DuplicateMessagesAreDropped) {
  auto n = spawn_recorded_notifier();
  const auto evs = write_boards(2);
  tell(n, evs[0]);
  tell(n, evs[0]);
  tell(n, evs[1]);
  tell(n, evs[0]);
  tell(n, evs[1]);
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
  EXPECT_EQ(ids_of(replay_after(n, 0).frames), (ids{1, 2}));
}

// -- reading the log ----------------------------------------------------------

TEST_F(Notifier, LogWakeAlonePublishesTheLogsEventsInBatches) {
  notifier_config cfg;
  cfg.read_batch = 3; // 10 events: four reads, the last one short
  cfg.metrics = std::make_shared<server_metrics>();
  auto n = spawn_recorded_notifier(cfg);
  // Another instance's commits: in the log, never told to this notifier.
  const auto evs = write_boards(10);
  EXPECT_EQ(handled(n), 0);
  EXPECT_TRUE(sink_->frames().empty());
  caf::anon_send(n, log_wake{});
  published(10);
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
  EXPECT_EQ(cfg.metrics->events_read_from_log.load(), 10u);
  EXPECT_EQ(cfg.metrics->events_published.load(), 10u);
  EXPECT_EQ(cfg.metrics->cursor.load(), 10);
}

TEST_F(Notifier, BatchesEndingExactlyAtTheLogsEnd) {
  notifier_config cfg;
  cfg.read_batch = 3;
  auto n = spawn_recorded_notifier(cfg);
  const auto evs = write_boards(6);
  caf::anon_send(n, log_wake{});
  published(6);
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
}

TEST_F(Notifier, AWakeWithNothingNewPublishesNothing) {
  auto n = spawn_recorded_notifier();
  caf::anon_send(n, log_wake{});
  caught_up(n);
  EXPECT_TRUE(sink_->frames().empty());
  const auto e = write_board("one");
  tell(n, e);
  caf::anon_send(n, log_wake{});
  caf::anon_send(n, log_wake{});
  caught_up(n);
  expect_frames_of(sink_->frames(), {e});
}

TEST_F(Notifier, NothingIsPublishedTwiceWhenMessagesAndWakesRace) {
  notifier_config cfg;
  cfg.read_batch = 4;
  auto n = spawn_recorded_notifier(cfg);
  std::vector<event> evs;
  // Rounds of commits, each told in order while another thread wakes the
  // notifier: messages land while reads are in flight and reads return
  // events already published from messages.
  for (int round = 0; round < 10; ++round) {
    std::vector<event> batch = write_boards(5);
    std::thread waker{[&n] {
      for (int i = 0; i < 5; ++i)
        caf::anon_send(n, log_wake{});
    }};
    for (auto& ev : batch) {
      tell(n, ev);
      caf::anon_send(n, log_wake{});
    }
    waker.join();
    evs.insert(evs.end(), batch.begin(), batch.end());
  }
  published(evs.size());
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
  EXPECT_EQ(ids_of(replay_after(n, 0).frames), range(1, 50));
}

TEST_F(Notifier, AWakeDuringAReadIsNotLost) {
  auto n = spawn_recorded_notifier();
  // Another instance commits in bursts, waking this one after each commit
  // and never sending it the events. A wake that lands while a read is in
  // flight (its snapshot taken before the commit) must cause another read,
  // or the burst's last event waits for the next poll. Bursts make that
  // likely without relying on timing for the verdict.
  std::vector<event> evs;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 5; ++i) {
      evs.push_back(write_board("burst"));
      caf::anon_send(n, log_wake{});
    }
    ASSERT_GE(sink_->wait_for(evs.size()).size(), evs.size())
        << "round " << round << ": the last wake was dropped";
  }
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
}

TEST_F(Notifier, ALogTrimmedPastTheCursorGivesOneResetThenTheRest) {
  notifier_config cfg;
  cfg.metrics = std::make_shared<server_metrics>();
  auto other = std::make_shared<test::recording_sink>();
  auto n = track(spawn_notifier(sys_, {sink_, other}, spawn_log(), {}, 0, cfg));
  const auto first = write_boards(3);
  for (auto& ev : first)
    tell(n, ev);
  EXPECT_EQ(handled(n), 3);
  // This instance is cut off while 4..10 are written and the log is
  // trimmed to its last 3 ids: 4..7 are gone before it could read them.
  const auto missed = write_boards(7);
  ASSERT_TRUE(db_->trim_events(3));
  caf::anon_send(n, log_wake{});
  published(7);
  caught_up(n);
  for (auto* sink : {sink_.get(), other.get()}) {
    auto frames = sink->frames();
    ASSERT_EQ(frames.size(), 7u);
    expect_frames_of({frames.begin(), frames.begin() + 3}, first);
    EXPECT_EQ(frames[3]->bytes, reset_bytes(8));
    EXPECT_EQ(frames[3]->id, 0);
    EXPECT_FALSE(frames[3]->type);
    expect_frames_of({frames.begin() + 4, frames.end()},
                     {missed.begin() + 4, missed.end()});
  }
  EXPECT_EQ(sink_->frames()[3].get(), other->frames()[3].get());
  EXPECT_EQ(cfg.metrics->cursor_resets.load(), 1u);
  // A stream resuming from before the jump is told to reload too.
  auto r = replay_after(n, 3);
  ASSERT_EQ(r.frames.size(), 4u);
  EXPECT_EQ(r.frames[0]->bytes, reset_bytes(8));
  EXPECT_EQ(ids_of({r.frames.begin() + 1, r.frames.end()}), (ids{8, 9, 10}));
  EXPECT_EQ(r.last_id, 10);
  // Live again from the new cursor.
  const auto next = write_board("after the outage");
  tell(n, next);
  EXPECT_EQ(handled(n), 11);
  EXPECT_EQ(sink_->frames().back()->bytes, frame_bytes(next));
}

TEST_F(Notifier, EventsLostToATrimAreNotCountedAsReadFromTheLog) {
  notifier_config cfg;
  cfg.metrics = std::make_shared<server_metrics>();
  auto n = spawn_recorded_notifier(cfg);
  write_boards(10);
  ASSERT_TRUE(db_->trim_events(3));
  caf::anon_send(n, log_wake{});
  published(4);
  caught_up(n);
  EXPECT_EQ(ids_of(sink_->frames()), (ids{0, 8, 9, 10}));
  // The operator reads this counter as "events streamed from the log": the
  // seven trimmed ones were never read, only the reset says they are gone.
  EXPECT_EQ(cfg.metrics->events_read_from_log.load(), 3u);
  EXPECT_EQ(cfg.metrics->events_published.load(), 3u);
  EXPECT_EQ(cfg.metrics->cursor_resets.load(), 1u);
}

TEST_F(Notifier, AFullyTrimmedLogMovesTheCursorToItsEnd) {
  auto n = spawn_recorded_notifier();
  write_boards(4);
  ASSERT_TRUE(db_->trim_events(0));
  caf::anon_send(n, log_wake{});
  published(1);
  caught_up(n);
  auto frames = sink_->frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]->bytes, reset_bytes(5));
  const auto next = write_board("fifth");
  ASSERT_EQ(next.id, 5);
  tell(n, next);
  EXPECT_EQ(handled(n), 5);
  EXPECT_EQ(ids_of(sink_->frames()), (ids{0, 5}));
}

/// Makes the log unreadable by renaming its table behind the store's back
/// (a database that fails reads, then recovers), on a plain connection.
class raw_sqlite {
public:
  explicit raw_sqlite(const std::filesystem::path& file) {
    if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK)
      ADD_FAILURE() << "open " << file << ": " << sqlite3_errmsg(db_);
    sqlite3_busy_timeout(db_, 5000);
  }
  raw_sqlite(const raw_sqlite&) = delete;
  raw_sqlite& operator=(const raw_sqlite&) = delete;
  ~raw_sqlite() { sqlite3_close(db_); }

  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK)
      ADD_FAILURE() << sql << ": " << (message ? message : "?");
    sqlite3_free(message);
  }

private:
  sqlite3* db_ = nullptr;
};

TEST_F(Notifier, AFailedReadIsRetriedAtTheNextWake) {
  notifier_config cfg;
  cfg.metrics = std::make_shared<server_metrics>();
  auto n = spawn_recorded_notifier(cfg);
  const auto evs = write_boards(3);
  raw_sqlite raw{dir_.path() / "dots.db"};
  raw.exec("ALTER TABLE events RENAME TO events_away");
  caf::anon_send(n, log_wake{});
  // The resume is answered even though the log cannot be read.
  auto r = replay_after(n, 2);
  EXPECT_TRUE(r.frames.empty());
  EXPECT_EQ(r.last_id, 2);
  EXPECT_TRUE(sink_->frames().empty());
  EXPECT_GE(cfg.metrics->log_read_failures.load(), 1u);
  raw.exec("ALTER TABLE events_away RENAME TO events");
  caf::anon_send(n, log_wake{});
  published(3);
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
}

// -- restarts and sinks -------------------------------------------------------

TEST_F(Notifier, IdsContinueFromTheLogAfterARestart) {
  const auto before = write_boards(3);
  // What the server loads at start: the retained events and the newest id.
  auto slice = db_->events_after(0, 1000);
  ASSERT_TRUE(slice);
  auto n = spawn_recorded_notifier({}, slice.value().events,
                                   slice.value().latest_id);
  tell(n, before[2]); // published by the previous run
  const auto next = write_board("after restart");
  tell(n, next);
  EXPECT_EQ(handled(n), 4);
  caught_up(n);
  expect_frames_of(sink_->frames(), {next});
  auto r = replay_after(n, 0);
  ASSERT_EQ(r.frames.size(), 4u);
  expect_frames_of({r.frames.begin(), r.frames.begin() + 3}, before);
  EXPECT_EQ(r.last_id, 4);
}

TEST_F(Notifier, EverySinkGetsTheSameEncodedFrame) {
  auto other = std::make_shared<test::recording_sink>();
  auto n = track(spawn_notifier(sys_, {sink_, other}, spawn_log(), {}, 0, {}));
  tell(n, write_board("shared"));
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

// -- replay -------------------------------------------------------------------

TEST_F(Notifier, ReplayAfterAnIdInTheWindow) {
  auto n = spawn_recorded_notifier();
  const auto evs = write_boards(5);
  for (auto& ev : evs)
    tell(n, ev);
  auto r = replay_after(n, 2);
  expect_frames_of(r.frames, {evs.begin() + 2, evs.end()});
  EXPECT_EQ(r.last_id, 5);
  // The very frames the live streams got: encoded once.
  auto live = sink_->frames();
  ASSERT_EQ(live.size(), 5u);
  for (std::size_t i = 0; i < r.frames.size(); ++i)
    EXPECT_EQ(r.frames[i].get(), live[i + 2].get());
  // Up to date: nothing to send, and the resume point stays.
  auto none = replay_after(n, 5);
  EXPECT_TRUE(none.frames.empty());
  EXPECT_EQ(none.last_id, 5);
  // From the start of the log: everything, and no reset (nothing was lost).
  auto all = replay_after(n, 0);
  expect_frames_of(all.frames, evs);
}

TEST_F(Notifier, ReplayOlderThanTheWindowStartsWithReset) {
  notifier_config cfg;
  cfg.retention = 3;
  auto n = spawn_recorded_notifier(cfg);
  const auto evs = write_boards(6);
  for (auto& ev : evs)
    tell(n, ev);
  for (std::int64_t after : {0, 2}) {
    SCOPED_TRACE(after);
    auto r = replay_after(n, after);
    ASSERT_EQ(r.frames.size(), 4u);
    const auto& reset = *r.frames[0];
    EXPECT_EQ(reset.bytes, reset_bytes(4));
    EXPECT_EQ(reset.bytes.find("id:"), std::string::npos);
    EXPECT_EQ(reset.id, 0);
    EXPECT_FALSE(reset.type);
    expect_frames_of({r.frames.begin() + 1, r.frames.end()},
                     {evs.begin() + 3, evs.end()});
    EXPECT_EQ(r.last_id, 6);
  }
}

TEST_F(Notifier, AReplayComesInPagesBoundedByFramesAndBytes) {
  notifier_config cfg;
  cfg.metrics = std::make_shared<server_metrics>();
  auto n = spawn_recorded_notifier(cfg);
  const auto evs = write_boards(7);
  for (auto& ev : evs)
    tell(n, ev);
  published(7);
  // Three frames a page: 1-3, 4-6, then 7 and nothing more.
  std::vector<ids> pages;
  std::int64_t at = 0;
  for (bool more = true, continued = false; more; continued = true) {
    auto r = call<replay_frames>(n, replay{at, 3, 1 << 20, continued});
    ASSERT_TRUE(r);
    pages.push_back(ids_of(r->frames));
    at = r->last_id;
    more = r->more;
    ASSERT_LE(pages.size(), 3u);
  }
  EXPECT_EQ(pages, (std::vector<ids>{{1, 2, 3}, {4, 5, 6}, {7}}));
  EXPECT_EQ(at, 7);
  EXPECT_EQ(cfg.metrics->replays_served.load(), 1u)
      << "one resume, however many pages";
  // A byte bound below one frame still gives one frame a page, so a
  // replay always moves on.
  auto one = call<replay_frames>(n, replay{0, 100, 1, false});
  ASSERT_TRUE(one);
  EXPECT_EQ(ids_of(one->frames), (ids{1}));
  EXPECT_TRUE(one->more);
  // Two frames' worth of bytes: two frames.
  const auto size = sink_->frames()[0]->bytes.size();
  auto two = call<replay_frames>(n, replay{4, 100, 2 * size + 1, false});
  ASSERT_TRUE(two);
  EXPECT_EQ(ids_of(two->frames), (ids{5, 6}));
  EXPECT_EQ(two->last_id, 6);
  EXPECT_TRUE(two->more);
}

TEST_F(Notifier, APagedReplayOlderThanTheWindowStartsWithOneReset) {
  notifier_config cfg;
  cfg.retention = 4;
  auto n = spawn_recorded_notifier(cfg);
  const auto evs = write_boards(8);
  for (auto& ev : evs)
    tell(n, ev);
  published(8);
  auto first = call<replay_frames>(n, replay{1, 3, 1 << 20, false});
  ASSERT_TRUE(first);
  ASSERT_EQ(first->frames.size(), 4u) << "the reset and three frames";
  EXPECT_EQ(first->frames[0]->bytes, reset_bytes(5));
  EXPECT_EQ(ids_of({first->frames.begin() + 1, first->frames.end()}),
            (ids{5, 6, 7}));
  EXPECT_EQ(first->last_id, 7);
  EXPECT_TRUE(first->more);
  auto rest = call<replay_frames>(n, replay{7, 3, 1 << 20, true});
  ASSERT_TRUE(rest);
  EXPECT_EQ(ids_of(rest->frames), (ids{8}));
  EXPECT_FALSE(rest->more);
}

TEST_F(Notifier, FreshStreamGetsOnlyTheNewestId) {
  auto n = spawn_recorded_notifier();
  auto empty = replay_after(n, -1);
  EXPECT_TRUE(empty.frames.empty());
  EXPECT_EQ(empty.last_id, 0);
  for (auto& ev : write_boards(3))
    tell(n, ev);
  auto r = replay_after(n, -1);
  EXPECT_TRUE(r.frames.empty());
  EXPECT_EQ(r.last_id, 3);
}

TEST_F(Notifier, ReplayAboveTheCursorButInTheLogIsServedWithoutReset) {
  // The client was on another instance that already published 1..4; this
  // one started before they were written and was never told of them.
  auto n = spawn_recorded_notifier();
  const auto evs = write_boards(4);
  auto r = replay_after(n, 2);
  expect_frames_of(r.frames, {evs.begin() + 2, evs.end()});
  EXPECT_EQ(r.last_id, 4);
  // Reading the log for the resume published them to the live streams.
  caught_up(n);
  expect_frames_of(sink_->frames(), evs);
  // Right at the log's end: nothing to send, no reset.
  auto at_end = replay_after(n, 4);
  EXPECT_TRUE(at_end.frames.empty());
  EXPECT_EQ(at_end.last_id, 4);
}

TEST_F(Notifier, ReplayAboveAnythingInTheLogIsReset) {
  auto n = spawn_recorded_notifier();
  const auto evs = write_boards(2);
  for (auto& ev : evs)
    tell(n, ev);
  // An id this log never reached (the database was replaced): the client
  // is told to reload, gets what is retained, and goes on from the real
  // newest id.
  auto r = replay_after(n, 12);
  ASSERT_EQ(r.frames.size(), 3u);
  EXPECT_EQ(r.frames[0]->bytes, reset_bytes(1));
  expect_frames_of({r.frames.begin() + 1, r.frames.end()}, evs);
  EXPECT_EQ(r.last_id, 2);
}

TEST_F(Notifier, ReplayAboveAnEmptyLogIsReset) {
  auto n = spawn_recorded_notifier();
  auto r = replay_after(n, 12);
  ASSERT_EQ(r.frames.size(), 1u);
  EXPECT_EQ(r.frames[0]->bytes, reset_bytes(1));
  EXPECT_EQ(r.last_id, 0);
}

TEST_F(Notifier, ReplayTrustsTheClientWhenTheLogCannotBeRead) {
  // The event-log actor is gone: every read fails at once.
  auto log = spawn_log();
  {
    caf::scoped_actor self{sys_};
    self->monitor(log);
    caf::anon_send_exit(log, caf::exit_reason::kill);
    bool down = false;
    self->receive([&](caf::down_msg&) { down = true; },
                  caf::after(test::wait_limit) >> [] {});
    ASSERT_TRUE(down);
  }
  notifier_config cfg;
  cfg.metrics = std::make_shared<server_metrics>();
  auto n = track(spawn_notifier(sys_, {sink_}, log, {}, 0, cfg));
  // Ahead of this instance, and it cannot check: no reset (which would make
  // the client reload for nothing), no frames, and the client's id stands.
  auto r = replay_after(n, 7);
  EXPECT_TRUE(r.frames.empty());
  EXPECT_EQ(r.last_id, 7);
  EXPECT_GE(cfg.metrics->log_read_failures.load(), 1u);
  EXPECT_TRUE(sink_->frames().empty());
}

TEST_F(Notifier, RingKeepsTheRetentionWindowById) {
  notifier_config cfg;
  cfg.retention = 3;
  auto n = spawn_recorded_notifier(cfg);
  const auto evs = write_boards(5);
  for (auto& ev : evs)
    tell(n, ev);
  // Window: ids above 5 - 3 = 2. Resuming after 2 loses nothing.
  auto in = replay_after(n, 2);
  expect_frames_of(in.frames, {evs.begin() + 2, evs.end()});
  EXPECT_EQ(in.last_id, 5);
  // After 1: event 2 is gone, so the client must reload.
  auto out = replay_after(n, 1);
  ASSERT_EQ(out.frames.size(), 4u);
  EXPECT_EQ(out.frames[0]->bytes, reset_bytes(3));
  expect_frames_of({out.frames.begin() + 1, out.frames.end()},
                   {evs.begin() + 2, evs.end()});
  // The sinks had every one of them live.
  expect_frames_of(sink_->frames(), evs);
}

TEST_F(Notifier, RetainedEventsAtStartAreCutToTheWindow) {
  const auto evs = write_boards(5);
  auto slice = db_->events_after(0, 1000);
  ASSERT_TRUE(slice);
  notifier_config cfg;
  cfg.retention = 2;
  auto n = spawn_recorded_notifier(cfg, slice.value().events,
                                   slice.value().latest_id);
  auto r = replay_after(n, 3);
  expect_frames_of(r.frames, {evs.begin() + 3, evs.end()});
  auto old = replay_after(n, 2);
  ASSERT_EQ(old.frames.size(), 3u);
  EXPECT_EQ(old.frames[0]->bytes, reset_bytes(4));
}

// -- keep-alives and counters -------------------------------------------------

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
  for (auto& ev : write_boards(2))
    tell(n, ev);
  caf::anon_send(n, keepalive_tick{});
  replay_after(n, 0);
  replay_after(n, -1); // a fresh stream's: not a resume
  EXPECT_EQ(cfg.metrics->events_published.load(), 2u);
  EXPECT_EQ(cfg.metrics->replays_served.load(), 1u);
  EXPECT_EQ(cfg.metrics->events_read_from_log.load(), 0u);
  EXPECT_EQ(cfg.metrics->cursor.load(), 2);
}

} // namespace
} // namespace dots::actors
