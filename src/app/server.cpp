#include "app/server.hpp"

#include "actors/spawn.hpp"
#include "http/context.hpp"
#include "http/listener.hpp"
#include "http/shard.hpp"
#include "security/credentials.hpp"
#include "storage/database.hpp"
#include "storage/pg_listener.hpp"
#include "storage/sqlite_lock.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <csignal>
#include <iostream>
#include <memory>
#include <sys/resource.h>
#include <thread>

namespace dots::app {

namespace {

using http::net::ip::tcp;

/// Raises the soft descriptor limit to the hard one (streams are sockets)
/// and returns it.
std::size_t raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    auto wanted = lim;
    wanted.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &wanted) == 0)
      lim = wanted;
  }
  return lim.rlim_cur == RLIM_INFINITY ? 1'000'000
                                       : static_cast<std::size_t>(lim.rlim_cur);
}

/// The stream cap: the descriptors minus a reserve for the database, the
/// listener and ordinary HTTP connections, so ordinary requests keep working
/// when the streams are at their cap.
std::size_t default_max_streams(std::size_t descriptors) {
  constexpr std::size_t reserve = 500;
  return descriptors > 2 * reserve ? descriptors - reserve : descriptors / 2;
}

std::optional<tcp::endpoint> resolve(const std::string& host,
                                     std::uint16_t port) {
  http::net::io_context io;
  tcp::resolver resolver{io};
  boost::system::error_code ec;
  auto results =
      resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty())
    return std::nullopt;
  return results.begin()->endpoint();
}

std::string url_of(const tcp::endpoint& ep) {
  auto addr = ep.address();
  auto host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return "http://" + host + ":" + std::to_string(ep.port()) + "/";
}

/// The folder of the running executable ("" when /proc is not mounted).
std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path{} : exe.parent_path();
}

/// The browser app's folder. `--web-dir` when given: it must hold
/// index.html, or the start fails (kind `invalid`: a mistake on the command
/// line, exit 2). Otherwise found next to the executable, never through the
/// current directory: `<bin>/../share/dots/web` where `cmake --install` and
/// the Debian package put it, then `<bin>/web`, which the build tree links
/// to web/dist. Empty when neither holds an app: the API still runs.
domain::result<std::filesystem::path> web_dir_of(const options& opts) {
  std::error_code ec;
  if (!opts.web_dir.empty()) {
    const std::filesystem::path dir{opts.web_dir};
    if (!std::filesystem::is_regular_file(dir / "index.html", ec))
      return domain::invalid(
          "bad_web_dir",
          "--web-dir " + opts.web_dir +
              (std::filesystem::is_directory(dir, ec)
                   ? " holds no index.html: build the browser app there "
                     "(npm run build in web/) or leave --web-dir out"
                   : " does not exist"),
          "web-dir");
    return dir;
  }
  const auto bin = executable_dir();
  if (bin.empty())
    return std::filesystem::path{};
  for (const auto& dir :
       {bin.parent_path() / "share" / "dots" / "web", bin / "web"})
    if (std::filesystem::is_regular_file(dir / "index.html", ec))
      return dir.lexically_normal();
  return std::filesystem::path{};
}

using store_ptr = std::shared_ptr<storage::store>;

/// A store on `where`; the error names the database (without its
/// password) and what went wrong.
domain::result<store_ptr> connect(const storage::database_location& where,
                                  const storage::connection_limits& limits) {
  auto s = storage::open_store(where, limits);
  if (!s)
    return domain::internal_error("cannot open the database " +
                                  storage::redacted(where) + ": " +
                                  s.error().message);
  return store_ptr{std::move(s).value()};
}

/// The retained events at start: the newest `retention` ids, read in
/// batches, and the newest id ever written.
domain::result<storage::event_slice> load_retained(storage::store& store,
                                                   std::int64_t retention) {
  auto head = store.events_after(0, 0);
  if (!head)
    return domain::internal_error("cannot read the event log: " +
                                  head.error().message);
  storage::event_slice out;
  out.latest_id = head.value().latest_id;
  auto after = std::max<std::int64_t>(0, head.value().latest_id - retention);
  for (;;) {
    constexpr int batch = 5000;
    auto slice = store.events_after(after, batch);
    if (!slice)
      return domain::internal_error("cannot read the event log: " +
                                    slice.error().message);
    for (auto& ev : slice.value().events) {
      // Rows written after `head` was read belong to the notifier's first
      // read of the log, not to the starting state.
      if (ev.id > out.latest_id)
        return out;
      after = ev.id;
      out.events.push_back(std::move(ev));
    }
    if (slice.value().events.size() < static_cast<std::size_t>(batch))
      return out;
  }
}

