#include "domain/json.hpp"

#include <gtest/gtest.h>
#include <limits>
#include <string>

namespace dots::domain {
namespace {

namespace json = boost::json;

json::value parsed(std::string_view text) {
  auto v = parse_json(text);
  EXPECT_TRUE(v) << text;
  return v ? std::move(v).value() : json::value{};
}

template <class T>
void expect_error(const result<T>& r, std::string_view code,
                  std::string_view field) {
  ASSERT_FALSE(r) << "expected " << code << " at " << field;
  EXPECT_EQ(r.error().kind, error_kind::invalid);
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().field, field);
  EXPECT_FALSE(r.error().message.empty());
}

// A valid board body with one member replaced by `member_json`.
json::value board_with(std::string_view member, std::string_view member_json) {
  auto v = parsed(R"({"name":"Plansza","rows":5,"cols":6,
      "dots":[{"row":0,"col":0,"color":"#ff0000"},
              {"row":4,"col":5,"color":"#FF0000"}]})");
  v.as_object()[member] = parsed(member_json);
  return v;
}

// -- parse_json ---------------------------------------------------------------

TEST(JsonParse, AcceptsAValueWithSurroundingWhitespace) {
  auto v = parse_json(" \n{\"a\": [1, 2]}\t ");
  ASSERT_TRUE(v);
  EXPECT_EQ(v.value().at("a").as_array().size(), 2u);
}

TEST(JsonParse, RejectsMalformedText) {
  for (auto text : {"", "   ", "{", "{\"a\":}", "[1,]", "{'a':1}", "nul",
                    "{\"a\":1,}", "// c\n{}"})
    expect_error(parse_json(text), "invalid_json", "");
}

TEST(JsonParse, RejectsTrailingGarbage) {
  for (auto text : {"{} x", "{}{}", "[1] [2]", "1 2", "{}\n,"})
    expect_error(parse_json(text), "invalid_json", "");
}

TEST(JsonParse, RejectsInvalidUtf8AndLoneSurrogates) {
  expect_error(parse_json("\"\xff\""), "invalid_json", "");
  expect_error(parse_json("\"\xC0\xAF\""), "invalid_json", "");
  expect_error(parse_json(R"("\ud800")"), "invalid_json", "");
}

TEST(JsonSerialize, AlwaysWritesJsonTextEvenForInfinity) {
  // Found by fuzzing (fuzz/sse_frame): Boost.JSON 1.81 reads 1e400 as
  // infinity and writes it as `Infinity`, which is no JSON (RFC 8259,
  // section 6). Any value read, written back, must parse.
  auto read = parse_json("[1e400, -1e400]");
  ASSERT_TRUE(read);
  EXPECT_EQ(serialize(read.value()), "[null,null]");
  json::value inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(serialize(inf), "null");
  json::value nested = json::object{
      {"a", json::array{1, -std::numeric_limits<double>::infinity(), 2.5}},
      {"b", std::numeric_limits<double>::quiet_NaN()}};
  EXPECT_EQ(serialize(nested), R"({"a":[1,null,2.5E0],"b":null})");
  EXPECT_TRUE(parse_json(serialize(nested)));
  EXPECT_EQ(serialize(json::array{1, 2}), "[1,2]");
}

TEST(JsonParse, RejectsDeepNesting) {
  expect_error(parse_json(std::string(1000, '[') + std::string(1000, ']')),
               "invalid_json", "");
}

// -- board_draft_from_json ----------------------------------------------------

TEST(JsonBoardDraft, ReadsAllMembers) {
  auto d = board_draft_from_json(board_with("extra", R"({"ignored":true})"));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d.value().name, "Plansza");
  EXPECT_EQ(d.value().rows, 5);
  EXPECT_EQ(d.value().cols, 6);
  ASSERT_EQ(d.value().dots.size(), 2u);
  EXPECT_EQ(d.value().dots[1],
            (dot{4, 5, "#FF0000"})); // rules normalise, not parsing
}

