#include "storage/sqlite_store.hpp"
#include "storage/storage_fixture.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>
#include <set>
#include <thread>
#include <vector>

namespace dots::storage {
namespace {

using domain::error_kind;
using domain::event_type;
using test::raw_db;
using test::sample_draft;

constexpr const char* t0 = "2026-11-26T12:00:00Z";
constexpr const char* t1 = "2026-11-26T12:05:00Z";
constexpr const char* t2 = "2026-11-26T13:00:00Z";

boost::json::value json(std::string_view text) {
  return boost::json::parse(text);
}

std::vector<domain::segment> red_start() {
  return {{"#ff0000", {{0, 0}, {0, 1}, {1, 1}}}};
}

class SqliteStore : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(reopen()); }

  /// Opens (again) the file; false on failure, with the reason reported.
  bool reopen() {
    db_.reset();
    auto s = open_sqlite_store(file());
    if (!s) {
      ADD_FAILURE() << s.err().code << ": " << s.err().message;
      return false;
    }
    db_ = std::move(s).value();
    return true;
  }

  // A subfolder that does not exist yet: opening must create it.
  std::filesystem::path file() const {
    return dir_.path() / "data" / "dots.db";
  }

  domain::user add_user(const std::string& name) {
    auto u = db_->create_user(name, "hash-of-" + name, t0);
    EXPECT_TRUE(u) << u.err().message;
    return u ? *u : domain::user{};
  }

  domain::board add_board(std::int64_t creator, const std::string& name) {
    auto c = db_->create_board(creator, sample_draft(name), t0);
    EXPECT_TRUE(c) << c.err().message;
    return c ? c->value : domain::board{};
  }

  std::vector<domain::event> all_events() {
    auto s = db_->events_after(0, 1000);
    EXPECT_TRUE(s) << s.err().message;
    return s ? s->events : std::vector<domain::event>{};
  }

  test::temp_dir dir_;
  std::unique_ptr<store> db_;
};

// -- accounts -----------------------------------------------------------------