/// The CAF workers: `--actor-threads`, or the cores up to two. The actors
/// that do I/O are detached (threads of their own); the pool runs the
/// notifier and the timer, and more workers than cores would only take
/// time from the I/O threads.
unsigned actor_workers(const options& opts) {
  if (opts.actor_threads != 0)
    return opts.actor_threads;
  return std::clamp(std::thread::hardware_concurrency(), 1u, 2u);
}

caf::actor_system_config& configure(caf::actor_system_config& cfg,
                                    const options& opts) {
  cfg.set("scheduler.max-threads", actor_workers(opts));
  // Workers that sleep on a condition variable instead of polling: the
  // actors here see a few messages per event, and CAF's default stealing
  // workers either burn CPU polling or, once relaxed, pick a new message up
  // only after a 10 ms nap, which adds to every request and every event.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  return cfg;
}

domain::error start_failure(std::string message) {
  return domain::error{
      domain::error_kind::internal, "start_failed", std::move(message), {}};
}

} // namespace

/// Everything a started server holds. Members are destroyed in reverse
/// order: the listener and the shards (with the coroutines still on them)
/// before the actor system, whose destructor waits for every actor.
struct server::running {
  explicit running(const options& opts)
      : sys(configure(cfg, opts)) {}
  ~running() { shut_down(std::chrono::milliseconds{0}); }

  /// SQLite only: the file's lock, let go after everything else (the
  /// actors' connections) has closed.
  storage::sqlite_lock db_lock;
  caf::actor_system_config cfg; ///< CAF keeps a reference: declared first
  caf::actor_system sys;
  std::vector<std::unique_ptr<http::shard>> shards;
  std::unique_ptr<http::app_context> ctx;
  std::vector<caf::actor> actors; ///< every long-lived actor, for exit
  std::unique_ptr<storage::pg_listener> bus;
  std::unique_ptr<http::listener> listener;
  bool shards_started = false;
  bool down = false;

  void shut_down(std::chrono::milliseconds grace);
};

void server::running::shut_down(std::chrono::milliseconds grace) {
  if (down)
    return;
  down = true;
  if (ctx) {
    ctx->ready = false;
    ctx->draining = true;
  }
  if (listener)
    listener->stop();
  if (bus)
    bus->stop();
  if (shards_started) {
    // Each shard ends its streams and idle connections on its own thread,
    // then runs until what is left (requests in flight) has completed.
    for (auto& s : shards) {
      http::net::post(s->io(), [&s = *s] {
        s.hub->close_all();
        s.close_idle();
      });
      s->finish();
    }
    const auto deadline = std::chrono::steady_clock::now() + grace;
    std::size_t late = 0;
    for (auto& s : shards)
      if (!s->wait_until(deadline))
        late += s->sessions.load();
    if (late > 0)
      log::warn(late, " connections still open at the deadline; closing them");
    for (auto& s : shards)
      s->stop();
    for (auto& s : shards)
      s->join();
  }
  // The actors close their database connections as they exit.
  bus.reset();
  for (auto& a : actors)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  actors.clear();
  sys.await_all_actors_done();
}

server::server(options opts)
    : opts_(std::move(opts)) {}

server::~server() {
  stop(std::chrono::milliseconds{0});
}