TEST(JsonBoardDraft, BodyMustBeAnObject) {
  for (auto text : {"[]", "\"board\"", "42", "null", "true"})
    expect_error(board_draft_from_json(parsed(text)), "invalid_type", "");
}

TEST(JsonBoardDraft, MissingMembersAreNamed) {
  for (auto member : {"name", "rows", "cols", "dots"}) {
    auto v = board_with("x", "0");
    v.as_object().erase(member);
    expect_error(board_draft_from_json(v), "invalid_type", member);
  }
}

TEST(JsonBoardDraft, NullCountsAsMissing) {
  expect_error(board_draft_from_json(board_with("name", "null")),
               "invalid_type", "name");
}

TEST(JsonBoardDraft, NameMustBeAString) {
  expect_error(board_draft_from_json(board_with("name", "12")), "invalid_type",
               "name");
  expect_error(board_draft_from_json(board_with("name", R"(["a"])")),
               "invalid_type", "name");
}

TEST(JsonBoardDraft, SidesMustBeIntegers) {
  for (auto bad : {R"("5")", "true", "[5]", "{}"})
    expect_error(board_draft_from_json(board_with("rows", bad)), "invalid_type",
                 "rows");
  expect_error(board_draft_from_json(board_with("cols", R"("6")")),
               "invalid_type", "cols");
}

TEST(JsonBoardDraft, NonIntegerNumbersAreRejected) {
  for (auto bad : {"2.5", "5.0", "5e0", "1E1", "-0.0"})
    expect_error(board_draft_from_json(board_with("rows", bad)), "invalid_type",
                 "rows");
}

TEST(JsonBoardDraft, NumbersBeyondIntAreRejected) {
  for (auto bad : {"1e400", "-1e400", "9223372036854775808",
                   "18446744073709551616", "-9223372036854775809", "2147483648",
                   "-2147483649", "99999999999999999999999"})
    expect_error(board_draft_from_json(board_with("cols", bad)), "invalid_type",
                 "cols");
}