TEST_F(SqliteStore, CreatesFolderAndUsesWal) {
  EXPECT_TRUE(std::filesystem::exists(file()));
  raw_db raw(file());
  EXPECT_EQ(raw.text_value("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStore, CreatesUserAndFindsAccountCaseInsensitively) {
  auto u = db_->create_user("Alice_1", "argon-hash", t0);
  ASSERT_TRUE(u) << u.err().message;
  EXPECT_GT(u->id, 0);
  EXPECT_EQ(u->username, "Alice_1");

  for (const char* spelling : {"Alice_1", "alice_1", "ALICE_1"}) {
    auto a = db_->find_account(spelling);
    ASSERT_TRUE(a) << a.err().message;
    ASSERT_TRUE(a->has_value()) << spelling;
    EXPECT_EQ((*a)->user, *u);
    EXPECT_EQ((*a)->password_hash, "argon-hash");
  }
  auto none = db_->find_account("bob");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST_F(SqliteStore, DuplicateUsernameInAnyCaseIsConflict) {
  add_user("Alice");
  auto dup = db_->create_user("aLiCe", "other", t1);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.err().kind, error_kind::conflict);
  EXPECT_EQ(dup.err().code, "username_taken");
  EXPECT_EQ(dup.err().field, "username");
  raw_db raw(file());
  EXPECT_EQ(raw.count("users"), 1);
  // The original spelling is what stays.
  EXPECT_EQ(db_->find_account("ALICE")->value().user.username, "Alice");
}

TEST_F(SqliteStore, UserDataIsBoundNotInterpolated) {
  const std::string name = "o'neil\"; DROP TABLE users; --";
  auto u = db_->create_user(name, "h'ash", t0);
  ASSERT_TRUE(u) << u.err().message;
  auto a = db_->find_account(name);
  ASSERT_TRUE(a && a->has_value());
  EXPECT_EQ((*a)->user.username, name);
  EXPECT_EQ((*a)->password_hash, "h'ash");
}

TEST_F(SqliteStore, TokenWorksUntilItExpires) {
  auto u = add_user("alice");
  ASSERT_TRUE(db_->create_token(u.id, "tokhash", t0, t2));

  auto before = db_->find_token_user("tokhash", t1);
  ASSERT_TRUE(before) << before.err().message;
  ASSERT_TRUE(before->has_value());
  EXPECT_EQ(**before, u);

  auto at_expiry = db_->find_token_user("tokhash", t2);
  ASSERT_TRUE(at_expiry);
  EXPECT_FALSE(at_expiry->has_value());

  auto unknown = db_->find_token_user("other", t1);
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->has_value());
}

TEST_F(SqliteStore, DeleteTokenStopsItAndReportsWhetherItExisted) {
  auto u = add_user("alice");
  ASSERT_TRUE(db_->create_token(u.id, "tokhash", t0, t2));
  auto first = db_->delete_token("tokhash");
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  auto found = db_->find_token_user("tokhash", t1);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
  auto second = db_->delete_token("tokhash");
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
}

TEST_F(SqliteStore, NewTokenPurgesExpiredOnes) {
  auto u = add_user("alice");
  ASSERT_TRUE(db_->create_token(u.id, "old", t0, t1));
  ASSERT_TRUE(db_->create_token(u.id, "new", t2, "2026-12-26T13:00:00Z"));
  raw_db raw(file());
  EXPECT_EQ(raw.count("tokens"), 1);
  EXPECT_EQ(raw.text_value("SELECT token_hash FROM tokens"), "new");
}

TEST_F(SqliteStore, TokenForUnknownUserIsNotFound) {
  auto r = db_->create_token(42, "tokhash", t0, t2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::not_found);
  EXPECT_EQ(r.err().code, "not_found");
}

// -- boards -------------------------------------------------------------------

TEST_F(SqliteStore, CreateBoardStoresItAndWritesNewBoardEvent) {
  auto u = add_user("autorX");
  auto c = db_->create_board(u.id, sample_draft("Nowa Plansza"), t0);
  ASSERT_TRUE(c) << c.err().message;
  const auto& b = c->value;
  EXPECT_GT(b.id, 0);
  EXPECT_EQ(b.name, "Nowa Plansza");
  EXPECT_EQ(b.rows, 5);
  EXPECT_EQ(b.cols, 5);
  EXPECT_EQ(b.dots, sample_draft().dots);
  EXPECT_EQ(b.creator_id, u.id);
  EXPECT_EQ(b.creator_username, "autorX");
  EXPECT_EQ(b.created_at, t0);
  EXPECT_EQ(b.updated_at, t0);

  auto got = db_->get_board(b.id);
  ASSERT_TRUE(got) << got.err().message;
  EXPECT_EQ(*got, b);

  const auto& ev = c->event;
  EXPECT_GT(ev.id, 0);
  EXPECT_EQ(ev.type, event_type::new_board);
  EXPECT_EQ(ev.board_id, b.id);
  EXPECT_EQ(json(ev.data), json(R"({"board_id": )" + std::to_string(b.id) +
                                R"(, "board_name": "Nowa Plansza",
                                       "creator_username": "autorX"})"));
  // Exactly one row, and it is what was returned.
  raw_db raw(file());
  EXPECT_EQ(raw.count("events"), 1);
  EXPECT_EQ(raw.int_value("SELECT id FROM events"), ev.id);
  EXPECT_EQ(raw.text_value("SELECT type FROM events"), "newBoard");
  EXPECT_EQ(raw.text_value("SELECT data FROM events"), ev.data);
  EXPECT_EQ(raw.text_value("SELECT created_at FROM events"), t0);
  EXPECT_EQ(all_events(), std::vector<domain::event>{ev});
}

TEST_F(SqliteStore, MissingBoardIsNotFound) {
  auto r = db_->get_board(12345);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::not_found);
  EXPECT_EQ(r.err().code, "not_found");
}

