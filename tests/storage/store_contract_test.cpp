// The storage contract (src/storage/store.hpp), run against every backend:
// each test is instantiated once for SQLite and once for PostgreSQL, opened
// through storage::open_store exactly as the server opens them. Whatever one
// backend does here, the other must do too.

#include "domain/events.hpp"
#include "storage/database.hpp"
#include "storage/storage_fixture.hpp"
#include "support/pg_database.hpp"

#include <atomic>
#include <gtest/gtest.h>
#include <optional>
#include <regex>
#include <set>
#include <thread>
#include <vector>

namespace dots::storage {
namespace {

using domain::error_kind;
using domain::event_type;
using test::red_start;
using test::sample_draft;
using test::t0;
using test::t1;
using test::t2;

std::string backend_name(backend kind) {
  return kind == backend::sqlite ? "sqlite" : "postgres";
}

class StoreContract : public ::testing::TestWithParam<backend> {
protected:
  void SetUp() override {
    if (GetParam() == backend::postgres) {
      pg_ = std::make_unique<dots::test::pg_database>();
      where_ = pg_->url();
    } else {
      // A subfolder that does not exist yet: opening must create it.
      where_ = "sqlite:" + (dir_.path() / "data" / "dots.db").string();
    }
    ASSERT_TRUE(reopen());
  }

  /// A new connection to the test's database; null (with the reason
  /// reported) on failure.
  std::unique_ptr<store> connect() {
    auto where = parse_database_location(where_);
    if (!where) {
      ADD_FAILURE() << where.error().message;
      return nullptr;
    }
    EXPECT_EQ(where.value().kind, GetParam());
    auto s = open_store(where.value(), connection_limits{});
    if (!s) {
      ADD_FAILURE() << s.error().code << ": " << s.error().message;
      return nullptr;
    }
    return std::move(s).value();
  }

  /// Closes and opens the store again; false on failure.
  bool reopen() {
    db_.reset();
    db_ = connect();
    return db_ != nullptr;
  }

  // -- looking under the store (test SQL, no user input) ----------------------

  bool exec(const std::string& sql) {
    if (pg_)
      return pg_->exec(sql);
    return raw().exec(sql);
  }

  std::optional<std::int64_t> int_value(const std::string& sql) {
    if (pg_)
      return pg_->int_value(sql);
    return raw().int_value(sql);
  }

  std::optional<std::string> text_value(const std::string& sql) {
    if (pg_)
      return pg_->text_value(sql);
    return raw().text_value(sql);
  }

  std::int64_t count(const std::string& table) {
    return int_value("SELECT count(*) FROM " + table).value_or(-1);
  }

  /// Makes every event insert fail, inside the writing transaction and after
  /// the change itself was written.
  void block_event_inserts() {
    if (pg_)
      ASSERT_TRUE(exec(
          "CREATE FUNCTION no_events() RETURNS trigger LANGUAGE plpgsql AS "
          "$$BEGIN RAISE EXCEPTION 'event log is read-only'; END$$;"
          "CREATE TRIGGER no_events BEFORE INSERT ON events FOR EACH ROW "
          "EXECUTE FUNCTION no_events();"));
    else
      ASSERT_TRUE(exec("CREATE TRIGGER no_events BEFORE INSERT ON events "
                       "BEGIN SELECT RAISE(ABORT, 'event log is read-only'); "
                       "END"));
  }

  void unblock_event_inserts() {
    ASSERT_TRUE(exec(pg_ ? "DROP TRIGGER no_events ON events"
                         : "DROP TRIGGER no_events"));
  }

  // -- shorthands
  // ---------------------------------------------------------------

  domain::user add_user(const std::string& name) {
    auto u = db_->create_user(name, "hash-of-" + name, t0);
    EXPECT_TRUE(u) << u.error().message;
    return u ? u.value() : domain::user{};
  }

  domain::board add_board(std::int64_t creator, const std::string& name) {
    auto c = db_->create_board(creator, sample_draft(name), t0);
    EXPECT_TRUE(c) << c.error().message;
    return c ? c.value().value : domain::board{};
  }

  std::vector<domain::event> all_events() {
    auto s = db_->events_after(0, 1000);
    EXPECT_TRUE(s) << s.error().message;
    return s ? s.value().events : std::vector<domain::event>{};
  }

  /// The event a change should have written, with the id it got.
  static domain::event expected_board_event(event_type type,
                                            const domain::board& b,
                                            std::int64_t id) {
    auto ev = domain::board_event(type, b);
    ev.id = id;
    return ev;
  }

