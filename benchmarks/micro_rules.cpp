// Board and path validation: run on every POST/PUT of a board or path, on
// the request path before anything is stored.

#include "domain/rules.hpp"
#include "micro_fixtures.hpp"

#include <benchmark/benchmark.h>

namespace {

using namespace dots;
namespace fx = bench::fixtures;

void validate_board(benchmark::State& state) {
  // range(0): side of the square grid; range(1): number of colours.
  const auto side = static_cast<int>(state.range(0));
  const auto draft =
      fx::paired_draft(side, side, static_cast<int>(state.range(1)));
  for (auto _ : state) {
    // validate_board takes its draft by value, as the handler moves it in;
    // the copy is part of what is measured here.
    auto r = domain::validate_board(draft);
    if (!r)
      state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(validate_board)->Args({5, 3})->Args({20, 50})->Args({50, 1250});

void validate_board_invalid(benchmark::State& state) {
  // A colour used three times: the rule most likely to be hit by mistake.
  auto draft = fx::paired_draft(10, 10, 10);
  draft.dots.push_back({9, 9, fx::colour(0)});
  for (auto _ : state) {
    auto r = domain::validate_board(draft);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(validate_board_invalid);

void validate_path_pairs(benchmark::State& state) {
  const auto side = static_cast<int>(state.range(0));
  const auto b = fx::board_of(
      fx::paired_draft(side, side, static_cast<int>(state.range(1))));
  const auto segments = fx::paired_path(b);
  for (auto _ : state) {
    auto r = domain::validate_path(b, segments);
    if (!r)
      state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(validate_path_pairs)->Args({5, 3})->Args({50, 1250});

void validate_path_snake(benchmark::State& state) {
  // One segment through every cell: the longest path a board allows.
  const auto side = static_cast<int>(state.range(0));
  const auto b = fx::snake_board(side);
  const auto segments = fx::snake_path(side);
  for (auto _ : state) {
    auto r = domain::validate_path(b, segments);
    if (!r)
      state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * side * side);
}
BENCHMARK(validate_path_snake)->Arg(10)->Arg(50);

void is_complete_snake(benchmark::State& state) {
  const auto b = fx::snake_board(50);
  const auto segments = fx::snake_path(50);
  for (auto _ : state)
    benchmark::DoNotOptimize(domain::is_complete(b, segments));
}
BENCHMARK(is_complete_snake);

void validate_username(benchmark::State& state) {
  for (auto _ : state) {
    auto r = domain::validate_username("Gracz_Y.2026-ab");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(validate_username);

} // namespace