TEST_F(SqliteStore, BoardOfUnknownCreatorFailsWithoutRowOrEvent) {
  auto r = db_->create_board(999, sample_draft(), t0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::not_found);
  raw_db raw(file());
  EXPECT_EQ(raw.count("boards"), 0);
  EXPECT_EQ(raw.count("events"), 0);
}

TEST_F(SqliteStore, UpdateBoardReplacesContentAndWritesBoardUpdated) {
  auto u = add_user("autorX");
  auto b = add_board(u.id, "Stara");
  domain::board_draft draft{
      "Nowa", 3, 4, {{0, 0, "#0000ff"}, {2, 3, "#0000ff"}}};
  auto c = db_->update_board(b.id, draft, t1);
  ASSERT_TRUE(c) << c.err().message;
  EXPECT_EQ(c->value.id, b.id);
  EXPECT_EQ(c->value.name, "Nowa");
  EXPECT_EQ(c->value.rows, 3);
  EXPECT_EQ(c->value.cols, 4);
  EXPECT_EQ(c->value.dots, draft.dots);
  EXPECT_EQ(c->value.created_at, t0);
  EXPECT_EQ(c->value.updated_at, t1);
  EXPECT_EQ(*db_->get_board(b.id), c->value);

  EXPECT_EQ(c->event.type, event_type::board_updated);
  EXPECT_EQ(c->event.board_id, b.id);
  EXPECT_EQ(json(c->event.data),
            json(R"({"board_id": )" + std::to_string(b.id) +
                 R"(, "board_name": "Nowa", "creator_username": "autorX"})"));
  EXPECT_EQ(all_events().size(), 2U);
}

TEST_F(SqliteStore, UpdateMissingBoardIsNotFoundAndWritesNoEvent) {
  auto r = db_->update_board(77, sample_draft(), t1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::not_found);
  EXPECT_TRUE(all_events().empty());
}

TEST_F(SqliteStore, DeleteBoardRemovesItsPathsAndWritesBoardDeleted) {
  auto owner = add_user("autorX");
  auto player = add_user("graczY");
  auto b = add_board(owner.id, "Do usunięcia");
  auto keep = add_board(owner.id, "Zostaje");
  ASSERT_TRUE(db_->save_path(b.id, player.id, red_start(), false, t1));
  ASSERT_TRUE(db_->save_path(b.id, owner.id, red_start(), false, t1));
  ASSERT_TRUE(db_->save_path(keep.id, player.id, red_start(), false, t1));

  auto c = db_->delete_board(b.id);
  ASSERT_TRUE(c) << c.err().message;
  EXPECT_EQ(c->value, b); // the board as it was
  EXPECT_EQ(c->event.type, event_type::board_deleted);
  EXPECT_EQ(c->event.board_id, b.id);
  EXPECT_EQ(json(c->event.data),
            json(R"({"board_id": )" + std::to_string(b.id) +
                 R"(, "board_name": "Do usunięcia",
                       "creator_username": "autorX"})"));

  EXPECT_EQ(db_->get_board(b.id).err().kind, error_kind::not_found);
  EXPECT_EQ(db_->get_path(b.id, player.id).err().kind, error_kind::not_found);
  EXPECT_TRUE(db_->get_path(keep.id, player.id));
  raw_db raw(file());
  EXPECT_EQ(raw.count("paths"), 1);
  // The event outlives its board.
  EXPECT_EQ(raw.int_value("SELECT count(*) FROM events WHERE type = "
                          "'boardDeleted' AND board_id = " +
                          std::to_string(b.id)),
            1);
}

TEST_F(SqliteStore, DeleteMissingBoardIsNotFoundAndWritesNoEvent) {
  auto r = db_->delete_board(5);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::not_found);
  EXPECT_TRUE(all_events().empty());
}

