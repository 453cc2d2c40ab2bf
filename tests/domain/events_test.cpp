#include "domain/events.hpp"
#include "domain/json.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace dots::domain {
namespace {

board sample_board() {
  board b;
  b.id = 7;
  b.name = "Nowa Plansza";
  b.rows = 5;
  b.cols = 5;
  b.creator_id = 1;
  b.creator_username = "admin";
  return b;
}

path sample_path() {
  path p;
  p.id = 456;
  p.board_id = 7;
  p.user_id = 2;
  p.user_username = "graczY";
  p.complete = true;
  return p;
}

TEST(EventsNames, AreTheContractsNames) {
  EXPECT_EQ(event_name(event_type::new_board), "newBoard");
  EXPECT_EQ(event_name(event_type::new_path), "newPath");
  EXPECT_EQ(event_name(event_type::board_updated), "boardUpdated");
  EXPECT_EQ(event_name(event_type::board_deleted), "boardDeleted");
  EXPECT_EQ(event_name(event_type::path_updated), "pathUpdated");
}

TEST(EventsNames, RoundTrip) {
  for (auto t :
       {event_type::new_board, event_type::new_path, event_type::board_updated,
        event_type::board_deleted, event_type::path_updated})
    EXPECT_EQ(event_type_from_name(event_name(t)), t);
}

TEST(EventsNames, UnknownNamesAreRejected) {
  EXPECT_EQ(event_type_from_name(""), std::nullopt);
  EXPECT_EQ(event_type_from_name("newboard"), std::nullopt);
  EXPECT_EQ(event_type_from_name("NewBoard"), std::nullopt);
  EXPECT_EQ(event_type_from_name("newBoard "), std::nullopt);
  EXPECT_EQ(event_type_from_name("reset"), std::nullopt);
}

TEST(EventsBoard, NewBoardPayload) {
  const auto ev = board_event(event_type::new_board, sample_board());
  EXPECT_EQ(ev.id, 0);
  EXPECT_EQ(ev.type, event_type::new_board);
  EXPECT_EQ(ev.board_id, 7);
  EXPECT_EQ(
      event_data(ev),
      R"({"board_id":7,"board_name":"Nowa Plansza","creator_username":"admin"})");
}

TEST(EventsBoard, RecordsTypedFields) {
  const auto ev = board_event(event_type::board_deleted, sample_board());
  EXPECT_EQ(ev.board_name, "Nowa Plansza");
  EXPECT_EQ(ev.username, "admin");
  EXPECT_EQ(ev.path_id, 0);
  EXPECT_FALSE(ev.complete);
}

TEST(EventsPath, RecordsTypedFields) {
  const auto ev =
      path_event(event_type::path_updated, sample_board(), sample_path());
  EXPECT_EQ(ev.board_id, 7);
  EXPECT_EQ(ev.board_name, "Nowa Plansza");
  EXPECT_EQ(ev.username, "graczY"); // the path's owner, not the creator
  EXPECT_EQ(ev.path_id, 456);
  EXPECT_TRUE(ev.complete);
}

TEST(EventsData, IsBuiltFromTheFieldsAloneAndEqualEventsGiveEqualBytes) {
  // What the log stores and reads back is all the payload depends on.
  event stored{.id = 42,
               .type = event_type::new_board,
               .board_id = 3,
               .board_name = "z logu",
               .username = "ktoś",
               .path_id = 0,
               .complete = false};
  EXPECT_EQ(
      event_data(stored),
      R"({"board_id":3,"board_name":"z logu","creator_username":"ktoś"})");
  auto copy = stored;
  EXPECT_EQ(event_data(copy), event_data(stored));
}

TEST(EventsData, PathEventsIgnoreNothingAndAddNothing) {
  auto ev = path_event(event_type::new_path, sample_board(), sample_path());
  ev.complete = true; // newPath has no "complete", whatever the field says
  EXPECT_EQ(event_data(ev).find("complete"), std::string::npos);
  EXPECT_TRUE(is_path_event(event_type::new_path));
  EXPECT_TRUE(is_path_event(event_type::path_updated));
  EXPECT_FALSE(is_path_event(event_type::new_board));
  EXPECT_FALSE(is_path_event(event_type::board_deleted));
}

TEST(EventsBoard, UpdatedAndDeletedCarryTheSamePayload) {
  const auto b = sample_board();
  const auto created = board_event(event_type::new_board, b);
  for (auto t : {event_type::board_updated, event_type::board_deleted}) {
    const auto ev = board_event(t, b);
    EXPECT_EQ(ev.type, t);
    EXPECT_EQ(ev.board_id, 7);
    EXPECT_EQ(event_data(ev), event_data(created));
  }
}

TEST(EventsBoard, EscapesUserText) {
  auto b = sample_board();
  b.name = "a \"quoted\"\nname\\ żółta 🟢\x01";
  const auto ev = board_event(event_type::new_board, b);
  EXPECT_EQ(event_data(ev).find('\n'), std::string::npos);
  EXPECT_EQ(event_data(ev).find('\r'), std::string::npos);
  auto v = parse_json(event_data(ev));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v.value().at("board_name").as_string(), b.name);
}

