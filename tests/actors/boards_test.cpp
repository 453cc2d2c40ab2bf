#include "actors/actor_fixture.hpp"
#include "domain/sse.hpp"

#include <gtest/gtest.h>

namespace dots::actors {
namespace {

using domain::error_kind;
using domain::event_type;
using test::read_event;

constexpr const char* t0 = "2026-11-26T12:00:00Z";

domain::board_draft draft(std::string name) {
  return domain::board_draft{std::move(name),
                             5,
                             5,
                             {
                                 {0, 0, "#ff0000"},
                                 {0, 4, "#ff0000"},
                                 {4, 0, "#00ff00"},
                                 {4, 4, "#00ff00"},
                             }};
}

class BoardsActor : public test::actor_test {
protected:
  void SetUp() override {
    db_ = open_store();
    ASSERT_TRUE(db_);
    alice_ = add_user("alice");
    bob_ = add_user("bob");
    notifier_ = spawn_recorded_notifier();
    auto store = open_store();
    ASSERT_TRUE(store);
    boards_ = track(spawn_boards(sys_, std::move(store), notifier_, {}));
  }

  domain::user add_user(const std::string& name) {
    auto u = db_->create_user(name, "not-a-real-hash", t0);
    EXPECT_TRUE(u) << u.error().message;
    return u ? u.value() : domain::user{};
  }

  domain::board create(const domain::user& who, std::string name) {
    auto r = call<domain::result<domain::board>>(
        boards_, create_board{who, draft(std::move(name))});
    if (!r || !*r) {
      ADD_FAILURE() << "create failed: " << (r ? r->error().message : "");
      return {};
    }
    return r->value();
  }

  /// The ids of the event log, as committed.
  std::vector<std::int64_t> logged_ids() {
    std::vector<std::int64_t> ids;
    auto s = db_->events_after(0, 1000);
    EXPECT_TRUE(s) << s.error().message;
    if (s)
      for (auto& e : s.value().events)
        ids.push_back(e.id);
    return ids;
  }

  std::shared_ptr<storage::store> db_;
  domain::user alice_;
  domain::user bob_;
  notifier_actor notifier_;
  boards_actor boards_;
};

TEST_F(BoardsActor, CreateUpdateDeleteNotifyInOrder) {
  auto b = create(alice_, "Plansza testowa");
  ASSERT_GT(b.id, 0);
  EXPECT_EQ(b.creator_username, "alice");

  auto changed = draft("Nowa nazwa");
  changed.rows = 6;
  auto u = call<domain::result<domain::board>>(
      boards_, update_board{alice_, b.id, changed});
  ASSERT_TRUE(u && *u) << (u ? u->error().message : "no reply");
  EXPECT_EQ((*u).value().name, "Nowa nazwa");
  EXPECT_EQ((*u).value().rows, 6);

  auto d = call<domain::result<void>>(boards_, delete_board{alice_, b.id});
  ASSERT_TRUE(d && *d) << (d ? d->error().message : "no reply");

  auto frames = sink_->wait_for(3);
  ASSERT_EQ(frames.size(), 3u);
  const std::vector<std::pair<event_type, std::string>> expected{
      {event_type::new_board, "Plansza testowa"},
      {event_type::board_updated, "Nowa nazwa"},
      {event_type::board_deleted, "Nowa nazwa"},
  };
  for (std::size_t i = 0; i < frames.size(); ++i) {
    SCOPED_TRACE(i);
    const auto& f = *frames[i];
    EXPECT_EQ(f.type, expected[i].first);
    EXPECT_EQ(f.board_id, b.id);
    auto ev = read_event(f);
    EXPECT_EQ(ev.id, std::to_string(f.id));
    EXPECT_EQ(ev.event, domain::event_name(expected[i].first));
    EXPECT_EQ(ev.data.at("board_id").to_number<std::int64_t>(), b.id);
    EXPECT_EQ(ev.data.at("board_name").as_string(), expected[i].second);
    EXPECT_EQ(ev.data.at("creator_username").as_string(), "alice");
    EXPECT_EQ(ev.data.size(), 3u);
    if (i > 0) {
      EXPECT_GT(f.id, frames[i - 1]->id);
    }
  }
  // The ids are those of the committed event log.
  EXPECT_EQ(logged_ids(), (std::vector<std::int64_t>{
                              frames[0]->id, frames[1]->id, frames[2]->id}));
  auto gone = call<domain::result<domain::board>>(boards_, get_board{b.id});
  ASSERT_TRUE(gone);
  ASSERT_FALSE(*gone);
  EXPECT_EQ(gone->error().kind, error_kind::not_found);
}

TEST_F(BoardsActor, UpdateByNonCreatorIsForbiddenAndSilent) {
  auto b = create(alice_, "Alice's");
  auto u = call<domain::result<domain::board>>(
      boards_, update_board{bob_, b.id, draft("Bob was here")});
  ASSERT_TRUE(u);
  ASSERT_FALSE(*u);
  EXPECT_EQ(u->error().kind, error_kind::forbidden);
  EXPECT_EQ(u->error().code, "not_creator");

  auto d = call<domain::result<void>>(boards_, delete_board{bob_, b.id});
  ASSERT_TRUE(d);
  ASSERT_FALSE(*d);
  EXPECT_EQ(d->error().kind, error_kind::forbidden);

  // Nothing changed: the board is as Alice left it, and the next event
  // follows hers directly.
  auto still = call<domain::result<domain::board>>(boards_, get_board{b.id});
  ASSERT_TRUE(still && *still);
  EXPECT_EQ((*still).value().name, "Alice's");
  auto other = create(bob_, "Bob's own");
  auto frames = sink_->wait_for(2);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0]->board_id, b.id);
  EXPECT_EQ(frames[1]->board_id, other.id);
  EXPECT_EQ(frames[1]->type, event_type::new_board);
  EXPECT_EQ(frames[1]->id, frames[0]->id + 1);
  EXPECT_EQ(logged_ids().size(), 2u);
}

TEST_F(BoardsActor, MissingBoardIsNotFound) {
  auto u = call<domain::result<domain::board>>(
      boards_, update_board{alice_, 999, draft("x")});
  ASSERT_TRUE(u);
  ASSERT_FALSE(*u);
  EXPECT_EQ(u->error().kind, error_kind::not_found);
  auto d = call<domain::result<void>>(boards_, delete_board{alice_, 999});
  ASSERT_TRUE(d);
  ASSERT_FALSE(*d);
  EXPECT_EQ(d->error().kind, error_kind::not_found);
  EXPECT_TRUE(logged_ids().empty());
}

TEST_F(BoardsActor, ListAndGet) {
  auto a = create(alice_, "first");
  auto b = create(bob_, "second");
  auto page =
      call<domain::result<domain::board_page>>(boards_, list_boards{0, 50, 0});
  ASSERT_TRUE(page && *page);
  ASSERT_EQ((*page).value().boards.size(), 2u);
  // Newest first.
  EXPECT_EQ((*page).value().boards[0].id, b.id);
  EXPECT_EQ((*page).value().boards[1].id, a.id);
  auto mine = call<domain::result<domain::board_page>>(
      boards_, list_boards{alice_.id, 50, 0});
  ASSERT_TRUE(mine && *mine);
  ASSERT_EQ((*mine).value().boards.size(), 1u);
  EXPECT_EQ((*mine).value().boards[0].id, a.id);
  auto got = call<domain::result<domain::board>>(boards_, get_board{a.id});
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(got->value(), a);
}

} // namespace
} // namespace dots::actors