TEST_F(SqliteStore, BoardIdsAreNeverReused) {
  auto u = add_user("autorX");
  auto first = add_board(u.id, "a");
  ASSERT_TRUE(db_->delete_board(first.id));
  auto second = add_board(u.id, "b");
  EXPECT_GT(second.id, first.id);
}

TEST_F(SqliteStore, ListBoardsPagesNewestFirst) {
  auto u = add_user("autorX");
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(add_board(u.id, "b" + std::to_string(i)).id);

  auto page1 = db_->list_boards(0, 2, 0);
  ASSERT_TRUE(page1) << page1.err().message;
  ASSERT_EQ(page1->boards.size(), 2U);
  EXPECT_EQ(page1->boards[0].id, ids[4]);
  EXPECT_EQ(page1->boards[1].id, ids[3]);
  EXPECT_EQ(page1->boards[0].creator_username, "autorX");
  EXPECT_EQ(page1->boards[0].dots, sample_draft().dots);
  EXPECT_EQ(page1->next, ids[3]);

  auto page2 = db_->list_boards(0, 2, page1->next);
  ASSERT_TRUE(page2);
  ASSERT_EQ(page2->boards.size(), 2U);
  EXPECT_EQ(page2->boards[0].id, ids[2]);
  EXPECT_EQ(page2->boards[1].id, ids[1]);
  EXPECT_EQ(page2->next, ids[1]);

  auto page3 = db_->list_boards(0, 2, page2->next);
  ASSERT_TRUE(page3);
  ASSERT_EQ(page3->boards.size(), 1U);
  EXPECT_EQ(page3->boards[0].id, ids[0]);
  EXPECT_EQ(page3->next, 0);

  // Exactly `limit` left: no further page.
  auto exact = db_->list_boards(0, 3, ids[3]);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->boards.size(), 3U);
  EXPECT_EQ(exact->next, 0);

  auto all = db_->list_boards(0, 100, 0);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->boards.size(), 5U);
  EXPECT_EQ(all->next, 0);

  auto none = db_->list_boards(0, 0, 0);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->boards.empty());
}

TEST_F(SqliteStore, ListBoardsFiltersByCreator) {
  auto alice = add_user("alice");
  auto bob = add_user("bob");
  auto a1 = add_board(alice.id, "a1");
  auto b1 = add_board(bob.id, "b1");
  auto a2 = add_board(alice.id, "a2");
  auto b2 = add_board(bob.id, "b2");
  auto a3 = add_board(alice.id, "a3");

  auto mine = db_->list_boards(alice.id, 2, 0);
  ASSERT_TRUE(mine) << mine.err().message;
  ASSERT_EQ(mine->boards.size(), 2U);
  EXPECT_EQ(mine->boards[0].id, a3.id);
  EXPECT_EQ(mine->boards[1].id, a2.id);
  EXPECT_EQ(mine->next, a2.id);

  auto rest = db_->list_boards(alice.id, 2, mine->next);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->boards.size(), 1U);
  EXPECT_EQ(rest->boards[0].id, a1.id);
  EXPECT_EQ(rest->next, 0);

  auto bobs = db_->list_boards(bob.id, 10, 0);
  ASSERT_TRUE(bobs);
  ASSERT_EQ(bobs->boards.size(), 2U);
  EXPECT_EQ(bobs->boards[0].id, b2.id);
  EXPECT_EQ(bobs->boards[1].id, b1.id);

  auto nobody = db_->list_boards(9999, 10, 0);
  ASSERT_TRUE(nobody);
  EXPECT_TRUE(nobody->boards.empty());
  EXPECT_EQ(nobody->next, 0);
}

TEST_F(SqliteStore, CorruptDotsColumnIsInternalError) {
  auto u = add_user("alice");
  auto b = add_board(u.id, "x");
  raw_db raw(file());
  raw.exec("UPDATE boards SET dots = '[{\"row\": \"zero\"}]'");
  auto r = db_->get_board(b.id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::internal);
  EXPECT_EQ(r.err().code, "internal");
}