  test::temp_dir dir_;
  std::unique_ptr<dots::test::pg_database> pg_;
  std::string where_;
  std::unique_ptr<store> db_; // last: closed before its database goes

private:
  test::raw_db raw() { return test::raw_db(dir_.path() / "data" / "dots.db"); }
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract,
                         ::testing::Values(backend::sqlite, backend::postgres),
                         [](const ::testing::TestParamInfo<backend>& info) {
                           return backend_name(info.param);
                         });

// -- accounts -----------------------------------------------------------------

TEST_P(StoreContract, CreatesUserAndFindsAccountCaseInsensitively) {
  auto u = db_->create_user("Alice_1", "argon-hash", t0);
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_GT(u.value().id, 0);
  EXPECT_EQ(u.value().username, "Alice_1");

  for (const char* spelling : {"Alice_1", "alice_1", "ALICE_1"}) {
    auto a = db_->find_account(spelling);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(a.value().has_value()) << spelling;
    EXPECT_EQ((a.value())->user, u.value());
    EXPECT_EQ((a.value())->password_hash, "argon-hash");
  }
  auto none = db_->find_account("bob");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none.value().has_value());
}

TEST_P(StoreContract, DuplicateUsernameInAnyCaseIsConflict) {
  add_user("Alice");
  auto dup = db_->create_user("aLiCe", "other", t1);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, error_kind::conflict);
  EXPECT_EQ(dup.error().code, "username_taken");
  EXPECT_EQ(dup.error().field, "username");
  EXPECT_EQ(dup.error().message, "username \"aLiCe\" is taken");
  EXPECT_EQ(count("users"), 1);
  // The original spelling is what stays, and the store is still usable.
  EXPECT_EQ(db_->find_account("ALICE").value().value().user.username, "Alice");
  EXPECT_TRUE(db_->create_user("bob", "h", t1));
}

TEST_P(StoreContract, UserDataIsBoundNotInterpolated) {
  const std::string name = "o'neil\"; DROP TABLE users; --";
  auto u = db_->create_user(name, "h'ash $1 ?", t0);
  ASSERT_TRUE(u) << u.error().message;
  auto a = db_->find_account(name);
  ASSERT_TRUE(a && a.value().has_value());
  EXPECT_EQ((a.value())->user.username, name);
  EXPECT_EQ((a.value())->password_hash, "h'ash $1 ?");
}

TEST_P(StoreContract, TokenWorksUntilItExpires) {
  auto u = add_user("alice");
  ASSERT_TRUE(db_->create_token(u.id, "tokhash", t0, t2));

  auto before = db_->find_token_user("tokhash", t1);
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_TRUE(before.value().has_value());
  EXPECT_EQ(*before.value(), u);

  auto at_expiry = db_->find_token_user("tokhash", t2);
  ASSERT_TRUE(at_expiry);
  EXPECT_FALSE(at_expiry.value().has_value());

  auto unknown = db_->find_token_user("other", t1);
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown.value().has_value());
}

TEST_P(StoreContract, DeleteTokenStopsItAndReportsWhetherItExisted) {
  auto u = add_user("alice");
  ASSERT_TRUE(db_->create_token(u.id, "tokhash", t0, t2));
  auto first = db_->delete_token("tokhash");
  ASSERT_TRUE(first);
  EXPECT_TRUE(first.value());
  auto found = db_->find_token_user("tokhash", t1);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found.value().has_value());
  auto second = db_->delete_token("tokhash");
  ASSERT_TRUE(second);
  EXPECT_FALSE(second.value());
}

TEST_P(StoreContract, NewTokenPurgesExpiredOnes) {
  auto u = add_user("alice");
  ASSERT_TRUE(db_->create_token(u.id, "old", t0, t1));
  ASSERT_TRUE(db_->create_token(u.id, "new", t2, "2026-12-26T13:00:00Z"));
  EXPECT_EQ(count("tokens"), 1);
  EXPECT_EQ(text_value("SELECT token_hash FROM tokens"), "new");
}

TEST_P(StoreContract, TokenForUnknownUserIsNotFound) {
  auto r = db_->create_token(42, "tokhash", t0, t2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::not_found);
  EXPECT_EQ(r.error().code, "not_found");
  EXPECT_EQ(r.error().message, "user 42 not found");
  EXPECT_EQ(count("tokens"), 0);
}

// -- boards -------------------------------------------------------------------

TEST_P(StoreContract, CreateBoardStoresItAndWritesNewBoardEvent) {
  auto u = add_user("autorX");
  auto c = db_->create_board(u.id, sample_draft("Nowa Plansza"), t0);
  ASSERT_TRUE(c) << c.error().message;
  const auto& b = c.value().value;
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
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got.value(), b);

  const auto& ev = c.value().event;
  EXPECT_EQ(ev.id, 1); // the first event of a new log
  EXPECT_EQ(ev.type, event_type::new_board);
  EXPECT_EQ(ev.board_id, b.id);
  EXPECT_EQ(ev.board_name, "Nowa Plansza");
  EXPECT_EQ(ev.username, "autorX");
  EXPECT_EQ(ev.path_id, 0);
  EXPECT_FALSE(ev.complete);
  // Exactly one row, and it is what was returned, typed fields and all.
  EXPECT_EQ(count("events"), 1);
  EXPECT_EQ(int_value("SELECT id FROM events"), ev.id);
  EXPECT_EQ(int_value("SELECT board_id FROM events"), b.id);
  EXPECT_EQ(text_value("SELECT type FROM events"), "newBoard");
  EXPECT_EQ(text_value("SELECT created_at FROM events"), t0);
  EXPECT_EQ(all_events(), std::vector<domain::event>{ev});
}

