// JSON parse and serialise: every request body is parsed and every response
// body serialised through these.

#include "domain/json.hpp"
#include "micro_fixtures.hpp"

#include <benchmark/benchmark.h>
#include <string>

namespace {

using namespace dots;
namespace fx = bench::fixtures;

std::string draft_text(int side, int colours) {
  const auto d = fx::paired_draft(side, side, colours);
  return domain::serialize(domain::to_json(fx::board_of(d)));
}

std::string path_text(int side) {
  domain::path p;
  p.id = 456;
  p.board_id = 7;
  p.user_username = "graczY";
  p.segments = fx::snake_path(side);
  return domain::serialize(domain::to_json(p));
}

void parse_board_body(benchmark::State& state) {
  // Text to board_draft, as POST /api/boards does (parse, then map).
  const std::string text = draft_text(static_cast<int>(state.range(0)),
                                      static_cast<int>(state.range(1)));
  for (auto _ : state) {
    auto v = domain::parse_json(text);
    if (!v)
      state.SkipWithError("parse failed");
    auto d = domain::board_draft_from_json(v.value());
    if (!d)
      state.SkipWithError(d.error().message.c_str());
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(parse_board_body)->Args({5, 3})->Args({50, 1250});

void parse_path_body(benchmark::State& state) {
  const std::string text = path_text(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto v = domain::parse_json(text);
    if (!v)
      state.SkipWithError("parse failed");
    auto s = domain::segments_from_json(v.value());
    if (!s)
      state.SkipWithError(s.error().message.c_str());
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(parse_path_body)->Arg(10)->Arg(50);

void parse_malformed(benchmark::State& state) {
  const std::string text = R"({"name": "x", "rows": 5, "cols": 5, "dots": [)";
  for (auto _ : state) {
    auto v = domain::parse_json(text);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(parse_malformed);

void serialize_board(benchmark::State& state) {
  const auto b = fx::board_of(fx::paired_draft(
      static_cast<int>(state.range(0)), static_cast<int>(state.range(0)),
      static_cast<int>(state.range(1))));
  for (auto _ : state) {
    auto text = domain::serialize(domain::to_json(b));
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(serialize_board)->Args({5, 3})->Args({50, 1250});

void serialize_board_page(benchmark::State& state) {
  // GET /api/boards?limit=N of small boards.
  domain::board_page page;
  for (int i = 0; i < state.range(0); ++i) {
    auto b = fx::board_of(fx::paired_draft(5, 5, 3));
    b.id = 1000 - i;
    page.boards.push_back(std::move(b));
  }
  page.next = 1;
  for (auto _ : state) {
    auto text = domain::serialize(domain::to_json(page));
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(serialize_board_page)->Arg(50)->Arg(100);

void serialize_error(benchmark::State& state) {
  const auto e =
      domain::invalid("invalid_board", "dot 3: colour #ff0000 is used 3 times",
                      "dots[2].color");
  for (auto _ : state) {
    auto text = domain::serialize(domain::to_json(e));
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(serialize_error);

} // namespace