// -- paths --------------------------------------------------------------------

TEST_F(SqliteStore, FirstSaveCreatesPathLaterSavesUpdateIt) {
  auto owner = add_user("autorX");
  auto player = add_user("graczY");
  auto b = add_board(owner.id, "Plansza");

  auto first = db_->save_path(b.id, player.id, red_start(), false, t0);
  ASSERT_TRUE(first) << first.err().message;
  EXPECT_TRUE(first->created);
  const auto& p = first->path;
  EXPECT_GT(p.id, 0);
  EXPECT_EQ(p.board_id, b.id);
  EXPECT_EQ(p.user_id, player.id);
  EXPECT_EQ(p.user_username, "graczY");
  EXPECT_EQ(p.segments, red_start());
  EXPECT_FALSE(p.complete);
  EXPECT_EQ(p.created_at, t0);
  EXPECT_EQ(p.updated_at, t0);
  EXPECT_EQ(first->event.type, event_type::new_path);
  EXPECT_EQ(first->event.board_id, b.id);
  EXPECT_EQ(json(first->event.data),
            json(R"({"path_id": )" + std::to_string(p.id) +
                 R"(, "board_id": )" + std::to_string(b.id) +
                 R"(, "board_name": "Plansza", "user_username": "graczY"})"));

  auto got = db_->get_path(b.id, player.id);
  ASSERT_TRUE(got) << got.err().message;
  EXPECT_EQ(*got, p);

  std::vector<domain::segment> full{
      {"#ff0000", {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}}},
      {"#00ff00", {{0, 4}, {1, 4}}},
  };
  auto second = db_->save_path(b.id, player.id, full, true, t1);
  ASSERT_TRUE(second) << second.err().message;
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->path.id, p.id);
  EXPECT_EQ(second->path.segments, full);
  EXPECT_TRUE(second->path.complete);
  EXPECT_EQ(second->path.created_at, t0);
  EXPECT_EQ(second->path.updated_at, t1);
  EXPECT_EQ(second->event.type, event_type::path_updated);
  EXPECT_GT(second->event.id, first->event.id);
  EXPECT_EQ(json(second->event.data),
            json(R"({"path_id": )" + std::to_string(p.id) +
                 R"(, "board_id": )" + std::to_string(b.id) +
                 R"(, "board_name": "Plansza", "user_username": "graczY",
                       "complete": true})"));
  EXPECT_EQ(*db_->get_path(b.id, player.id), second->path);

  raw_db raw(file());
  EXPECT_EQ(raw.count("paths"), 1);
  EXPECT_EQ(raw.count("events"), 3); // newBoard, newPath, pathUpdated
}

TEST_F(SqliteStore, PathsArePerUser) {
  auto alice = add_user("alice");
  auto bob = add_user("bob");
  auto b = add_board(alice.id, "x");
  auto a = db_->save_path(b.id, alice.id, red_start(), false, t0);
  ASSERT_TRUE(a);
  auto none = db_->get_path(b.id, bob.id);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.err().kind, error_kind::not_found);
  EXPECT_EQ(none.err().code, "not_found");
  // Bob's first save is a first save, even though Alice has one.
  auto bobs = db_->save_path(b.id, bob.id, red_start(), false, t1);
  ASSERT_TRUE(bobs);
  EXPECT_TRUE(bobs->created);
  EXPECT_NE(bobs->path.id, a->path.id);
}

TEST_F(SqliteStore, SavePathOnMissingBoardIsNotFoundWithoutRowOrEvent) {
  auto u = add_user("alice");
  auto r = db_->save_path(404, u.id, red_start(), false, t0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().kind, error_kind::not_found);
  raw_db raw(file());
  EXPECT_EQ(raw.count("paths"), 0);
  EXPECT_EQ(raw.count("events"), 0);
}

