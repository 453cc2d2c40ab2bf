#include "actors/actor_fixture.hpp"

#include <gtest/gtest.h>

namespace dots::actors {
namespace {

using domain::cell;
using domain::error_kind;
using domain::event_type;
using domain::segment;
using test::read_event;

constexpr const char* t0 = "2026-11-26T12:00:00Z";

/// Red joins the top corners, green the bottom ones.
domain::board_draft two_rows() {
  return domain::board_draft{"Dwa rzędy",
                             3,
                             4,
                             {
                                 {0, 0, "#ff0000"},
                                 {0, 3, "#ff0000"},
                                 {2, 0, "#00ff00"},
                                 {2, 3, "#00ff00"},
                             }};
}

std::vector<segment> red_started() {
  return {{"#ff0000", {{0, 0}, {0, 1}}}};
}

std::vector<segment> solved() {
  return {{"#ff0000", {{0, 0}, {0, 1}, {0, 2}, {0, 3}}},
          {"#00ff00", {{2, 0}, {2, 1}, {2, 2}, {2, 3}}}};
}

class PathsActor : public test::actor_test {
protected:
  void SetUp() override {
    db_ = open_store();
    ASSERT_TRUE(db_);
    auto a = db_->create_user("alice", "not-a-real-hash", t0);
    auto b = db_->create_user("bob", "not-a-real-hash", t0);
    ASSERT_TRUE(a && b);
    alice_ = a.value();
    bob_ = b.value();
    notifier_ = spawn_recorded_notifier();
    auto boards_store = open_store();
    auto paths_store = open_store();
    ASSERT_TRUE(boards_store && paths_store);
    boards_ = track(spawn_boards(sys_, std::move(boards_store), notifier_, {}));
    paths_ = track(spawn_paths(sys_, std::move(paths_store), notifier_, {}));
    auto created = call<domain::result<domain::board>>(
        boards_, create_board{alice_, two_rows()});
    ASSERT_TRUE(created && *created);
    board_ = created->value();
    // The board's own event.
    ASSERT_EQ(sink_->wait_for(1).size(), 1u);
  }

  std::optional<domain::result<path_saved>> save(const domain::user& who,
                                                 std::vector<segment> segs,
                                                 std::int64_t board_id = 0) {
    return call<domain::result<path_saved>>(
        paths_,
        save_path{who, board_id ? board_id : board_.id, std::move(segs)});
  }

