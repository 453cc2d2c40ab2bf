#include "domain/rules.hpp"

#include <gtest/gtest.h>
#include <string>

namespace dots::domain {
namespace {

template <class T>
void expect_error(const result<T>& r, std::string_view code,
                  std::string_view field) {
  ASSERT_FALSE(r) << "expected " << code << " at " << field;
  EXPECT_EQ(r.error().kind, error_kind::invalid);
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().field, field) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

// 5x5, red from (0,0) to (0,4), green from (1,0) to (4,4).
board_draft sample_draft() {
  return board_draft{"Plansza testowa",
                     5,
                     5,
                     {{0, 0, "#ff0000"},
                      {0, 4, "#ff0000"},
                      {1, 0, "#00ff00"},
                      {4, 4, "#00ff00"}}};
}

board_draft with_name(std::string name) {
  auto d = sample_draft();
  d.name = std::move(name);
  return d;
}

board_draft with_dots(int rows, int cols, std::vector<dot> dots) {
  auto d = sample_draft();
  d.rows = rows;
  d.cols = cols;
  d.dots = std::move(dots);
  return d;
}

void expect_board_error(board_draft d, std::string_view field) {
  expect_error(validate_board(std::move(d)), "invalid_board", field);
}

std::string valid_name(board_draft d) {
  auto r = validate_board(std::move(d));
  EXPECT_TRUE(r) << r.error().message;
  return r ? r.value().name : std::string{};
}

// -- board: name
// ---------------------------------------------------------------

TEST(RulesBoardName, AcceptsAPlainName) {
  auto r = validate_board(sample_draft());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value(), sample_draft());
}

TEST(RulesBoardName, IsTrimmedOfAsciiWhitespace) {
  EXPECT_EQ(valid_name(with_name(" \t\r\n Plansza  testowa \n\v\f")),
            "Plansza  testowa");
}

TEST(RulesBoardName, IsTrimmedOfUnicodeWhitespace) {
  // NBSP, ideographic space, em space, NEL, line separator, BOM.
  EXPECT_EQ(
      valid_name(with_name("\u00A0\u3000Plansza\u2003\u0085\u2028\uFEFF")),
      "Plansza");
}

TEST(RulesBoardName, MustNotBeEmpty) {
  expect_board_error(with_name(""), "name");
}

TEST(RulesBoardName, MustNotBeOnlyWhitespace) {
  expect_board_error(with_name(" \t\n "), "name");
  expect_board_error(with_name("\u00A0\u3000"), "name");
}

TEST(RulesBoardName, OneCharacterIsEnough) {
  EXPECT_EQ(valid_name(with_name("  X ")), "X");
}

TEST(RulesBoardName, CountsCodePointsNotBytes) {
  const auto name = repeat("ż", 100); // 200 bytes
  EXPECT_EQ(valid_name(with_name(name)), name);
  const auto emoji = repeat("🟢", 100); // 400 bytes
  EXPECT_EQ(valid_name(with_name(emoji)), emoji);
}

TEST(RulesBoardName, AllowsAHundredCharactersAfterTrimming) {
  const auto name = repeat("a", 100);
  EXPECT_EQ(valid_name(with_name("   " + name + "   ")), name);
}

TEST(RulesBoardName, RejectsMoreThanAHundredCharacters) {
  expect_board_error(with_name(repeat("a", 101)), "name");
  expect_board_error(with_name(repeat("ż", 101)), "name");
}

TEST(RulesBoardName, KeepsInnerUnicode) {
  EXPECT_EQ(valid_name(with_name("Plansza żółta 🟢")),
            "Plansza żółta 🟢");
}

TEST(RulesBoardName, MustBeValidUtf8) {
  for (auto bad : {"\xff", "ab\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                   "\xF4\x90\x80\x80", "\x80",
                   "a\xE2\x82"
                   "b"})
    expect_board_error(with_name(bad), "name");
}

TEST(RulesBoardName, RejectsControlCharacters) {
  for (auto bad : {"a\x01"
                   "b",
                   "a\nb", "a\tb",
                   "a\x7f"
                   "b",
                   "a\u0085b", "a\u009Fb", "a\x1b[31mb"})
    expect_board_error(with_name(bad), "name");
  expect_board_error(with_name(std::string("a\0b", 3)), "name");
}

// -- board: sides
// --------------------------------------------------------------

TEST(RulesBoardSides, AcceptTwoToFifty) {
  for (int side : {2, 3, 50}) {
    auto d = with_dots(side, side, {{0, 0, "#ff0000"}, {1, 1, "#ff0000"}});
    auto r = validate_board(d);
    ASSERT_TRUE(r) << side;
    EXPECT_EQ(r.value().rows, side);
    EXPECT_EQ(r.value().cols, side);
  }
}

TEST(RulesBoardSides, RejectRowsOutOfRange) {
  for (int rows : {-1, 0, 1, 51, 1000})
    expect_board_error(
        with_dots(rows, 5, {{0, 0, "#ff0000"}, {1, 1, "#ff0000"}}), "rows");
}

TEST(RulesBoardSides, RejectColsOutOfRange) {
  for (int cols : {-1, 0, 1, 51, 1000})
    expect_board_error(
        with_dots(5, cols, {{0, 0, "#ff0000"}, {1, 1, "#ff0000"}}), "cols");
}

TEST(RulesBoardSides, NonSquareGridsAreFine) {
  EXPECT_TRUE(validate_board(
      with_dots(2, 50, {{0, 0, "#ff0000"}, {1, 49, "#ff0000"}})));
}

// -- board: dots
// ---------------------------------------------------------------

TEST(RulesBoardDots, NeedAtLeastOneColour) {
  expect_board_error(with_dots(5, 5, {}), "dots");
}

TEST(RulesBoardDots, OneColourIsEnough) {
  EXPECT_TRUE(
      validate_board(with_dots(2, 2, {{0, 0, "#ff0000"}, {1, 1, "#ff0000"}})));
}

TEST(RulesBoardDots, ColoursAreStoredLowerCase) {
  auto r =
      validate_board(with_dots(5, 5, {{0, 0, "#FF00aA"}, {1, 1, "#ff00Aa"}}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().dots[0].color, "#ff00aa");
  EXPECT_EQ(r.value().dots[1].color, "#ff00aa");
}

TEST(RulesBoardDots, ColourMustBeHashAndSixHexDigits) {
  for (auto bad : {"", "ff0000", "#ff000", "#ff00000", "#gg0000", "red",
                   "#ff 000", "ff0000#",
                   "#\xC5\xBC"
                   "0000"}) {
    expect_board_error(with_dots(5, 5,
                                 {{0, 0, "#ff0000"},
                                  {1, 1, "#ff0000"},
                                  {2, 2, bad},
                                  {3, 3, "#00ff00"}}),
                       "dots[2].color");
  }
}

TEST(RulesBoardDots, EveryColourNeedsTwoDots) {
  auto d = with_dots(5, 5,
                     {{0, 0, "#ff0000"}, {1, 1, "#00ff00"}, {2, 2, "#ff0000"}});
  expect_board_error(d, "dots[1].color");
}

TEST(RulesBoardDots, AColourUsedThreeTimesIsReportedAtTheThirdDot) {
  auto r = validate_board(with_dots(
      5, 5, {{0, 0, "#ff0000"}, {1, 1, "#ff0000"}, {2, 2, "#FF0000"}}));
  expect_error(r, "invalid_board", "dots[2].color");
  EXPECT_EQ(r.error().message, "dot 3: colour #ff0000 is used 3 times");
}

TEST(RulesBoardDots, ColoursDifferingOnlyInCaseArePaired) {
  EXPECT_TRUE(
      validate_board(with_dots(5, 5, {{0, 0, "#ABCDEF"}, {1, 1, "#abcdef"}})));
  expect_board_error(with_dots(5, 5,
                               {{0, 0, "#ABCDEF"},
                                {1, 1, "#abcdef"},
                                {2, 2, "#AbCdEf"},
                                {3, 3, "#abcdef"}}),
                     "dots[2].color");
}

TEST(RulesBoardDots, MustBeInsideTheGrid) {
  const std::vector<std::pair<int, int>> outside = {
      {-1, 0}, {0, -1}, {4, 0}, {0, 6}, {4, 6}, {1000000, 0}};
  for (auto [row, col] : outside)
    expect_board_error(with_dots(4, 6,
                                 {{0, 0, "#ff0000"},
                                  {1, 1, "#ff0000"},
                                  {2, 2, "#00ff00"},
                                  {row, col, "#00ff00"}}),
                       "dots[3]");
}

TEST(RulesBoardDots, CornersAreInsideTheGrid) {
  EXPECT_TRUE(validate_board(with_dots(4, 6,
                                       {{0, 0, "#ff0000"},
                                        {3, 5, "#ff0000"},
                                        {0, 5, "#00ff00"},
                                        {3, 0, "#00ff00"}})));
}

TEST(RulesBoardDots, MustNotShareACell) {
  expect_board_error(with_dots(5, 5,
                               {{0, 0, "#ff0000"},
                                {1, 1, "#ff0000"},
                                {2, 2, "#00ff00"},
                                {1, 1, "#00ff00"}}),
                     "dots[3]");
  expect_board_error(with_dots(5, 5, {{0, 0, "#ff0000"}, {0, 0, "#ff0000"}}),
                     "dots[1]");
}

// -- paths
// ---------------------------------------------------------------------

// R . . . R
// G . . . .
// . . B . B
// . . . . .
// . . . . G
board sample_board() {
  board b;
  b.id = 7;
  b.name = "Plansza";
  b.rows = 5;
  b.cols = 5;
  b.dots = {{0, 0, "#ff0000"}, {0, 4, "#ff0000"}, {1, 0, "#00ff00"},
            {4, 4, "#00ff00"}, {2, 2, "#0000ff"}, {2, 4, "#0000ff"}};
  return b;
}

segment red_full() {
  return {"#ff0000", {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}}};
}
segment green_full() {
  return {"#00ff00",
          {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {4, 1}, {4, 2}, {4, 3}, {4, 4}}};
}
segment blue_full() {
  return {"#0000ff", {{2, 2}, {2, 3}, {2, 4}}};
}

void expect_path_error(std::vector<segment> segments, std::string_view field) {
  expect_error(validate_path(sample_board(), std::move(segments)),
               "invalid_path", field);
}

TEST(RulesPath, AcceptsAFullSolution) {
  const std::vector<segment> s = {red_full(), green_full(), blue_full()};
  auto r = validate_path(sample_board(), s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value(), s);
}

TEST(RulesPath, AcceptsAnUnfinishedSegment) {
  auto r = validate_path(sample_board(), {{"#ff0000", {{0, 0}, {0, 1}}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().size(), 1u);
}

TEST(RulesPath, ColoursComeBackLowerCase) {
  auto r = validate_path(sample_board(), {{"#FF0000", {{0, 0}, {0, 1}}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((r.value())[0].color, "#ff0000");
  EXPECT_EQ((r.value())[0].cells, (std::vector<cell>{{0, 0}, {0, 1}}));
}

TEST(RulesPath, NeedsAtLeastOneSegment) {
  expect_path_error({}, "segments");
}

TEST(RulesPath, AllowsOneSegmentPerColour) {
  expect_path_error(
      {{"#ff0000", {{0, 0}}}, {"#00ff00", {{1, 0}}}, {"#FF0000", {{0, 4}}}},
      "segments[2].color");
}

TEST(RulesPath, ColourMustBeOnTheBoard) {
  expect_path_error({{"#ff0000", {{0, 0}}}, {"#123456", {{3, 3}}}},
                    "segments[1].color");
}

TEST(RulesPath, ColourMustBeAColour) {
  for (auto bad : {"", "red", "#ff00", "ff0000"})
    expect_path_error({{bad, {{0, 0}}}}, "segments[0].color");
}

TEST(RulesPath, SegmentNeedsACell) {
  expect_path_error({{"#ff0000", {{0, 0}}}, {"#00ff00", {}}},
                    "segments[1].cells");
}

TEST(RulesPath, OneCellSegmentOnItsDotIsFine) {
  EXPECT_TRUE(validate_path(sample_board(), {{"#00ff00", {{4, 4}}}}));
}

TEST(RulesPath, CellsMustBeInsideTheGrid) {
  expect_path_error({{"#ff0000", {{0, 0}, {-1, 0}}}}, "segments[0].cells[1]");
  expect_path_error({{"#ff0000", {{0, 4}, {0, 5}}}}, "segments[0].cells[1]");
  expect_path_error({{"#00ff00", {{4, 4}, {5, 4}}}}, "segments[0].cells[1]");
}

TEST(RulesPath, ConsecutiveCellsMustBeOrthogonalNeighbours) {
  expect_path_error({{"#ff0000", {{0, 0}, {1, 1}}}}, "segments[0].cells[1]");
  expect_path_error({{"#ff0000", {{0, 0}, {0, 1}, {0, 3}}}},
                    "segments[0].cells[2]");
  expect_path_error({{"#ff0000", {{0, 0}, {0, 0}}}}, "segments[0].cells[1]");
}

TEST(RulesPath, AllFourDirectionsAreNeighbours) {
  EXPECT_TRUE(validate_path(
      sample_board(), {{"#ff0000", {{0, 4}, {1, 4}, {1, 3}, {0, 3}, {0, 2}}}}));
  EXPECT_TRUE(validate_path(sample_board(),
                            {{"#00ff00", {{4, 4}, {3, 4}, {3, 3}, {4, 3}}}}));
}

TEST(RulesPath, ACellMayNotRepeatWithinASegment) {
  expect_path_error(
      {{"#ff0000", {{0, 0}, {0, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 1}}}},
      "segments[0].cells[5]");
}

TEST(RulesPath, SegmentsMayNotCrossOrOverlap) {
  expect_path_error(
      {{"#ff0000", {{0, 0}, {0, 1}, {1, 1}}}, {"#00ff00", {{1, 0}, {1, 1}}}},
      "segments[1].cells[1]");
}

TEST(RulesPath, MustStartOnOneOfItsDots) {
  expect_path_error({{"#ff0000", {{1, 1}, {0, 1}}}}, "segments[0].cells[0]");
  expect_path_error({{"#ff0000", {{1, 0}, {1, 1}}}}, "segments[0].cells[0]");
}

TEST(RulesPath, MayStartOnEitherDot) {
  EXPECT_TRUE(validate_path(sample_board(), {{"#ff0000", {{0, 4}, {0, 3}}}}));
  EXPECT_TRUE(validate_path(sample_board(), {{"#ff0000", {{0, 0}, {0, 1}}}}));
}

TEST(RulesPath, NeverEntersAnotherColoursDot) {
  expect_path_error({{"#ff0000", {{0, 0}, {1, 0}}}}, "segments[0].cells[1]");
  expect_path_error({{"#0000ff", {{2, 4}, {3, 4}, {4, 4}}}},
                    "segments[0].cells[2]");
}

TEST(RulesPath, StopsAtItsOtherDot) {
  auto red = red_full();
  red.cells.push_back({1, 4});
  expect_path_error({red}, "segments[0].cells[5]");
}

TEST(RulesPath, ReportsTheFirstBrokenRuleInOrder) {
  auto r = validate_path(sample_board(), {{"#ff0000", {{0, 0}, {0, 1}}},
                                          {"#00ff00", {{1, 0}, {2, 1}}},
                                          {"#abcdef", {}}});
  expect_error(r, "invalid_path", "segments[1].cells[1]");
}

// -- completeness
// ---------------------------------------------------------------

TEST(RulesComplete, TrueWhenEveryColourJoinsItsDots) {
  EXPECT_TRUE(
      is_complete(sample_board(), {red_full(), green_full(), blue_full()}));
}

TEST(RulesComplete, EitherDirectionCounts) {
  auto red = red_full();
  std::reverse(red.cells.begin(), red.cells.end());
  EXPECT_TRUE(is_complete(sample_board(), {blue_full(), red, green_full()}));
}

TEST(RulesComplete, FalseWithAnUnfinishedSegment) {
  auto green = green_full();
  green.cells.pop_back();
  EXPECT_FALSE(is_complete(sample_board(), {red_full(), green, blue_full()}));
}

TEST(RulesComplete, FalseWithAMissingColour) {
  EXPECT_FALSE(is_complete(sample_board(), {red_full(), green_full()}));
}

TEST(RulesComplete, FalseWithOneCellSegments) {
  EXPECT_FALSE(is_complete(sample_board(),
                           {red_full(), green_full(), {"#0000ff", {{2, 2}}}}));
}

TEST(RulesComplete, FalseForSegmentsWithoutCells) {
  EXPECT_FALSE(
      is_complete(sample_board(), {red_full(), green_full(), {"#0000ff", {}}}));
}

TEST(RulesComplete, FalseWhenAPairSitsOnOneCell) {
  board b = sample_board();
  b.dots = {{0, 0, "#ff0000"}, {0, 0, "#ff0000"}};
  EXPECT_FALSE(is_complete(b, {{"#ff0000", {{0, 0}}}}));
}

TEST(RulesComplete, FalseForABoardWithoutColours) {
  board b = sample_board();
  b.dots.clear();
  EXPECT_FALSE(is_complete(b, {}));
}

TEST(RulesComplete, AgreesWithValidatePath) {
  const auto b = sample_board();
  auto r = validate_path(
      b, {{"#FF0000", red_full().cells}, green_full(), blue_full()});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(is_complete(b, r.value()));
}

// -- accounts
// --------------------------------------------------------------------

TEST(RulesUsername, AcceptsAllowedCharacters) {
  for (const std::string& ok :
       {std::string("abc"), std::string("user.name-1_X"), std::string("A_B"),
        std::string("---"), std::string("a.b"), std::string(32, 'z')}) {
    auto r = validate_username(ok);
    ASSERT_TRUE(r) << ok;
    EXPECT_EQ(r.value(), ok);
  }
}

TEST(RulesUsername, RejectsTooShortOrTooLong) {
  for (std::string bad :
       {std::string(), std::string("ab"), std::string(33, 'z')})
    expect_error(validate_username(bad), "invalid_username", "username");
}

TEST(RulesUsername, RejectsOtherCharacters) {
  for (auto bad : {"a b", "abc!", "żółw", "abc\n", "ab@c", "a/bc", "abc\x7f",
                   "\xff\xfe\xfd"})
    expect_error(validate_username(bad), "invalid_username", "username");
}

TEST(RulesUsername, KeyIsAsciiLowerCase) {
  EXPECT_EQ(username_key("GraczY.Ab-C_9"), "graczy.ab-c_9");
  EXPECT_EQ(username_key("abc"), username_key("ABC"));
}

TEST(RulesPassword, AcceptsEightToOneHundredTwentyEightBytes) {
  for (std::size_t n : {8u, 64u, 128u})
    EXPECT_TRUE(validate_password(std::string(n, 'p'))) << n;
  EXPECT_TRUE(validate_password("żżżż")); // 8 bytes, 4 characters
}

TEST(RulesPassword, RejectsShortOrLong) {
  for (std::size_t n : {0u, 7u, 129u, 1000u})
    expect_error(validate_password(std::string(n, 'p')), "invalid_password",
                 "password");
  expect_error(validate_password("żżż"), "invalid_password", "password");
}

// -- what a board update means for its paths ----------------------------------

board_draft draft_of(const board& b) {
  return board_draft{b.name, b.rows, b.cols, b.dots};
}

TEST(RulesUpdate, RenamingKeepsThePaths) {
  auto d = draft_of(sample_board());
  d.name = "Inna nazwa";
  EXPECT_FALSE(update_drops_paths(sample_board(), d));
  EXPECT_FALSE(update_drops_paths(sample_board(), draft_of(sample_board())));
}

TEST(RulesUpdate, ANewSizeDropsThePaths) {
  auto rows = draft_of(sample_board());
  rows.rows = 6;
  EXPECT_TRUE(update_drops_paths(sample_board(), rows));
  auto cols = draft_of(sample_board());
  cols.cols = 4;
  EXPECT_TRUE(update_drops_paths(sample_board(), cols));
}

TEST(RulesUpdate, MovedRecolouredOrReorderedDotsDropThePaths) {
  auto moved = draft_of(sample_board());
  moved.dots[0].col = 1;
  EXPECT_TRUE(update_drops_paths(sample_board(), moved));
  auto recoloured = draft_of(sample_board());
  recoloured.dots[4].color = "#ffff00";
  recoloured.dots[5].color = "#ffff00";
  EXPECT_TRUE(update_drops_paths(sample_board(), recoloured));
  auto fewer = draft_of(sample_board());
  fewer.dots.resize(4);
  EXPECT_TRUE(update_drops_paths(sample_board(), fewer));
}

} // namespace
} // namespace dots::domain