TEST(EventsPath, NewPathPayloadHasNoComplete) {
  const auto ev =
      path_event(event_type::new_path, sample_board(), sample_path());
  EXPECT_EQ(ev.id, 0);
  EXPECT_EQ(ev.type, event_type::new_path);
  EXPECT_EQ(ev.board_id, 7);
  EXPECT_EQ(
      event_data(ev),
      R"({"path_id":456,"board_id":7,"board_name":"Nowa Plansza","user_username":"graczY"})");
}

TEST(EventsPath, PathUpdatedCarriesComplete) {
  auto p = sample_path();
  auto ev = path_event(event_type::path_updated, sample_board(), p);
  EXPECT_EQ(ev.type, event_type::path_updated);
  EXPECT_EQ(
      event_data(ev),
      R"({"path_id":456,"board_id":7,"board_name":"Nowa Plansza","user_username":"graczY","complete":true})");
  p.complete = false;
  ev = path_event(event_type::path_updated, sample_board(), p);
  EXPECT_NE(event_data(ev).find(R"("complete":false})"), std::string::npos);
}

TEST(EventsPath, EscapesUserText) {
  auto b = sample_board();
  b.name = "line\r\nbreak";
  const auto ev = path_event(event_type::new_path, b, sample_path());
  EXPECT_EQ(event_data(ev).find_first_of("\r\n"), std::string::npos);
  auto v = parse_json(event_data(ev));
  ASSERT_TRUE(v);
  EXPECT_EQ(v.value().at("board_name").as_string(), b.name);
}

TEST(EventsNames, TheListCoversEveryTypeOnceInOrder) {
  const auto types = all_event_types();
  ASSERT_EQ(types.size(), 5u);
  for (std::size_t i = 0; i < types.size(); ++i)
    EXPECT_EQ(static_cast<std::size_t>(types[i]), i);
  EXPECT_EQ(all_event_names(),
            "newBoard, newPath, boardUpdated, boardDeleted, pathUpdated");
}

TEST(EventsNames, TheBrowserAppKnowsExactlyTheseNames) {
  // web/src/events.ts keeps its own copy for EventSource listeners; it must
  // say what the server says, in the same order.
  std::ifstream in{std::string{DOTS_SOURCE_DIR} + "/web/src/events.ts"};
  ASSERT_TRUE(in) << "cannot read web/src/events.ts";
  std::string line;
  std::vector<std::string> web;
  while (std::getline(in, line)) {
    if (!line.starts_with("export const EVENT_NAMES = ["))
      continue;
    for (auto at = line.find('\''); at != std::string::npos;) {
      const auto end = line.find('\'', at + 1);
      web.push_back(line.substr(at + 1, end - at - 1));
      at = line.find('\'', end + 1);
    }
  }
  std::vector<std::string> server;
  for (auto t : all_event_types())
    server.emplace_back(event_name(t));
  EXPECT_EQ(web, server);
}

} // namespace
} // namespace dots::domain