TEST_P(StoreContract, MissingBoardIsNotFound) {
  auto r = db_->get_board(12345);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::not_found);
  EXPECT_EQ(r.error().code, "not_found");
  EXPECT_EQ(r.error().message, "board 12345 not found");
}

TEST_P(StoreContract, BoardOfUnknownCreatorFailsWithoutRowOrEvent) {
  auto r = db_->create_board(999, sample_draft(), t0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::not_found);
  EXPECT_EQ(r.error().message, "user 999 not found");
  EXPECT_EQ(count("boards"), 0);
  EXPECT_EQ(count("events"), 0);
}

TEST_P(StoreContract, UpdateBoardReplacesContentAndWritesBoardUpdated) {
  auto u = add_user("autorX");
  auto b = add_board(u.id, "Stara");
  domain::board_draft draft{
      "Nowa", 3, 4, {{0, 0, "#0000ff"}, {2, 3, "#0000ff"}}};
  auto c = db_->update_board(b.id, draft, t1);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().value.id, b.id);
  EXPECT_EQ(c.value().value.name, "Nowa");
  EXPECT_EQ(c.value().value.rows, 3);
  EXPECT_EQ(c.value().value.cols, 4);
  EXPECT_EQ(c.value().value.dots, draft.dots);
  EXPECT_EQ(c.value().value.created_at, t0);
  EXPECT_EQ(c.value().value.updated_at, t1);
  EXPECT_EQ(db_->get_board(b.id).value(), c.value().value);

  EXPECT_EQ(c.value().event,
            expected_board_event(event_type::board_updated, c.value().value,
                                 c.value().event.id));
  EXPECT_EQ(c.value().event.board_name, "Nowa");
  EXPECT_EQ(c.value().event.username, "autorX");
  EXPECT_EQ(all_events().size(), 2U);
}

TEST_P(StoreContract, RenamingKeepsPathsButResizingOrMovingDotsDropsThem) {
  auto owner = add_user("autorX");
  auto player = add_user("graczY");
  auto b = add_board(owner.id, "Plansza");
  ASSERT_TRUE(db_->save_path(b.id, player.id, red_start(), false, t0));

  // Same grid and dots: the path still fits and stays.
  ASSERT_TRUE(db_->update_board(b.id, sample_draft("Nowa nazwa"), t1));
  auto kept = db_->get_path(b.id, player.id);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept.value().segments, red_start());

  // Another size: it no longer fits and goes, in the same transaction.
  auto bigger = sample_draft("Większa");
  bigger.rows = 6;
  ASSERT_TRUE(db_->update_board(b.id, bigger, t1));
  EXPECT_EQ(db_->get_path(b.id, player.id).error().kind, error_kind::not_found);

  // Moved dots too.
  ASSERT_TRUE(db_->save_path(b.id, player.id, red_start(), false, t2));
  auto moved = bigger;
  moved.dots[1] = {5, 4, "#ff0000"};
  ASSERT_TRUE(db_->update_board(b.id, moved, t2));
  EXPECT_EQ(db_->get_path(b.id, player.id).error().kind, error_kind::not_found);
  EXPECT_EQ(count("paths"), 0);
}

TEST_P(StoreContract, UpdateMissingBoardIsNotFoundAndWritesNoEvent) {
  auto r = db_->update_board(77, sample_draft(), t1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::not_found);
  EXPECT_EQ(r.error().message, "board 77 not found");
  EXPECT_TRUE(all_events().empty());
}