  std::shared_ptr<storage::store> db_;
  domain::user alice_;
  domain::user bob_;
  notifier_actor notifier_;
  boards_actor boards_;
  paths_actor paths_;
  domain::board board_;
};

TEST_F(PathsActor, FirstSaveCreatesLaterSavesUpdate) {
  auto first = save(bob_, red_started());
  ASSERT_TRUE(first && *first) << (first ? first->error().message : "no reply");
  EXPECT_TRUE((*first).value().created);
  EXPECT_FALSE((*first).value().path.complete);
  EXPECT_EQ((*first).value().path.user_username, "bob");
  EXPECT_EQ((*first).value().path.board_id, board_.id);

  auto second = save(bob_, solved());
  ASSERT_TRUE(second && *second) << (second ? second->error().message : "");
  EXPECT_FALSE((*second).value().created);
  EXPECT_TRUE((*second).value().path.complete);
  EXPECT_EQ((*second).value().path.id, (*first).value().path.id);

  auto frames = sink_->wait_for(3);
  ASSERT_EQ(frames.size(), 3u);
  const auto& created = *frames[1];
  EXPECT_EQ(created.type, event_type::new_path);
  EXPECT_EQ(created.board_id, board_.id);
  EXPECT_EQ(created.id, frames[0]->id + 1);
  auto c = read_event(created);
  EXPECT_EQ(c.event, "newPath");
  EXPECT_EQ(c.id, std::to_string(created.id));
  EXPECT_EQ(c.data.at("path_id").to_number<std::int64_t>(),
            (*first).value().path.id);
  EXPECT_EQ(c.data.at("board_id").to_number<std::int64_t>(), board_.id);
  EXPECT_EQ(c.data.at("board_name").as_string(), "Dwa rzędy");
  EXPECT_EQ(c.data.at("user_username").as_string(), "bob");
  EXPECT_FALSE(c.data.contains("complete"));

  const auto& updated = *frames[2];
  EXPECT_EQ(updated.type, event_type::path_updated);
  EXPECT_EQ(updated.id, created.id + 1);
  auto u = read_event(updated);
  EXPECT_EQ(u.event, "pathUpdated");
  EXPECT_EQ(u.data.at("path_id").to_number<std::int64_t>(),
            (*first).value().path.id);
  EXPECT_EQ(u.data.at("user_username").as_string(), "bob");
  EXPECT_EQ(u.data.at("complete").as_bool(), true);
}

TEST_F(PathsActor, EachUserHasTheirOwnFirstSave) {
  auto bob = save(bob_, red_started());
  auto alice = save(alice_, red_started());
  ASSERT_TRUE(bob && *bob && alice && *alice);
  EXPECT_TRUE((*bob).value().created);
  EXPECT_TRUE((*alice).value().created);
  EXPECT_NE((*bob).value().path.id, (*alice).value().path.id);
  auto frames = sink_->wait_for(3);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[1]->type, event_type::new_path);
  EXPECT_EQ(frames[2]->type, event_type::new_path);
}

TEST_F(PathsActor, InvalidPathIsRefusedWithoutEvent) {
  const std::vector<std::vector<segment>> bad{
      {{"#ff0000", {{0, 0}, {1, 1}}}},         // not neighbours
      {{"#0000ff", {{0, 0}, {0, 1}}}},         // not a colour of the board
      {{"#ff0000", {{0, 0}, {0, 1}, {0, 0}}}}, // a cell twice
      {{"#ff0000", {{0, 0}, {-1, 0}}}},        // off the grid
      {{"#ff0000", {{0, 1}, {0, 2}}}},         // starts off its dots
      {},                                      // nothing
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(i);
    auto r = save(bob_, bad[i]);
    ASSERT_TRUE(r);
    ASSERT_FALSE(*r);
    EXPECT_EQ(r->error().kind, error_kind::invalid);
    EXPECT_EQ(r->error().code, "invalid_path");
  }
  auto none =
      call<domain::result<domain::path>>(paths_, get_path{bob_, board_.id});
  ASSERT_TRUE(none);
  ASSERT_FALSE(*none);
  EXPECT_EQ(none->error().kind, error_kind::not_found);
  // The next good save is the first: newPath, right after the board's event.
  auto good = save(bob_, red_started());
  ASSERT_TRUE(good && *good);
  EXPECT_TRUE((*good).value().created);
  auto frames = sink_->wait_for(2);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1]->type, event_type::new_path);
  EXPECT_EQ(frames[1]->id, frames[0]->id + 1);
}

TEST_F(PathsActor, SaveOnMissingBoardIsNotFound) {
  auto r = save(bob_, red_started(), 999);
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error().kind, error_kind::not_found);
}

TEST_F(PathsActor, GetAndDeleteOwnPath) {
  auto saved = save(bob_, red_started());
  ASSERT_TRUE(saved && *saved);
  auto got =
      call<domain::result<domain::path>>(paths_, get_path{bob_, board_.id});
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(got->value(), (*saved).value().path);
  // Alice cannot see Bob's path: she has none.
  auto hers =
      call<domain::result<domain::path>>(paths_, get_path{alice_, board_.id});
  ASSERT_TRUE(hers);
  EXPECT_FALSE(*hers);
  auto del = call<domain::result<void>>(paths_, delete_path{bob_, board_.id});
  ASSERT_TRUE(del && *del);
  auto after =
      call<domain::result<domain::path>>(paths_, get_path{bob_, board_.id});
  ASSERT_TRUE(after);
  ASSERT_FALSE(*after);
  EXPECT_EQ(after->error().kind, error_kind::not_found);
  // Saving again is a first save again.
  auto again = save(bob_, red_started());
  ASSERT_TRUE(again && *again);
  EXPECT_TRUE((*again).value().created);
}

} // namespace
} // namespace dots::actors