domain::result<void> server::start() {
  if (run_)
    return start_failure("the server is already started");
  const auto& opts = opts_;
  auto endpoint = resolve(opts.listen_host, opts.listen_port);
  if (!endpoint)
    // A name that does not resolve is a mistake in --listen: exit 2.
    return domain::invalid(
        "bad_listen_address",
        "cannot resolve the listen address " + opts.listen_host, "listen");
  BOOST_OUTCOME_TRY(const auto web_dir, web_dir_of(opts));

  // -- database ---------------------------------------------------------------
  BOOST_OUTCOME_TRY(auto where, storage::parse_database_location(opts.db));
  const bool postgres = where.kind == storage::backend::postgres;
  const storage::connection_limits db_limits{
      std::chrono::seconds{opts.db_connect_timeout_seconds},
      std::chrono::milliseconds{opts.db_statement_timeout_ms}};
  log::info("opening database ", storage::redacted(where), " (",
            postgres ? "PostgreSQL" : "SQLite", ", schema version ",
            storage::schema_version(where.kind), ")");
  // Before any connection: a second server on the same file stops here.
  storage::sqlite_lock db_lock;
  if (!postgres) {
    BOOST_OUTCOME_TRY(db_lock, storage::sqlite_lock::acquire(where.target));
  }
  BOOST_OUTCOME_TRY(auto accounts_store, connect(where, db_limits));
  if (auto trimmed = accounts_store->trim_events(opts.event_retention);
      !trimmed)
    log::warn("cannot trim the event log: ", trimmed.error().message);
  BOOST_OUTCOME_TRY(auto retained,
                    load_retained(*accounts_store, opts.event_retention));
  log::info("event log: ", retained.events.size(),
            " retained events, latest id ", retained.latest_id);
  // One connection per persistence actor and one for reading the log: the
  // database serialises their writes and lets them read meanwhile.
  BOOST_OUTCOME_TRY(auto boards_store, connect(where, db_limits));
  BOOST_OUTCOME_TRY(auto paths_store, connect(where, db_limits));
  BOOST_OUTCOME_TRY(auto log_store, connect(where, db_limits));

  // -- actors and I/O ---------------------------------------------------------
  auto run = std::make_unique<running>(opts);
  run->db_lock = std::move(db_lock);
  auto& sys = run->sys;
  const auto threads = opts.threads != 0
                           ? opts.threads
                           : std::max(1u, std::thread::hardware_concurrency());
  const auto descriptors = raise_descriptor_limit();
  auto metrics = std::make_shared<server_metrics>();
  http::stream_limits limits{
      opts.stream_queue_frames, opts.stream_queue_bytes,
      std::chrono::seconds{opts.stream_write_timeout_seconds}};
  std::vector<std::shared_ptr<actors::frame_sink>> sinks;
  std::vector<std::shared_ptr<http::stream_hub>> hubs;
  for (unsigned i = 0; i < threads; ++i) {
    auto& s = run->shards.emplace_back(std::make_unique<http::shard>());
    s->hub = std::make_shared<http::stream_hub>(s->io(), limits);
    // Before the shard's thread runs: nothing else touches the hub yet.
    s->hub->start_stall_checks();
    sinks.push_back(s->hub);
    hubs.push_back(s->hub);
  }
  actors::notifier_config ncfg;
  ncfg.retention = static_cast<std::size_t>(opts.event_retention);
  ncfg.metrics = metrics;
  auto event_log = actors::spawn_event_log(sys, std::move(log_store));
  auto notifier = actors::spawn_notifier(sys, std::move(sinks), event_log,
                                         std::move(retained.events),
                                         retained.latest_id, ncfg);
  actors::retention_config rcfg{opts.event_retention};
  // Hashes run apart, half the cores by default: each takes a core for
  // about 0.2 s, and the I/O threads and the actors need the rest.
  const actors::hash_pool_config hashing{
      opts.hash_threads != 0
          ? opts.hash_threads
          : std::max(1u, std::thread::hardware_concurrency() / 2),
      opts.hash_queue};
  log::info(hashing.threads, " password-hash threads, up to ", hashing.queue,
            " hashes waiting");
  auto accounts = actors::spawn_accounts(
      sys, std::move(accounts_store),
      actors::accounts_config{opts.login_limit, security::session_lifetime,
                              hashing});
  auto boards =
      actors::spawn_boards(sys, std::move(boards_store), notifier, rcfg);
  auto paths = actors::spawn_paths(sys, std::move(paths_store), notifier, rcfg);
  auto timer = actors::spawn_timer(
      sys, notifier, std::chrono::seconds{opts.keepalive_seconds},
      std::chrono::milliseconds{opts.event_poll_ms});
  // Exit order does not matter: each finishes the message it is on.
  for (auto a :
       {caf::actor_cast<caf::actor>(timer),
        caf::actor_cast<caf::actor>(event_log),
        caf::actor_cast<caf::actor>(accounts),
        caf::actor_cast<caf::actor>(boards), caf::actor_cast<caf::actor>(paths),
        caf::actor_cast<caf::actor>(notifier)})
    run->actors.push_back(std::move(a));

  run->ctx = std::make_unique<http::app_context>(sys, accounts, boards, paths,
                                                 notifier, metrics);
  auto& ctx = *run->ctx;
  ctx.limits.request_timeout =
      std::chrono::seconds{opts.request_timeout_seconds};
  ctx.streams.max_streams = opts.max_streams != 0
                                ? opts.max_streams
                                : default_max_streams(descriptors);
  ctx.web_dir = web_dir;
  ctx.hubs = std::move(hubs);
  ctx.trusted_proxies = opts.trusted_proxies;
  ctx.cors = http::cors_policy{opts.cors_origins};
  if (!opts.cors_origins.empty()) {
    std::string listed;
    for (const auto& o : opts.cors_origins)
      listed += (listed.empty() ? "" : ", ") + o;
    log::info("cross-origin requests allowed from ", listed,
              " (* is the stream only)");
  }

  // Other instances' commits arrive as NOTIFY on one LISTEN connection,
  // waited on asynchronously by the first shard; each wakes the notifier,
  // which reads the new rows itself. SQLite has one process: no bus.
  if (postgres) {
    storage::pg_listener::callbacks cb;
    cb.on_wake = [notifier] {
      caf::anon_send(notifier, actors::log_wake{});
    };
    cb.on_state = [&ctx](bool connected) {
      if (ctx.database_reachable.exchange(connected) != connected)
        log::info(connected ? "database reachable; listening for events"
                            : "database unreachable; /readyz answers 503");
    };
    run->bus = std::make_unique<storage::pg_listener>(
        run->shards.front()->io().get_executor(), where.target, db_limits,
        std::move(cb));
  }
  try {
    run->listener =
        std::make_unique<http::listener>(ctx, run->shards, *endpoint);
  } catch (const boost::system::system_error& e) {
    return start_failure("cannot listen on " + opts.listen_host + ":" +
                         std::to_string(opts.listen_port) + ": " +
                         e.code().message());
  }
  for (auto& s : run->shards)
    s->start();
  run->shards_started = true;
  if (run->bus)
    run->bus->start();
  run->listener->start();
  ctx.ready = true;
  log::info(threads, " I/O threads, ", actor_workers(opts),
            " actor threads, up to ", ctx.streams.max_streams,
            " streams, keep-alive every ", opts.keepalive_seconds, " s",
            ctx.web_dir.empty() ? ", no browser app (none next to the "
                                  "executable; see --web-dir)"
                                : ", browser app from " + ctx.web_dir.string());
  run_ = std::move(run);
  return domain::success();
}

std::string server::url() const {
  return run_ ? url_of(run_->listener->local_endpoint()) : std::string{};
}

void server::stop(std::chrono::milliseconds grace) {
  if (!run_)
    return;
  run_->shut_down(grace);
  run_.reset();
}

int run_server(const options& opts) {
  log::set_level(opts.log_level);
  std::signal(SIGPIPE, SIG_IGN);
  if (!security::init()) {
    log::error("libsodium cannot be initialised");
    return 1;
  }
  // Signals are caught from here on, before any thread could take one.
  http::net::io_context control;
  http::net::signal_set signals{control, SIGINT, SIGTERM};
  signals.async_wait([](const boost::system::error_code&, int sig) {
    log::info("received ", sig == SIGINT ? "SIGINT" : "SIGTERM",
              "; shutting down");
  });
  server srv{opts};
  if (auto started = srv.start(); !started) {
    const auto& err = started.error();
    log::error(err.message);
    return err.kind == domain::error_kind::invalid ? 2 : 1;
  }
  std::cout << "Dots listening on " << srv.url() << std::endl;
  control.run();
  srv.stop();
  log::info("stopped; database closed");
  return 0;
}

} // namespace dots::app
