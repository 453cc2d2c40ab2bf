#include "domain/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <limits>
#include <optional>

namespace dots::domain {

namespace json = boost::json;

namespace {

error type_error(std::string field, std::string message) {
  return invalid("invalid_type", std::move(message), std::move(field));
}

std::string index_field(std::string_view base, std::size_t i) {
  std::string f(base);
  f += '[';
  f += std::to_string(i);
  f += ']';
  return f;
}

std::string member_field(std::string_view base, std::string_view name) {
  if (base.empty())
    return std::string(name);
  std::string f(base);
  f += '.';
  f += name;
  return f;
}

// Only integer kinds count: 5.0 is a double to Boost.JSON, and accepting it
// would mean accepting 5.5 or 1e400 (parsed as infinity) by rounding.
std::optional<int> as_int(const json::value& v) {
  constexpr auto lo = std::numeric_limits<int>::min();
  constexpr auto hi = std::numeric_limits<int>::max();
  if (const auto* i = v.if_int64())
    if (*i >= lo && *i <= hi)
      return static_cast<int>(*i);
  if (const auto* u = v.if_uint64())
    if (*u <= static_cast<std::uint64_t>(hi))
      return static_cast<int>(*u);
  return std::nullopt;
}

// The members of one object, each looked up with its full field name so
// that every error points at the exact place in the body.
class members {
public:
  members(const json::object& obj, std::string base)
      : obj_(obj)
      , base_(std::move(base)) {}

  result<const json::value*> get(std::string_view name) const {
    const auto* v = obj_.if_contains(name);
    if (v == nullptr || v->is_null())
      return type_error(member_field(base_, name),
                        member_field(base_, name) + " is missing");
    return v;
  }

  result<int> get_int(std::string_view name) const {
    BOOST_OUTCOME_TRY(auto v, get(name));
    if (auto i = as_int(*v))
      return *i;
    return type_error(member_field(base_, name),
                      member_field(base_, name) +
                          " must be a whole number that fits in 32 bits");
  }

  result<std::string> get_string(std::string_view name) const {
    BOOST_OUTCOME_TRY(auto v, get(name));
    if (const auto* s = v->if_string())
      return std::string(s->data(), s->size());
    return type_error(member_field(base_, name),
                      member_field(base_, name) + " must be a string");
  }

  result<const json::array*> get_array(std::string_view name) const {
    BOOST_OUTCOME_TRY(auto v, get(name));
    if (const auto* a = v->if_array())
      return a;
    return type_error(member_field(base_, name),
                      member_field(base_, name) + " must be an array");
  }

private:
  const json::object& obj_;
  std::string base_;
};

result<const json::object*> body_object(const json::value& v) {
  if (const auto* o = v.if_object())
    return o;
  return type_error({}, "the body must be a JSON object");
}

result<const json::object*> element_object(const json::value& v,
                                           const std::string& field) {
  if (const auto* o = v.if_object())
    return o;
  return type_error(field, field + " must be an object");
}

result<dot> dot_from_json(const json::value& v, const std::string& field) {
  BOOST_OUTCOME_TRY(auto obj, element_object(v, field));
  const members m(*obj, field);
  BOOST_OUTCOME_TRY(auto row, m.get_int("row"));
  BOOST_OUTCOME_TRY(auto col, m.get_int("col"));
  BOOST_OUTCOME_TRY(auto color, m.get_string("color"));
  return dot{row, col, std::move(color)};
}

result<cell> cell_from_json(const json::value& v, const std::string& field) {
  const auto* arr = v.if_array();
  std::optional<int> row, col;
  if (arr != nullptr && arr->size() == 2) {
    row = as_int((*arr)[0]);
    col = as_int((*arr)[1]);
  }
  if (!row || !col)
    return type_error(field, field + " must be [row, col] with whole numbers");
  return cell{*row, *col};
}

result<segment> segment_from_json(const json::value& v,
                                  const std::string& field) {
  BOOST_OUTCOME_TRY(auto obj, element_object(v, field));
  const members m(*obj, field);
  BOOST_OUTCOME_TRY(auto color, m.get_string("color"));
  BOOST_OUTCOME_TRY(auto cells, m.get_array("cells"));
  segment seg{std::move(color), {}};
  seg.cells.reserve(cells->size());
  const auto cells_field = field + ".cells";
  for (std::size_t i = 0; i < cells->size(); ++i) {
    BOOST_OUTCOME_TRY(auto c,
                      cell_from_json((*cells)[i], index_field(cells_field, i)));
    seg.cells.push_back(c);
  }
  return seg;
}

json::array cell_array(const cell& c) {
  return json::array{c.row, c.col};
}

/// Whether `v` holds a number that is not finite anywhere inside. Boost.JSON
/// 1.81 reads a number past the range of a double (`1e400`) as infinity and
/// writes infinity as `Infinity`, which is no JSON (RFC 8259, section 6).
/// The parser's depth limit bounds the recursion.
bool has_non_finite(const json::value& v) {
  switch (v.kind()) {
  case json::kind::double_:
    return !std::isfinite(v.get_double());
  case json::kind::array:
    for (const auto& e : v.get_array())
      if (has_non_finite(e))
        return true;
    return false;
  case json::kind::object:
    for (const auto& m : v.get_object())
      if (has_non_finite(m.value()))
        return true;
    return false;
  default:
    return false;
  }
}

/// `v` with every non-finite number replaced by null, as ECMAScript's
/// JSON.stringify writes them.
void null_non_finite(json::value& v) {
  switch (v.kind()) {
  case json::kind::double_:
    if (!std::isfinite(v.get_double()))
      v = nullptr;
    return;
  case json::kind::array:
    for (auto& e : v.get_array())
      null_non_finite(e);
    return;
  case json::kind::object:
    for (auto& m : v.get_object())
      null_non_finite(m.value());
    return;
  default:
    return;
  }
}

} // namespace

result<json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  // parse() runs the whole input through one parser, so text after the first
  // value ("{} x") is an error too, not silently dropped.
  auto v = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec)
    return invalid("invalid_json", "malformed JSON: " + ec.message());
  return v;
}