TEST_P(StoreContract, DeleteBoardRemovesItsPathsAndWritesBoardDeleted) {
  auto owner = add_user("autorX");
  auto player = add_user("graczY");
  auto b = add_board(owner.id, "Do usunięcia");
  auto keep = add_board(owner.id, "Zostaje");
  ASSERT_TRUE(db_->save_path(b.id, player.id, red_start(), false, t1));
  ASSERT_TRUE(db_->save_path(b.id, owner.id, red_start(), false, t1));
  ASSERT_TRUE(db_->save_path(keep.id, player.id, red_start(), false, t1));

  auto c = db_->delete_board(b.id);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().value, b); // the board as it was
  EXPECT_EQ(c.value().event, expected_board_event(event_type::board_deleted, b,
                                                  c.value().event.id));
  EXPECT_EQ(c.value().event.board_name, "Do usunięcia");

  EXPECT_EQ(db_->get_board(b.id).error().kind, error_kind::not_found);
  EXPECT_EQ(db_->get_path(b.id, player.id).error().kind, error_kind::not_found);
  EXPECT_TRUE(db_->get_path(keep.id, player.id));
  EXPECT_EQ(count("paths"), 1);
  // The event outlives its board, stamped by the database's clock in the
  // same RFC 3339 form as the others.
  const auto where =
      " FROM events WHERE type = 'boardDeleted' AND board_id = " +
      std::to_string(b.id);
  EXPECT_EQ(int_value("SELECT count(*)" + where), 1);
  const auto stamp = text_value("SELECT created_at" + where).value_or("");
  EXPECT_TRUE(
      std::regex_match(stamp, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << stamp;
  EXPECT_EQ(all_events().back(), c.value().event);
}

TEST_P(StoreContract, DeleteMissingBoardIsNotFoundAndWritesNoEvent) {
  auto r = db_->delete_board(5);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::not_found);
  EXPECT_EQ(r.error().message, "board 5 not found");
  EXPECT_TRUE(all_events().empty());
}

TEST_P(StoreContract, BoardIdsAreNeverReused) {
  auto u = add_user("autorX");
  auto first = add_board(u.id, "a");
  ASSERT_TRUE(db_->delete_board(first.id));
  auto second = add_board(u.id, "b");
  EXPECT_GT(second.id, first.id);
}

TEST_P(StoreContract, ListBoardsPagesNewestFirst) {
  auto u = add_user("autorX");
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(add_board(u.id, "b" + std::to_string(i)).id);

  auto page1 = db_->list_boards(0, 2, 0);
  ASSERT_TRUE(page1) << page1.error().message;
  ASSERT_EQ(page1.value().boards.size(), 2U);
  EXPECT_EQ(page1.value().boards[0].id, ids[4]);
  EXPECT_EQ(page1.value().boards[1].id, ids[3]);
  EXPECT_EQ(page1.value().boards[0].creator_username, "autorX");
  EXPECT_EQ(page1.value().boards[0].dots, sample_draft().dots);
  EXPECT_EQ(page1.value().next, ids[3]);

  auto page2 = db_->list_boards(0, 2, page1.value().next);
  ASSERT_TRUE(page2);
  ASSERT_EQ(page2.value().boards.size(), 2U);
  EXPECT_EQ(page2.value().boards[0].id, ids[2]);
  EXPECT_EQ(page2.value().boards[1].id, ids[1]);
  EXPECT_EQ(page2.value().next, ids[1]);

  auto page3 = db_->list_boards(0, 2, page2.value().next);
  ASSERT_TRUE(page3);
  ASSERT_EQ(page3.value().boards.size(), 1U);
  EXPECT_EQ(page3.value().boards[0].id, ids[0]);
  EXPECT_EQ(page3.value().next, 0);

  // Exactly `limit` left: no further page.
  auto exact = db_->list_boards(0, 3, ids[3]);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact.value().boards.size(), 3U);
  EXPECT_EQ(exact.value().next, 0);

  auto all = db_->list_boards(0, 100, 0);
  ASSERT_TRUE(all);
  EXPECT_EQ(all.value().boards.size(), 5U);
  EXPECT_EQ(all.value().next, 0);

  auto none = db_->list_boards(0, 0, 0);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none.value().boards.empty());
  EXPECT_EQ(none.value().next, 0);
}

TEST_P(StoreContract, ListBoardsFiltersByCreator) {
  auto alice = add_user("alice");
  auto bob = add_user("bob");
  auto a1 = add_board(alice.id, "a1");
  auto b1 = add_board(bob.id, "b1");
  auto a2 = add_board(alice.id, "a2");
  auto b2 = add_board(bob.id, "b2");
  auto a3 = add_board(alice.id, "a3");

  auto mine = db_->list_boards(alice.id, 2, 0);
  ASSERT_TRUE(mine) << mine.error().message;
  ASSERT_EQ(mine.value().boards.size(), 2U);
  EXPECT_EQ(mine.value().boards[0].id, a3.id);
  EXPECT_EQ(mine.value().boards[1].id, a2.id);
  EXPECT_EQ(mine.value().next, a2.id);

  auto rest = db_->list_boards(alice.id, 2, mine.value().next);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest.value().boards.size(), 1U);
  EXPECT_EQ(rest.value().boards[0].id, a1.id);
  EXPECT_EQ(rest.value().next, 0);

  auto bobs = db_->list_boards(bob.id, 10, 0);
  ASSERT_TRUE(bobs);
  ASSERT_EQ(bobs.value().boards.size(), 2U);
  EXPECT_EQ(bobs.value().boards[0].id, b2.id);
  EXPECT_EQ(bobs.value().boards[1].id, b1.id);

  auto nobody = db_->list_boards(9999, 10, 0);
  ASSERT_TRUE(nobody);
  EXPECT_TRUE(nobody.value().boards.empty());
  EXPECT_EQ(nobody.value().next, 0);
}