TEST(JsonBoardDraft, NumbersAtTheEdgesOfIntAreRead) {
  // Out of the rules' range, but a type check is not a rule check.
  auto d = board_draft_from_json(board_with("rows", "2147483647"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d.value().rows, 2147483647);
  d = board_draft_from_json(board_with("rows", "-2147483648"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d.value().rows, -2147483648LL);
  d = board_draft_from_json(board_with("rows", "-0"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d.value().rows, 0);
}

TEST(JsonBoardDraft, DotsMustBeAnArrayOfObjects) {
  expect_error(board_draft_from_json(board_with("dots", "{}")), "invalid_type",
               "dots");
  expect_error(board_draft_from_json(board_with("dots", R"([{"row":0,"col":0,
      "color":"#ff0000"}, 3])")),
               "invalid_type", "dots[1]");
}

TEST(JsonBoardDraft, DotMembersAreNamedWithTheirIndex) {
  expect_error(board_draft_from_json(
                   board_with("dots", R"([{"row":0,"col":0,"color":"#ff0000"},
                               {"row":"1","col":0,"color":"#ff0000"}])")),
               "invalid_type", "dots[1].row");
  expect_error(board_draft_from_json(board_with(
                   "dots", R"([{"row":0,"col":1.5,"color":"#ff0000"}])")),
               "invalid_type", "dots[0].col");
  expect_error(board_draft_from_json(
                   board_with("dots", R"([{"row":0,"col":0,"color":255}])")),
               "invalid_type", "dots[0].color");
  expect_error(board_draft_from_json(
                   board_with("dots", R"([{"row":0,"color":"#ff0000"}])")),
               "invalid_type", "dots[0].col");
}

TEST(JsonBoardDraft, EmptyDotsAreLeftToTheRules) {
  auto d = board_draft_from_json(board_with("dots", "[]"));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d.value().dots.empty());
}

// -- segments_from_json -------------------------------------------------------

TEST(JsonSegments, ReadsSegmentsAndCells) {
  auto s = segments_from_json(parsed(R"({"segments":[
      {"color":"#ff0000","cells":[[0,0],[0,1],[1,1]]},
      {"color":"#00FF00","cells":[], "note":"ignored"}], "extra":1})"));
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s.value().size(), 2u);
  EXPECT_EQ((s.value())[0].color, "#ff0000");
  EXPECT_EQ((s.value())[0].cells, (std::vector<cell>{{0, 0}, {0, 1}, {1, 1}}));
  EXPECT_EQ((s.value())[1].color, "#00FF00");
  EXPECT_TRUE((s.value())[1].cells.empty());
}

TEST(JsonSegments, BodyMustBeAnObjectWithAnArray) {
  expect_error(segments_from_json(parsed("[]")), "invalid_type", "");
  expect_error(segments_from_json(parsed("{}")), "invalid_type", "segments");
  expect_error(segments_from_json(parsed(R"({"segments":{}})")), "invalid_type",
               "segments");
}

TEST(JsonSegments, SegmentShapesAreChecked) {
  expect_error(segments_from_json(parsed(R"({"segments":[1]})")),
               "invalid_type", "segments[0]");
  expect_error(segments_from_json(parsed(R"({"segments":[{"cells":[]}]})")),
               "invalid_type", "segments[0].color");
  expect_error(
      segments_from_json(parsed(R"({"segments":[{"color":1,"cells":[]}]})")),
      "invalid_type", "segments[0].color");
  expect_error(
      segments_from_json(parsed(R"({"segments":[{"color":"#ff0000","cells":[]},
                                          {"color":"#00ff00"}]})")),
      "invalid_type", "segments[1].cells");
  expect_error(segments_from_json(parsed(
                   R"({"segments":[{"color":"#ff0000","cells":"0,0"}]})")),
               "invalid_type", "segments[0].cells");
}

TEST(JsonSegments, CellsArePairsOfIntegers) {
  for (auto bad :
       {R"({"row":1,"col":1})", "[1]", "[1,2,3]", "[]", R"([1,"2"])", "[1,2.0]",
        "[1e400,0]", "[0,9223372036854775808]", "null", "7"}) {
    const std::string text =
        R"({"segments":[{"color":"#ff0000","cells":[[0,0],[0,1],)" +
        std::string(bad) + "]}]}";
    expect_error(segments_from_json(parsed(text)), "invalid_type",
                 "segments[0].cells[2]");
  }
}

// -- credentials_from_json ----------------------------------------------------

TEST(JsonCredentials, ReadsUsernameAndPassword) {
  auto c = credentials_from_json(
      parsed(R"({"username":"graczY","password":"sekret123","x":1})"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c.value().username, "graczY");
  EXPECT_EQ(c.value().password, "sekret123");
}

TEST(JsonCredentials, ShapesAreChecked) {
  expect_error(credentials_from_json(parsed(R"(["a","b"])")), "invalid_type",
               "");
  expect_error(credentials_from_json(parsed(R"({"password":"sekret123"})")),
               "invalid_type", "username");
  expect_error(
      credentials_from_json(parsed(R"({"username":"a","password":12345678})")),
      "invalid_type", "password");
  expect_error(credentials_from_json(parsed(R"({"username":null})")),
               "invalid_type", "username");
}

// -- to_json ------------------------------------------------------------------

board sample_board() {
  board b;
  b.id = 7;
  b.name = "Plansza testowa";
  b.rows = 5;
  b.cols = 5;
  b.dots = {{0, 0, "#ff0000"}, {4, 4, "#ff0000"}};
  b.creator_id = 3;
  b.creator_username = "autorX";
  b.created_at = "2026-11-26T12:00:00Z";
  b.updated_at = "2026-11-26T12:30:00Z";
  return b;
}

path sample_path() {
  path p;
  p.id = 456;
  p.board_id = 7;
  p.user_id = 9;
  p.user_username = "graczY";
  p.segments = {{"#ff0000", {{0, 0}, {0, 1}, {1, 1}}}};
  p.complete = false;
  p.created_at = "2026-11-26T12:00:00Z";
  p.updated_at = "2026-11-26T12:00:01Z";
  return p;
}

TEST(JsonToJson, BoardHasTheContractShape) {
  EXPECT_EQ(
      domain::serialize(to_json(sample_board())),
      R"({"id":7,"name":"Plansza testowa","rows":5,"cols":5,)"
      R"("dots":[{"row":0,"col":0,"color":"#ff0000"},{"row":4,"col":4,"color":"#ff0000"}],)"
      R"("creator_username":"autorX","created_at":"2026-11-26T12:00:00Z",)"
      R"("updated_at":"2026-11-26T12:30:00Z"})");
}

TEST(JsonToJson, PathHasTheContractShape) {
  EXPECT_EQ(domain::serialize(to_json(sample_path())),
            R"({"id":456,"board_id":7,"user_username":"graczY",)"
            R"("segments":[{"color":"#ff0000","cells":[[0,0],[0,1],[1,1]]}],)"
            R"("complete":false,"created_at":"2026-11-26T12:00:00Z",)"
            R"("updated_at":"2026-11-26T12:00:01Z"})");
}

TEST(JsonToJson, UserHasIdAndUsernameOnly) {
  EXPECT_EQ(domain::serialize(to_json(user{12, "graczY"})),
            R"({"id":12,"username":"graczY"})");
}

TEST(JsonToJson, BoardPageWithNext) {
  board_page page{{sample_board()}, 6};
  const auto v = to_json(page);
  ASSERT_EQ(v.at("boards").as_array().size(), 1u);
  EXPECT_EQ(v.at("boards").at(0), to_json(sample_board()));
  EXPECT_EQ(v.at("next").as_int64(), 6);
  EXPECT_EQ(domain::serialize(v).substr(0, 10), R"({"boards":)");
}

TEST(JsonToJson, BoardPageWithoutNextHasNull) {
  EXPECT_EQ(domain::serialize(to_json(board_page{})),
            R"({"boards":[],"next":null})");
}

TEST(JsonToJson, ErrorWithField) {
  EXPECT_EQ(domain::serialize(to_json(invalid(
                "invalid_board", "dot 3: colour #ff0000 is used 3 times",
                "dots[2].color"))),
            R"({"error":{"code":"invalid_board",)"
            R"("message":"dot 3: colour #ff0000 is used 3 times",)"
            R"("field":"dots[2].color"}})");
}

TEST(JsonToJson, ErrorWithoutFieldOmitsIt) {
  EXPECT_EQ(domain::serialize(to_json(not_found("no such board"))),
            R"({"error":{"code":"not_found","message":"no such board"}})");
}

// -- round trips --------------------------------------------------------------

TEST(JsonRoundTrip, BoardBackToDraft) {
  auto b = sample_board();
  b.name = "Plansza \"żółta\" 🟢\n\\";
  auto d = board_draft_from_json(parsed(domain::serialize(to_json(b))));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d.value().name, b.name);
  EXPECT_EQ(d.value().rows, b.rows);
  EXPECT_EQ(d.value().cols, b.cols);
  EXPECT_EQ(d.value().dots, b.dots);
}

TEST(JsonRoundTrip, PathBackToSegments) {
  auto p = sample_path();
  p.segments.push_back({"#00ff00", {{4, 4}}});
  auto s = segments_from_json(parsed(domain::serialize(to_json(p))));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s.value(), p.segments);
}

TEST(JsonRoundTrip, SerializeThenParseIsIdentity) {
  const auto v = to_json(sample_path());
  EXPECT_EQ(parsed(domain::serialize(v)), v);
  const auto text = domain::serialize(v);
  EXPECT_EQ(domain::serialize(parsed(text)), text);
}

TEST(JsonRoundTrip, SerializeIsCompactAndOneLine) {
  auto b = sample_board();
  b.name = "a\nb\r\tc";
  const auto text = domain::serialize(to_json(b));
  EXPECT_EQ(text.find_first_of("\r\n\t"), std::string::npos);
  EXPECT_EQ(text.find(": "), std::string::npos);
}

} // namespace
} // namespace dots::domain