TEST_F(SqliteStore, DeletePathRemovesOnlyThatPathAndWritesNoEvent) {
  auto alice = add_user("alice");
  auto bob = add_user("bob");
  auto b = add_board(alice.id, "x");
  ASSERT_TRUE(db_->save_path(b.id, alice.id, red_start(), false, t0));
  ASSERT_TRUE(db_->save_path(b.id, bob.id, red_start(), false, t0));
  const auto events_before = all_events().size();

  ASSERT_TRUE(db_->delete_path(b.id, alice.id));
  EXPECT_EQ(db_->get_path(b.id, alice.id).err().kind, error_kind::not_found);
  EXPECT_TRUE(db_->get_path(b.id, bob.id));
  EXPECT_EQ(all_events().size(), events_before);

  auto again = db_->delete_path(b.id, alice.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.err().kind, error_kind::not_found);

  // Saving after a delete is a first save again.
  auto resaved = db_->save_path(b.id, alice.id, red_start(), false, t1);
  ASSERT_TRUE(resaved);
  EXPECT_TRUE(resaved->created);
}

// -- event log ----------------------------------------------------------------

TEST_F(SqliteStore, EveryWriteAppendsExactlyOneEventWithIncreasingIds) {
  auto owner = add_user("autorX");
  auto player = add_user("graczY");
  raw_db raw(file());
  std::vector<domain::event> returned;
  // Each write adds one row, with an id above every earlier one.
  auto record = [&](const domain::event& ev) {
    EXPECT_EQ(raw.count("events"),
              static_cast<std::int64_t>(returned.size()) + 1);
    if (!returned.empty()) {
      EXPECT_GT(ev.id, returned.back().id);
    }
    returned.push_back(ev);
  };

  auto b1 = db_->create_board(owner.id, sample_draft("one"), t0);
  ASSERT_TRUE(b1);
  record(b1->event);
  auto b2 = db_->create_board(owner.id, sample_draft("two"), t0);
  ASSERT_TRUE(b2);
  record(b2->event);
  auto up = db_->update_board(b1->value.id, sample_draft("one!"), t1);
  ASSERT_TRUE(up);
  record(up->event);
  auto p1 = db_->save_path(b2->value.id, player.id, red_start(), false, t1);
  ASSERT_TRUE(p1);
  record(p1->event);
  auto p2 = db_->save_path(b2->value.id, player.id, red_start(), true, t2);
  ASSERT_TRUE(p2);
  record(p2->event);
  auto del = db_->delete_board(b2->value.id);
  ASSERT_TRUE(del);
  record(del->event);
  // Reads and non-event writes add nothing.
  ASSERT_TRUE(db_->get_board(b1->value.id));
  ASSERT_TRUE(db_->list_boards(0, 10, 0));
  ASSERT_TRUE(db_->create_token(owner.id, "t", t0, t2));

  EXPECT_EQ(raw.count("events"), 6);
  EXPECT_EQ(all_events(), returned);
  std::vector<event_type> types;
  for (const auto& ev : returned)
    types.push_back(ev.type);
  EXPECT_EQ(types, (std::vector<event_type>{
                       event_type::new_board, event_type::new_board,
                       event_type::board_updated, event_type::new_path,
                       event_type::path_updated, event_type::board_deleted}));
}