TEST_P(StoreContract, CorruptDotsColumnIsInternalError) {
  auto u = add_user("alice");
  auto b = add_board(u.id, "x");
  ASSERT_TRUE(exec("UPDATE boards SET dots = '[{\"row\": \"zero\"}]'"));
  auto r = db_->get_board(b.id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::internal);
  EXPECT_EQ(r.error().code, "internal");
}

// -- paths --------------------------------------------------------------------

TEST_P(StoreContract, FirstSaveCreatesPathLaterSavesUpdateIt) {
  auto owner = add_user("autorX");
  auto player = add_user("graczY");
  auto b = add_board(owner.id, "Plansza");

  auto first = db_->save_path(b.id, player.id, red_start(), false, t0);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first.value().created);
  const auto& p = first.value().path;
  EXPECT_GT(p.id, 0);
  EXPECT_EQ(p.board_id, b.id);
  EXPECT_EQ(p.user_id, player.id);
  EXPECT_EQ(p.user_username, "graczY");
  EXPECT_EQ(p.segments, red_start());
  EXPECT_FALSE(p.complete);
  EXPECT_EQ(p.created_at, t0);
  EXPECT_EQ(p.updated_at, t0);
  EXPECT_EQ(first.value().event.type, event_type::new_path);
  EXPECT_EQ(first.value().event.board_id, b.id);
  EXPECT_EQ(first.value().event.board_name, "Plansza");
  EXPECT_EQ(first.value().event.username, "graczY");
  EXPECT_EQ(first.value().event.path_id, p.id);
  EXPECT_FALSE(first.value().event.complete);

  auto got = db_->get_path(b.id, player.id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got.value(), p);

  std::vector<domain::segment> full{
      {"#ff0000", {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}}},
      {"#00ff00", {{0, 4}, {1, 4}}},
  };
  auto second = db_->save_path(b.id, player.id, full, true, t1);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second.value().created);
  EXPECT_EQ(second.value().path.id, p.id);
  EXPECT_EQ(second.value().path.segments, full);
  EXPECT_TRUE(second.value().path.complete);
  EXPECT_EQ(second.value().path.created_at, t0);
  EXPECT_EQ(second.value().path.updated_at, t1);
  EXPECT_EQ(second.value().event.type, event_type::path_updated);
  EXPECT_EQ(second.value().event.id, first.value().event.id + 1);
  EXPECT_EQ(second.value().event.path_id, p.id);
  EXPECT_EQ(second.value().event.username, "graczY");
  EXPECT_TRUE(second.value().event.complete);
  EXPECT_EQ(db_->get_path(b.id, player.id).value(), second.value().path);

  EXPECT_EQ(count("paths"), 1);
  EXPECT_EQ(count("events"), 3); // newBoard, newPath, pathUpdated
  // What the log gives back is what the writes returned.
  const auto log = all_events();
  ASSERT_EQ(log.size(), 3U);
  EXPECT_EQ(log[1], first.value().event);
  EXPECT_EQ(log[2], second.value().event);
}

TEST_P(StoreContract, PathsArePerUser) {
  auto alice = add_user("alice");
  auto bob = add_user("bob");
  auto b = add_board(alice.id, "x");
  auto a = db_->save_path(b.id, alice.id, red_start(), false, t0);
  ASSERT_TRUE(a);
  auto none = db_->get_path(b.id, bob.id);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, error_kind::not_found);
  EXPECT_EQ(none.error().code, "not_found");
  EXPECT_EQ(none.error().message, "no path of user " + std::to_string(bob.id) +
                                      " on board " + std::to_string(b.id));
  // Bob's first save is a first save, even though Alice has one.
  auto bobs = db_->save_path(b.id, bob.id, red_start(), false, t1);
  ASSERT_TRUE(bobs);
  EXPECT_TRUE(bobs.value().created);
  EXPECT_NE(bobs.value().path.id, a.value().path.id);
}

TEST_P(StoreContract, SavePathOnMissingBoardIsNotFoundWithoutRowOrEvent) {
  auto u = add_user("alice");
  auto r = db_->save_path(404, u.id, red_start(), false, t0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::not_found);
  EXPECT_EQ(r.error().message, "board 404 not found");
  EXPECT_EQ(count("paths"), 0);
  EXPECT_EQ(count("events"), 0);
}

TEST_P(StoreContract, SavePathOfUnknownUserIsNotFoundWithoutRowOrEvent) {
  auto u = add_user("alice");
  auto b = add_board(u.id, "x");
  auto r = db_->save_path(b.id, 999, red_start(), false, t0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::not_found);
  EXPECT_EQ(r.error().message, "user 999 not found");
  EXPECT_EQ(count("paths"), 0);
  EXPECT_EQ(count("events"), 1);
}

