#include "storage/json_columns.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <limits>

namespace dots::storage {

namespace json = boost::json;

namespace {

// Every accessor below checks the kind before reading, so a damaged or
// foreign column yields nullopt instead of an exception or a wrong value.

std::optional<int> as_int(const json::value* v) {
  if (!v)
    return std::nullopt;
  if (const auto* i = v->if_int64(); i &&
                                     *i >= std::numeric_limits<int>::min() &&
                                     *i <= std::numeric_limits<int>::max())
    return static_cast<int>(*i);
  return std::nullopt;
}

std::optional<std::string> as_string(const json::value* v) {
  if (!v)
    return std::nullopt;
  if (const auto* s = v->if_string())
    return std::string(s->data(), s->size());
  return std::nullopt;
}

const json::array* parse_array(std::string_view text, json::value& holder) {
  boost::system::error_code ec;
  holder = json::parse(text, ec);
  if (ec)
    return nullptr;
  return holder.if_array();
}

} // namespace

std::string encode_dots(const std::vector<domain::dot>& dots) {
  json::array arr;
  arr.reserve(dots.size());
  for (const auto& d : dots)
    arr.push_back(
        json::object{{"row", d.row}, {"col", d.col}, {"color", d.color}});
  return json::serialize(arr);
}

std::optional<std::vector<domain::dot>> decode_dots(std::string_view text) {
  json::value holder;
  const auto* arr = parse_array(text, holder);
  if (!arr)
    return std::nullopt;
  std::vector<domain::dot> out;
  out.reserve(arr->size());
  for (const auto& item : *arr) {
    const auto* obj = item.if_object();
    if (!obj)
      return std::nullopt;
    auto row = as_int(obj->if_contains("row"));
    auto col = as_int(obj->if_contains("col"));
    auto color = as_string(obj->if_contains("color"));
    if (!row || !col || !color)
      return std::nullopt;
    out.push_back(domain::dot{*row, *col, std::move(*color)});
  }
  return out;
}

std::string encode_segments(const std::vector<domain::segment>& segments) {
  json::array arr;
  arr.reserve(segments.size());
  for (const auto& s : segments) {
    json::array cells;
    cells.reserve(s.cells.size());
    for (const auto& c : s.cells)
      cells.push_back(json::array{c.row, c.col});
    arr.push_back(
        json::object{{"color", s.color}, {"cells", std::move(cells)}});
  }
  return json::serialize(arr);
}

std::optional<std::vector<domain::segment>>
decode_segments(std::string_view text) {
  json::value holder;
  const auto* arr = parse_array(text, holder);
  if (!arr)
    return std::nullopt;
  std::vector<domain::segment> out;
  out.reserve(arr->size());
  for (const auto& item : *arr) {
    const auto* obj = item.if_object();
    if (!obj)
      return std::nullopt;
    auto color = as_string(obj->if_contains("color"));
    const auto* cells_v = obj->if_contains("cells");
    const auto* cells = cells_v ? cells_v->if_array() : nullptr;
    if (!color || !cells)
      return std::nullopt;
    domain::segment seg{std::move(*color), {}};
    seg.cells.reserve(cells->size());
    for (const auto& c : *cells) {
      const auto* pair = c.if_array();
      if (!pair || pair->size() != 2)
        return std::nullopt;
      auto row = as_int(&(*pair)[0]);
      auto col = as_int(&(*pair)[1]);
      if (!row || !col)
        return std::nullopt;
      seg.cells.push_back(domain::cell{*row, *col});
    }
    out.push_back(std::move(seg));
  }
  return out;
}

} // namespace dots::storage
