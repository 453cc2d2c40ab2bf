// SSE frame encoding: done once per event (then shared by every stream), and
// once per keep-alive tick.

#include "domain/events.hpp"
#include "domain/sse.hpp"
#include "micro_fixtures.hpp"

#include <benchmark/benchmark.h>
#include <chrono>
#include <string>

namespace {

using namespace dots;

/// A newBoard payload as the notifier makes it.
const std::string new_board_data =
    R"({"board_id":123456,"board_name":"Plansza testowa","creator_username":"autorX"})";

void encode_event(benchmark::State& state) {
  // Payloads padded to the requested size, single line: the common case.
  std::string data = new_board_data;
  data.resize(static_cast<std::size_t>(state.range(0)), 'x');
  std::int64_t id = 1;
  for (auto _ : state) {
    auto frame = domain::encode_sse_event(id++, "newBoard", data);
    benchmark::DoNotOptimize(frame);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(data.size()));
}
BENCHMARK(encode_event)->Arg(80)->Arg(1024)->Arg(16 * 1024);

void encode_event_multiline(benchmark::State& state) {
  // Every 64th byte a line break (a mix of LF, CRLF and CR): each starts a
  // new data: field.
  std::string data;
  for (int i = 0; static_cast<std::int64_t>(data.size()) < state.range(0); ++i)
    data += std::string(62, 'y') + (i % 3 == 0   ? "\n"
                                    : i % 3 == 1 ? "\r\n"
                                                 : "\r");
  std::int64_t id = 1;
  for (auto _ : state) {
    auto frame = domain::encode_sse_event(id++, "newBoard", data);
    benchmark::DoNotOptimize(frame);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(data.size()));
}
BENCHMARK(encode_event_multiline)->Arg(1024)->Arg(16 * 1024);

void encode_keepalive(benchmark::State& state) {
  for (auto _ : state) {
    auto frame = domain::encode_sse_comment("keep-alive");
    benchmark::DoNotOptimize(frame);
  }
}
BENCHMARK(encode_keepalive);

void encode_retry(benchmark::State& state) {
  for (auto _ : state) {
    auto frame = domain::encode_sse_retry(std::chrono::milliseconds(3000));
    benchmark::DoNotOptimize(frame);
  }
}
BENCHMARK(encode_retry);

void board_event_then_frame(benchmark::State& state) {
  // The whole per-event work before fan-out: payload, then frame.
  const auto b =
      bench::fixtures::board_of(bench::fixtures::paired_draft(5, 5, 3));
  std::int64_t id = 1;
  for (auto _ : state) {
    auto ev = domain::board_event(domain::event_type::new_board, b);
    auto frame = domain::encode_sse_event(id++, domain::event_name(ev.type),
                                          domain::event_data(ev));
    benchmark::DoNotOptimize(frame);
  }
}
BENCHMARK(board_event_then_frame);

} // namespace