TEST_P(StoreContract, DeletePathRemovesOnlyThatPathAndWritesNoEvent) {
  auto alice = add_user("alice");
  auto bob = add_user("bob");
  auto b = add_board(alice.id, "x");
  ASSERT_TRUE(db_->save_path(b.id, alice.id, red_start(), false, t0));
  ASSERT_TRUE(db_->save_path(b.id, bob.id, red_start(), false, t0));
  const auto events_before = all_events().size();

  ASSERT_TRUE(db_->delete_path(b.id, alice.id));
  EXPECT_EQ(db_->get_path(b.id, alice.id).error().kind, error_kind::not_found);
  EXPECT_TRUE(db_->get_path(b.id, bob.id));
  EXPECT_EQ(all_events().size(), events_before);

  auto again = db_->delete_path(b.id, alice.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, error_kind::not_found);

  // Saving after a delete is a first save again.
  auto resaved = db_->save_path(b.id, alice.id, red_start(), false, t1);
  ASSERT_TRUE(resaved);
  EXPECT_TRUE(resaved.value().created);
}

TEST_P(StoreContract, ConcurrentFirstSavesOfOneUserCreateOnce) {
  auto u = add_user("alice");
  constexpr int rounds = 5;
  std::vector<std::int64_t> boards;
  for (int i = 0; i < rounds; ++i)
    boards.push_back(add_board(u.id, "b" + std::to_string(i)).id);

  // Two connections save the same user's path on the same board at once,
  // as two instances (or two actors) may: exactly one save is the first.
  constexpr int writers = 2;
  std::vector<std::vector<bool>> created(writers);
  std::vector<std::string> failures(writers);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      auto s = connect();
      ++ready;
      while (ready.load() < writers)
        std::this_thread::yield();
      if (!s)
        return;
      for (auto board : boards) {
        auto r = s->save_path(board, u.id, red_start(), false, t1);
        if (!r) {
          failures[w] = r.error().message;
          return;
        }
        created[w].push_back(r.value().created);
      }
    });
  for (auto& t : threads)
    t.join();
  for (const auto& f : failures)
    EXPECT_EQ(f, "");
  ASSERT_EQ(created[0].size(), boards.size());
  ASSERT_EQ(created[1].size(), boards.size());
  for (std::size_t i = 0; i < boards.size(); ++i)
    EXPECT_NE(created[0][i], created[1][i]) << "board " << boards[i];
  EXPECT_EQ(count("paths"), rounds);
  EXPECT_EQ(int_value("SELECT count(*) FROM events WHERE type = 'newPath'"),
            rounds);
  EXPECT_EQ(int_value("SELECT count(*) FROM events WHERE type = "
                      "'pathUpdated'"),
            rounds);
}

// -- event log ----------------------------------------------------------------

TEST_P(StoreContract, EveryWriteAppendsExactlyOneEventWithDenseIncreasingIds) {
  auto owner = add_user("autorX");
  auto player = add_user("graczY");
  std::vector<domain::event> returned;
  // Each write adds one row, with the id after the one before.
  auto record = [&](const domain::event& ev) {
    EXPECT_EQ(count("events"), static_cast<std::int64_t>(returned.size()) + 1);
    EXPECT_EQ(ev.id, static_cast<std::int64_t>(returned.size()) + 1);
    returned.push_back(ev);
  };

  auto b1 = db_->create_board(owner.id, sample_draft("one"), t0);
  ASSERT_TRUE(b1);
  record(b1.value().event);
  auto b2 = db_->create_board(owner.id, sample_draft("two"), t0);
  ASSERT_TRUE(b2);
  record(b2.value().event);
  auto up = db_->update_board(b1.value().value.id, sample_draft("one!"), t1);
  ASSERT_TRUE(up);
  record(up.value().event);
  auto p1 =
      db_->save_path(b2.value().value.id, player.id, red_start(), false, t1);
  ASSERT_TRUE(p1);
  record(p1.value().event);
  auto p2 =
      db_->save_path(b2.value().value.id, player.id, red_start(), true, t2);
  ASSERT_TRUE(p2);
  record(p2.value().event);
  auto del = db_->delete_board(b2.value().value.id);
  ASSERT_TRUE(del);
  record(del.value().event);
  // Reads and non-event writes add nothing.
  ASSERT_TRUE(db_->get_board(b1.value().value.id));
  ASSERT_TRUE(db_->list_boards(0, 10, 0));
  ASSERT_TRUE(db_->create_token(owner.id, "t", t0, t2));
  auto no_path = db_->delete_path(b1.value().value.id, player.id);
  ASSERT_FALSE(no_path);
  EXPECT_EQ(no_path.error().kind, error_kind::not_found);

  EXPECT_EQ(count("events"), 6);
  EXPECT_EQ(all_events(), returned);
  std::vector<event_type> types;
  for (const auto& ev : returned)
    types.push_back(ev.type);
  EXPECT_EQ(types, (std::vector<event_type>{
                       event_type::new_board, event_type::new_board,
                       event_type::board_updated, event_type::new_path,
                       event_type::path_updated, event_type::board_deleted}));
  // The typed fields read back are those each change built.
  EXPECT_EQ(returned[2],
            expected_board_event(event_type::board_updated, up.value().value,
                                 up.value().event.id));
  EXPECT_EQ(returned[4].path_id, p1.value().path.id);
  EXPECT_TRUE(returned[4].complete);
  EXPECT_EQ(returned[5].board_name, "two");
}