TEST_F(SqliteStore, FailureAfterTheChangeRollsBackChangeAndEvent) {
  auto owner = add_user("autorX");
  auto b = add_board(owner.id, "x");
  raw_db raw(file());
  // Make the event insert fail inside the transaction, after the change
  // itself has been written.
  raw.exec("CREATE TRIGGER no_events BEFORE INSERT ON events BEGIN "
           "SELECT RAISE(ABORT, 'event log is read-only'); END");

  auto created = db_->create_board(owner.id, sample_draft("new"), t1);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.err().kind, error_kind::internal);
  EXPECT_EQ(created.err().code, "internal");
  EXPECT_NE(created.err().message.find("event log is read-only"),
            std::string::npos)
      << created.err().message;

  auto updated = db_->update_board(b.id, sample_draft("renamed"), t1);
  ASSERT_FALSE(updated);
  auto saved = db_->save_path(b.id, owner.id, red_start(), false, t1);
  ASSERT_FALSE(saved);
  auto deleted = db_->delete_board(b.id);
  ASSERT_FALSE(deleted);

  EXPECT_EQ(raw.count("boards"), 1);
  EXPECT_EQ(raw.text_value("SELECT name FROM boards"), "x");
  EXPECT_EQ(raw.count("paths"), 0);
  EXPECT_EQ(raw.count("events"), 1); // only the setup's newBoard

  // The connection is still usable once the cause is gone, and the ids go
  // on from the last committed one.
  raw.exec("DROP TRIGGER no_events");
  auto after = db_->create_board(owner.id, sample_draft("after"), t2);
  ASSERT_TRUE(after) << after.err().message;
  EXPECT_EQ(after->event.id, all_events().front().id + 1);
}

TEST_F(SqliteStore, EventsAfterReturnsAscendingSlicesAndBounds) {
  auto u = add_user("alice");
  for (int i = 0; i < 5; ++i)
    add_board(u.id, "b" + std::to_string(i));

  auto all = db_->events_after(0, 100);
  ASSERT_TRUE(all) << all.err().message;
  ASSERT_EQ(all->events.size(), 5U);
  EXPECT_EQ(all->oldest_id, all->events.front().id);
  EXPECT_EQ(all->latest_id, all->events.back().id);
  for (std::size_t i = 1; i < all->events.size(); ++i)
    EXPECT_EQ(all->events[i].id, all->events[i - 1].id + 1);

  const auto second = all->events[1].id;
  auto slice = db_->events_after(second, 2);
  ASSERT_TRUE(slice);
  ASSERT_EQ(slice->events.size(), 2U);
  EXPECT_EQ(slice->events[0], all->events[2]);
  EXPECT_EQ(slice->events[1], all->events[3]);
  EXPECT_EQ(slice->oldest_id, all->oldest_id);
  EXPECT_EQ(slice->latest_id, all->latest_id);

  auto past_end = db_->events_after(all->latest_id, 10);
  ASSERT_TRUE(past_end);
  EXPECT_TRUE(past_end->events.empty());
  EXPECT_EQ(past_end->latest_id, all->latest_id);

  // limit 0: just the bounds.
  auto bounds = db_->events_after(0, 0);
  ASSERT_TRUE(bounds);
  EXPECT_TRUE(bounds->events.empty());
  EXPECT_EQ(bounds->oldest_id, all->oldest_id);
  EXPECT_EQ(bounds->latest_id, all->latest_id);
}

TEST_F(SqliteStore, EmptyLogHasZeroBounds) {
  auto s = db_->events_after(0, 10);
  ASSERT_TRUE(s) << s.err().message;
  EXPECT_TRUE(s->events.empty());
  EXPECT_EQ(s->oldest_id, 0);
  EXPECT_EQ(s->latest_id, 0);
}

TEST_F(SqliteStore, TrimKeepsNewestAndNeverLowersLatestId) {
  auto u = add_user("alice");
  for (int i = 0; i < 5; ++i)
    add_board(u.id, "b" + std::to_string(i));
  const auto before = all_events();
  ASSERT_EQ(before.size(), 5U);

  ASSERT_TRUE(db_->trim_events(10)); // fewer than keep: nothing goes
  EXPECT_EQ(all_events().size(), 5U);

  ASSERT_TRUE(db_->trim_events(2));
  auto s = db_->events_after(0, 100);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->events.size(), 2U);
  EXPECT_EQ(s->events[0], before[3]);
  EXPECT_EQ(s->events[1], before[4]);
  EXPECT_EQ(s->oldest_id, before[3].id);
  EXPECT_EQ(s->latest_id, before[4].id);

  ASSERT_TRUE(db_->trim_events(0));
  auto empty = db_->events_after(0, 100);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->events.empty());
  EXPECT_EQ(empty->oldest_id, 0);
  EXPECT_EQ(empty->latest_id, before[4].id);

  // Even after trimming everything (and reopening), ids keep increasing.
  ASSERT_TRUE(reopen());
  auto next = db_->create_board(u.id, sample_draft("next"), t1);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->event.id, before[4].id + 1);

  EXPECT_FALSE(db_->trim_events(-1));
}

