// Broadcasting one frame to N in-process streams: the notifier's per-shard
// hand-off (stream_hub::deliver) over real loopback TCP connections. This is
// the per-stream cost of an event: one write(2) of the shared bytes.

#include "domain/sse.hpp"
#include "http/stream_hub.hpp"

#include <benchmark/benchmark.h>
#include <memory>
#include <span>
#include <vector>

namespace {

using namespace dots;
namespace net = boost::asio;
using tcp = net::ip::tcp;

/// N connected pairs: the server sides are streams of one hub, the client
/// sides are drained between measurements so the kernel buffers never fill.
struct fixture {
  net::io_context io{1};
  std::shared_ptr<http::stream_hub> hub;
  std::vector<std::shared_ptr<http::stream_writer>> streams;
  std::vector<http::stream_hub::membership> members;
  std::vector<tcp::socket> clients;

  explicit fixture(std::size_t n) {
    hub = std::make_shared<http::stream_hub>(io, http::stream_limits{});
    tcp::acceptor acceptor{io, {net::ip::make_address("127.0.0.1"), 0}};
    for (std::size_t i = 0; i < n; ++i) {
      tcp::socket client{io};
      client.connect(acceptor.local_endpoint());
      client.non_blocking(true);
      auto s = std::make_shared<http::stream_writer>(
          acceptor.accept(), http::stream_filter{}, *hub);
      members.push_back(hub->join(*s));
      s->go_live(0);
      streams.push_back(std::move(s));
      clients.push_back(std::move(client));
    }
  }

  ~fixture() {
    members.clear();
    for (auto& s : streams)
      s->close();
  }

  void drain() {
    char buf[65536];
    for (auto& c : clients) {
      boost::system::error_code ec;
      while (c.read_some(net::buffer(buf), ec) > 0 && !ec) {
      }
    }
  }
};

void broadcast_frame(benchmark::State& state) {
  auto n = static_cast<std::size_t>(state.range(0));
  fixture f{n};
  auto data = std::string{R"({"board_id":1,"board_name":"Plansza testowa",)"
                          R"("creator_username":"autorX"})"};
  std::int64_t id = 1;
  for (auto _ : state) {
    state.PauseTiming();
    auto frame = std::make_shared<const domain::frame>(
        domain::frame{id, domain::event_type::new_board, 1,
                      domain::encode_sse_event(id, "newBoard", data)});
    ++id;
    f.drain();
    state.ResumeTiming();
    f.hub->deliver(std::span<const domain::frame_ptr>{&frame, 1});
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  state.counters["frames_delivered"] =
      static_cast<double>(f.hub->frames_delivered.load());
}
BENCHMARK(broadcast_frame)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);

} // namespace