TEST_P(StoreContract, FailedWritesLeaveNoChangeAndNoEvent) {
  auto owner = add_user("autorX");
  auto b = add_board(owner.id, "x");
  block_event_inserts();

  auto created = db_->create_board(owner.id, sample_draft("new"), t1);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, error_kind::internal);
  EXPECT_EQ(created.error().code, "internal");
  EXPECT_NE(created.error().message.find("event log is read-only"),
            std::string::npos)
      << created.error().message;

  auto updated = db_->update_board(b.id, sample_draft("renamed"), t1);
  ASSERT_FALSE(updated);
  auto saved = db_->save_path(b.id, owner.id, red_start(), false, t1);
  ASSERT_FALSE(saved);
  auto deleted = db_->delete_board(b.id);
  ASSERT_FALSE(deleted);

  EXPECT_EQ(count("boards"), 1);
  EXPECT_EQ(text_value("SELECT name FROM boards"), "x");
  EXPECT_EQ(count("paths"), 0);
  EXPECT_EQ(count("events"), 1); // only the setup's newBoard
  auto bounds = db_->events_after(0, 10);
  ASSERT_TRUE(bounds) << bounds.error().message;
  EXPECT_EQ(bounds.value().latest_id, 1);

  // The connection is still usable once the cause is gone, and the ids go
  // on from the last committed one: a failed write leaves no hole.
  unblock_event_inserts();
  auto after = db_->create_board(owner.id, sample_draft("after"), t2);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after.value().event.id, 2);
}

TEST_P(StoreContract, EventsAfterReturnsAscendingSlicesAndBounds) {
  auto u = add_user("alice");
  for (int i = 0; i < 5; ++i)
    add_board(u.id, "b" + std::to_string(i));

  auto all = db_->events_after(0, 100);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all.value().events.size(), 5U);
  EXPECT_EQ(all.value().oldest_id, all.value().events.front().id);
  EXPECT_EQ(all.value().latest_id, all.value().events.back().id);
  for (std::size_t i = 1; i < all.value().events.size(); ++i)
    EXPECT_EQ(all.value().events[i].id, all.value().events[i - 1].id + 1);

  const auto second = all.value().events[1].id;
  auto slice = db_->events_after(second, 2);
  ASSERT_TRUE(slice);
  ASSERT_EQ(slice.value().events.size(), 2U);
  EXPECT_EQ(slice.value().events[0], all.value().events[2]);
  EXPECT_EQ(slice.value().events[1], all.value().events[3]);
  EXPECT_EQ(slice.value().oldest_id, all.value().oldest_id);
  EXPECT_EQ(slice.value().latest_id, all.value().latest_id);

  auto past_end = db_->events_after(all.value().latest_id, 10);
  ASSERT_TRUE(past_end);
  EXPECT_TRUE(past_end.value().events.empty());
  EXPECT_EQ(past_end.value().oldest_id, all.value().oldest_id);
  EXPECT_EQ(past_end.value().latest_id, all.value().latest_id);

  // limit 0: just the bounds.
  auto bounds = db_->events_after(0, 0);
  ASSERT_TRUE(bounds);
  EXPECT_TRUE(bounds.value().events.empty());
  EXPECT_EQ(bounds.value().oldest_id, all.value().oldest_id);
  EXPECT_EQ(bounds.value().latest_id, all.value().latest_id);
}

TEST_P(StoreContract, EmptyLogHasZeroBounds) {
  auto s = db_->events_after(0, 10);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s.value().events.empty());
  EXPECT_EQ(s.value().oldest_id, 0);
  EXPECT_EQ(s.value().latest_id, 0);
}