result<board_draft> board_draft_from_json(const json::value& v) {
  BOOST_OUTCOME_TRY(auto obj, body_object(v));
  const members m(*obj, {});
  BOOST_OUTCOME_TRY(auto name, m.get_string("name"));
  BOOST_OUTCOME_TRY(auto rows, m.get_int("rows"));
  BOOST_OUTCOME_TRY(auto cols, m.get_int("cols"));
  BOOST_OUTCOME_TRY(auto dots, m.get_array("dots"));
  board_draft draft{std::move(name), rows, cols, {}};
  draft.dots.reserve(dots->size());
  for (std::size_t i = 0; i < dots->size(); ++i) {
    BOOST_OUTCOME_TRY(auto d,
                      dot_from_json((*dots)[i], index_field("dots", i)));
    draft.dots.push_back(std::move(d));
  }
  return draft;
}

result<std::vector<segment>> segments_from_json(const json::value& v) {
  BOOST_OUTCOME_TRY(auto obj, body_object(v));
  const members m(*obj, {});
  BOOST_OUTCOME_TRY(auto arr, m.get_array("segments"));
  std::vector<segment> segments;
  segments.reserve(arr->size());
  for (std::size_t i = 0; i < arr->size(); ++i) {
    BOOST_OUTCOME_TRY(auto s,
                      segment_from_json((*arr)[i], index_field("segments", i)));
    segments.push_back(std::move(s));
  }
  return segments;
}

result<credentials> credentials_from_json(const json::value& v) {
  BOOST_OUTCOME_TRY(auto obj, body_object(v));
  const members m(*obj, {});
  BOOST_OUTCOME_TRY(auto username, m.get_string("username"));
  BOOST_OUTCOME_TRY(auto password, m.get_string("password"));
  return credentials{std::move(username), std::move(password)};
}

json::value to_json(const board& b) {
  json::array dots;
  dots.reserve(b.dots.size());
  for (const auto& d : b.dots)
    dots.push_back(
        json::object{{"row", d.row}, {"col", d.col}, {"color", d.color}});
  json::object o;
  o["id"] = b.id;
  o["name"] = b.name;
  o["rows"] = b.rows;
  o["cols"] = b.cols;
  o["dots"] = std::move(dots);
  o["creator_username"] = b.creator_username;
  o["created_at"] = b.created_at;
  o["updated_at"] = b.updated_at;
  return o;
}

json::value to_json(const path& p) {
  json::array segments;
  segments.reserve(p.segments.size());
  for (const auto& s : p.segments) {
    json::array cells;
    cells.reserve(s.cells.size());
    for (const auto& c : s.cells)
      cells.push_back(cell_array(c));
    json::object seg;
    seg["color"] = s.color;
    seg["cells"] = std::move(cells);
    segments.push_back(std::move(seg));
  }
  json::object o;
  o["id"] = p.id;
  o["board_id"] = p.board_id;
  o["user_username"] = p.user_username;
  o["segments"] = std::move(segments);
  o["complete"] = p.complete;
  o["created_at"] = p.created_at;
  o["updated_at"] = p.updated_at;
  return o;
}

json::value to_json(const user& u) {
  json::object o;
  o["id"] = u.id;
  o["username"] = u.username;
  return o;
}

json::value to_json(const board_page& page) {
  json::array boards;
  boards.reserve(page.boards.size());
  for (const auto& b : page.boards)
    boards.push_back(to_json(b));
  json::object o;
  o["boards"] = std::move(boards);
  if (page.next != 0)
    o["next"] = page.next;
  else
    o["next"] = nullptr;
  return o;
}

json::value to_json(const error& e) {
  json::object inner;
  inner["code"] = e.code;
  inner["message"] = e.message;
  if (!e.field.empty())
    inner["field"] = e.field;
  json::object o;
  o["error"] = std::move(inner);
  return o;
}

std::string serialize(const json::value& v) {
  if (!has_non_finite(v))
    return json::serialize(v);
  auto copy = v;
  null_non_finite(copy);
  return json::serialize(copy);
}

} // namespace dots::domain