// -- files and connections ----------------------------------------------------

TEST_F(SqliteStore, DataSurvivesCloseAndReopen) {
  auto u = add_user("Alice");
  ASSERT_TRUE(db_->create_token(u.id, "tok", t0, t2));
  auto b = add_board(u.id, "Trwała");
  auto p = db_->save_path(b.id, u.id, red_start(), false, t1);
  ASSERT_TRUE(p);
  const auto events = all_events();

  ASSERT_TRUE(reopen());
  EXPECT_EQ(db_->find_account("alice")->value().user, u);
  EXPECT_EQ(db_->find_token_user("tok", t1)->value(), u);
  EXPECT_EQ(*db_->get_board(b.id), b);
  EXPECT_EQ(*db_->get_path(b.id, u.id), p->path);
  EXPECT_EQ(all_events(), events);
  // Closing checkpointed and removed the write-ahead log.
  db_.reset();
  EXPECT_FALSE(std::filesystem::exists(file().string() + "-wal"));
}

TEST_F(SqliteStore, TwoConnectionsShareOneFile) {
  auto second = open_sqlite_store(file());
  ASSERT_TRUE(second) << second.err().message;
  auto& other = **second;

  auto u = add_user("alice");
  auto dup = other.create_user("ALICE", "x", t0);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.err().code, "username_taken");

  auto b = other.create_board(u.id, sample_draft("from B"), t0);
  ASSERT_TRUE(b) << b.err().message;
  EXPECT_EQ(*db_->get_board(b->value.id), b->value);
  auto c = db_->create_board(u.id, sample_draft("from A"), t0);
  ASSERT_TRUE(c);
  EXPECT_GT(c->event.id, b->event.id);

  auto seen_by_b = other.events_after(0, 10);
  ASSERT_TRUE(seen_by_b);
  EXPECT_EQ(seen_by_b->events,
            (std::vector<domain::event>{b->event, c->event}));
}

TEST_F(SqliteStore, ConcurrentWritersOnTwoConnectionsGetDistinctOrderedIds) {
  auto u = add_user("alice");
  constexpr int per_thread = 40;
  std::vector<std::vector<domain::event>> seen(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      // Each thread owns its connection, as each persistence actor does.
      auto s = open_sqlite_store(file());
      ASSERT_TRUE(s) << s.err().message;
      for (int i = 0; i < per_thread; ++i) {
        auto c = (*s)->create_board(u.id, sample_draft("t"), t0);
        ASSERT_TRUE(c) << c.err().message;
        seen[t].push_back(c->event);
      }
    });
  for (auto& th : threads)
    th.join();

  std::set<std::int64_t> ids;
  for (const auto& list : seen) {
    ASSERT_EQ(list.size(), static_cast<std::size_t>(per_thread));
    for (std::size_t i = 1; i < list.size(); ++i)
      EXPECT_GT(list[i].id, list[i - 1].id);
    for (const auto& ev : list)
      ids.insert(ev.id);
  }
  EXPECT_EQ(ids.size(), 2U * per_thread);
  auto log = all_events();
  ASSERT_EQ(log.size(), 2U * per_thread);
  EXPECT_EQ(log.front().id, *ids.begin());
  EXPECT_EQ(log.back().id, *ids.rbegin());
}

} // namespace
} // namespace dots::storage