TEST_P(StoreContract, TrimKeepsTheNewestIdsAndNeverLowersLatestId) {
  auto u = add_user("alice");
  for (int i = 0; i < 5; ++i)
    add_board(u.id, "b" + std::to_string(i));
  const auto before = all_events();
  ASSERT_EQ(before.size(), 5U);

  ASSERT_TRUE(db_->trim_events(10)); // fewer than keep: nothing goes
  EXPECT_EQ(all_events().size(), 5U);
  ASSERT_TRUE(db_->trim_events(5));
  EXPECT_EQ(all_events().size(), 5U);

  // The window is the ids above latest - keep.
  ASSERT_TRUE(db_->trim_events(2));
  auto s = db_->events_after(0, 100);
  ASSERT_TRUE(s);
  ASSERT_EQ(s.value().events.size(), 2U);
  EXPECT_EQ(s.value().events[0], before[3]);
  EXPECT_EQ(s.value().events[1], before[4]);
  EXPECT_EQ(s.value().oldest_id, before[3].id);
  EXPECT_EQ(s.value().latest_id, before[4].id);

  // A second trim to the same window changes nothing; one more event moves
  // the window by one id.
  ASSERT_TRUE(db_->trim_events(2));
  EXPECT_EQ(all_events().size(), 2U);
  auto sixth = db_->create_board(u.id, sample_draft("sixth"), t1);
  ASSERT_TRUE(sixth);
  ASSERT_TRUE(db_->trim_events(2));
  auto moved = db_->events_after(0, 100);
  ASSERT_TRUE(moved);
  ASSERT_EQ(moved.value().events.size(), 2U);
  EXPECT_EQ(moved.value().oldest_id, before[4].id);
  EXPECT_EQ(moved.value().events[1], sixth.value().event);

  ASSERT_TRUE(db_->trim_events(0));
  auto empty = db_->events_after(0, 100);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty.value().events.empty());
  EXPECT_EQ(empty.value().oldest_id, 0);
  EXPECT_EQ(empty.value().latest_id, sixth.value().event.id);

  // Even after trimming everything (and reopening), ids keep increasing.
  ASSERT_TRUE(reopen());
  auto next = db_->create_board(u.id, sample_draft("next"), t1);
  ASSERT_TRUE(next);
  EXPECT_EQ(next.value().event.id, sixth.value().event.id + 1);

  EXPECT_FALSE(db_->trim_events(-1));
}

// -- connections --------------------------------------------------------------

TEST_P(StoreContract, DataSurvivesCloseAndReopen) {
  auto u = add_user("Alice");
  ASSERT_TRUE(db_->create_token(u.id, "tok", t0, t2));
  auto b = add_board(u.id, "Trwała");
  auto p = db_->save_path(b.id, u.id, red_start(), false, t1);
  ASSERT_TRUE(p);
  const auto events = all_events();

  ASSERT_TRUE(reopen());
  EXPECT_EQ(db_->find_account("alice").value().value().user, u);
  EXPECT_EQ(db_->find_token_user("tok", t1).value().value(), u);
  EXPECT_EQ(db_->get_board(b.id).value(), b);
  EXPECT_EQ(db_->get_path(b.id, u.id).value(), p.value().path);
  EXPECT_EQ(all_events(), events);
}

TEST_P(StoreContract, TwoConnectionsShareOneDatabase) {
  auto other = connect();
  ASSERT_TRUE(other);

  auto u = add_user("alice");
  auto dup = other->create_user("ALICE", "x", t0);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, "username_taken");

  auto b = other->create_board(u.id, sample_draft("from B"), t0);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(db_->get_board(b.value().value.id).value(), b.value().value);
  auto c = db_->create_board(u.id, sample_draft("from A"), t0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c.value().event.id, b.value().event.id + 1);

  auto seen_by_b = other->events_after(0, 10);
  ASSERT_TRUE(seen_by_b);
  EXPECT_EQ(seen_by_b.value().events,
            (std::vector<domain::event>{b.value().event, c.value().event}));
}

TEST_P(StoreContract, ConcurrentWritersGetDenseIdsInCommitOrder) {
  auto u = add_user("alice");
  constexpr int writers = 3;
  constexpr int per_writer = 30;
  std::vector<std::vector<domain::event>> seen(writers);
  std::vector<std::string> failures(writers);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      // Each thread owns its connection, as each persistence actor does.
      auto s = connect();
      if (!s)
        return;
      for (int i = 0; i < per_writer; ++i) {
        auto c = s->create_board(u.id, sample_draft("t"), t0);
        if (!c) {
          failures[w] = c.error().message;
          return;
        }
        seen[w].push_back(c.value().event);
      }
    });
  for (auto& th : threads)
    th.join();
  for (const auto& f : failures)
    EXPECT_EQ(f, "");

  std::set<std::int64_t> ids;
  for (const auto& list : seen) {
    ASSERT_EQ(list.size(), static_cast<std::size_t>(per_writer));
    for (std::size_t i = 1; i < list.size(); ++i)
      EXPECT_GT(list[i].id, list[i - 1].id);
    for (const auto& ev : list)
      ids.insert(ev.id);
  }
  // Distinct, and no holes: 1 .. writers * per_writer.
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(writers * per_writer));
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), writers * per_writer);
  auto log = all_events();
  ASSERT_EQ(log.size(), static_cast<std::size_t>(writers * per_writer));
  for (std::size_t i = 0; i < log.size(); ++i)
    EXPECT_EQ(log[i].id, static_cast<std::int64_t>(i) + 1);
}

} // namespace
} // namespace dots::storage
