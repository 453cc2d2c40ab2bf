#include "storage/pg_listener.hpp"

#include "storage/pg_store.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstring>
#include <libpq-fe.h>
#include <optional>
#include <random>
#include <string_view>

namespace dots::storage {

namespace net = boost::asio;

namespace {

using namespace std::chrono_literals;

// Short enough that a restarted database is found again at once, capped so
// that a long outage costs one attempt every few seconds.
constexpr std::chrono::milliseconds first_backoff = 100ms;
constexpr std::chrono::milliseconds max_backoff = 5s;

// Lets the application name of the connection identify it in
// pg_stat_activity (and the tests find it there).
constexpr const char* application_name = "dots-listener";

struct conn_deleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;

struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

struct notify_deleter {
  void operator()(PGnotify* n) const { PQfreemem(n); }
};
using notify_ptr = std::unique_ptr<PGnotify, notify_deleter>;

struct freemem_deleter {
  void operator()(char* p) const { PQfreemem(p); }
};
using pq_string = std::unique_ptr<char, freemem_deleter>;

// The password of `uri`, so that libpq messages quoting it can be scrubbed;
// nullopt when libpq cannot parse the URI (its messages may then quote any
// part of it, so none is logged).
std::optional<std::string> password_of(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (error != nullptr)
    PQfreemem(error);
  if (options == nullptr)
    return std::nullopt;
  std::string password;
  for (auto* o = options; o->keyword != nullptr; ++o)
    if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr)
      password = o->val;
  PQconninfoFree(options);
  return password;
}

// libpq's messages end in a newline and continue lines with a tab; a log
// line is one line.
std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// The server's notices (among them the FATAL message of a terminated
// backend, which arrives while no query runs) would otherwise go to stderr.
void log_notice(void*, const char* message) {
  log::debug("pg listener: server says: ", one_line(message));
}

} // namespace

// Everything here runs on `strand_`. Each connection attempt has an epoch;
// a handler that finds another epoch (its connection was closed meanwhile)
// or `stopped_` does nothing, so handlers that were already queued when a
// connection closed never touch its successor.
struct pg_listener::impl : std::enable_shared_from_this<impl> {
  using wait_type = net::posix::descriptor_base::wait_type;
  enum class phase { idle, connecting, listening, retrying };

  impl(net::any_io_executor ex, std::string uri, connection_limits limits,
       callbacks cb)
      : strand_(net::make_strand(std::move(ex)))
      , uri_(std::move(uri))
      , where_(redacted(database_location{backend::postgres, uri_}))
      , password_(password_of(uri_))
      , limits_(limits)
      , cb_(std::move(cb))
      , deadline_(strand_)
      , retry_(strand_)
      , socket_(strand_)
      , rng_(std::random_device{}()) {}

  ~impl() {
    // The socket is libpq's: Asio must forget it, not close it, before
    // PQfinish closes it (a second close could hit a reused number).
    if (socket_.is_open())
      socket_.release();
    conn_.reset();
  }

  void start() {
    if (stopped_ || phase_ != phase::idle)
      return;
    begin_connect();
  }

  void stop() {
    if (stopped_)
      return;
    stopped_ = true;
    retry_.cancel();
    close_connection();
    // The callbacks may hold references into the caller: let them go now,
    // not when the last queued handler releases this object.
    cb_ = {};
    log::debug("pg listener: stopped (", where_, ")");
  }

  // -- connecting --------------------------------------------------------

  void begin_connect() {
    ++epoch_;
    phase_ = phase::connecting;
    const auto timeout = std::to_string(limits_.connect_timeout.count());
    // Keepalives first so that the URI may override them: a LISTEN
    // connection only reads, so without them a vanished server (no RST)
    // would go unnoticed for hours. The timeout and the application name
    // come after the URI: they are ours.
    const char* keys[] = {"keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "dbname",
                          "connect_timeout",
                          "application_name",
                          nullptr};
    const char* values[] = {
        "30",   "10", "3", uri_.c_str(), timeout.c_str(), application_name,
        nullptr};
    conn_.reset(PQconnectStartParams(keys, values, /*expand_dbname=*/1));
    if (!conn_) {
      drop("libpq is out of memory");
      return;
    }
    PQsetNoticeProcessor(conn_.get(), &log_notice, nullptr);
    if (PQstatus(conn_.get()) == CONNECTION_BAD) {
      drop(libpq_error());
      return;
    }
    // libpq's own connect_timeout only applies to its blocking connect.
    if (limits_.connect_timeout.count() > 0) {
      deadline_.expires_after(limits_.connect_timeout);
      deadline_.async_wait([self = shared_from_this(),
                            epoch = epoch_](boost::system::error_code ec) {
        if (ec || self->stale(epoch) || self->phase_ != phase::connecting)
          return;
        self->drop("no connection within " +
                   std::to_string(self->limits_.connect_timeout.count()) +
                   " s");
      });
    }
    // PQconnectPoll's contract: start as if it had asked for writability.
    wait_on_current_socket(wait_type::wait_write, &impl::connect_step);
  }

  void connect_step() {
    switch (PQconnectPoll(conn_.get())) {
    case PGRES_POLLING_FAILED:
      drop(libpq_error());
      return;
    case PGRES_POLLING_OK:
      send_listen();
      return;
    case PGRES_POLLING_READING:
      wait_on_current_socket(wait_type::wait_read, &impl::connect_step);
      return;
    default: // PGRES_POLLING_WRITING (ACTIVE is no longer returned)
      wait_on_current_socket(wait_type::wait_write, &impl::connect_step);
      return;
    }
  }

  // While connecting, libpq may close its socket and open another (the next
  // address of a host, a retry without SSL), possibly with the same number:
  // a number compare cannot tell, and epoll forgets a closed socket. So the
  // socket is wrapped afresh before each wait of the handshake.
  void wait_on_current_socket(wait_type w, void (impl::*next)()) {
    if (socket_.is_open())
      socket_.release();
    const int fd = PQsocket(conn_.get());
    if (fd < 0) {
      drop("libpq has no socket");
      return;
    }
    boost::system::error_code ec;
    socket_.assign(fd, ec);
    if (ec) {
      drop("cannot wait on the socket: " + ec.message());
      return;
    }
    wait(w, next);
  }

  // -- LISTEN ------------------------------------------------------------

  void send_listen() {
    // Sending must not block the executor either.
    if (PQsetnonblocking(conn_.get(), 1) != 0) {
      drop(libpq_error());
      return;
    }
    const pq_string channel{PQescapeIdentifier(conn_.get(), pg_event_channel,
                                               std::strlen(pg_event_channel))};
    if (!channel) {
      drop(libpq_error());
      return;
    }
    const std::string sql = std::string{"LISTEN "} + channel.get();
    if (PQsendQuery(conn_.get(), sql.c_str()) == 0) {
      drop(libpq_error());
      return;
    }
    flush_listen();
  }

  void flush_listen() {
    switch (PQflush(conn_.get())) {
    case 0:
      wait(wait_type::wait_read, &impl::read_listen_result);
      return;
    case 1:
      // The kernel's buffer is full (not seen with a query this short):
      // the server is reading, so waiting only for room cannot deadlock.
      wait(wait_type::wait_write, &impl::flush_listen);
      return;
    default:
      drop(libpq_error());
      return;
    }
  }

  void read_listen_result() {
    if (PQconsumeInput(conn_.get()) == 0) {
      drop(libpq_error());
      return;
    }
    while (PQisBusy(conn_.get()) == 0) {
      const result_ptr r{PQgetResult(conn_.get())};
      if (!r) {
        listening();
        return;
      }
      if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
        drop("LISTEN failed: " + scrub(PQresultErrorMessage(r.get())));
        return;
      }
    }
    wait(wait_type::wait_read, &impl::read_listen_result);
  }

  void listening() {
    phase_ = phase::listening;
    deadline_.cancel();
    backoff_ = first_backoff;
    log::info("pg listener: listening on ", pg_event_channel, " at ", where_);
    set_state(true);
    // Whatever arrived with the LISTEN reply is covered by this wake, as
    // is everything sent while there was no connection.
    drain_notifications();
    wake();
    wait(wait_type::wait_read, &impl::on_readable);
  }

  void on_readable() {
    if (PQconsumeInput(conn_.get()) == 0) {
      drop(libpq_error());
      return;
    }
    // One wake for all that one read brought: the notifier reads every new
    // row anyway, so more calls would only repeat its work.
    if (drain_notifications() > 0)
      wake();
    if (stopped_)
      return;
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      drop(libpq_error());
      return;
    }
    wait(wait_type::wait_read, &impl::on_readable);
  }

  std::size_t drain_notifications() {
    std::size_t n = 0;
    while (notify_ptr note{PQnotifies(conn_.get())})
      ++n;
    return n;
  }

  // -- failure and retry -------------------------------------------------

  void drop(const std::string& reason) {
    // Logged once per outage; the attempts of an outage only at debug.
    if (state_ != false)
      log::warn("pg listener: ", where_, ": ", reason,
                "; reconnecting with backoff");
    else
      log::debug("pg listener: ", where_, ": ", reason);
    close_connection();
    set_state(false);
    schedule_retry();
  }

  void schedule_retry() {
    if (stopped_)
      return;
    phase_ = phase::retrying;
    // Between half and all of the current delay: instances that lost the
    // database at the same moment spread their attempts.
    std::uniform_int_distribution<std::chrono::milliseconds::rep> pick{
        backoff_.count() / 2, backoff_.count()};
    const std::chrono::milliseconds delay{pick(rng_)};
    backoff_ = std::min(backoff_ * 2, max_backoff);
    log::debug("pg listener: next attempt in ", delay.count(), " ms");
    retry_.expires_after(delay);
    retry_.async_wait([self = shared_from_this(),
                       epoch = epoch_](boost::system::error_code ec) {
      if (ec || self->stale(epoch))
        return;
      self->begin_connect();
    });
  }

  void close_connection() {
    ++epoch_;
    deadline_.cancel();
    if (socket_.is_open())
      socket_.release();
    conn_.reset();
  }

  // -- helpers -----------------------------------------------------------

  // Waits for `w` on the wrapped socket, then runs `next` unless the
  // connection was closed (or this stopped) meanwhile.
  void wait(wait_type w, void (impl::*next)()) {
    socket_.async_wait(w, [self = shared_from_this(), epoch = epoch_,
                           next](boost::system::error_code ec) {
      if (self->stale(epoch))
        return;
      if (ec) {
        self->drop("waiting on the socket failed: " + ec.message());
        return;
      }
      ((*self).*next)();
    });
  }

  bool stale(std::uint64_t epoch) const { return stopped_ || epoch != epoch_; }

  void set_state(bool up) {
    if (stopped_ || state_ == up)
      return;
    state_ = up;
    if (cb_.on_state)
      cb_.on_state(up);
  }

  void wake() {
    if (!stopped_ && cb_.on_wake)
      cb_.on_wake();
  }

  std::string libpq_error() const {
    return conn_ ? scrub(PQerrorMessage(conn_.get())) : "no connection";
  }

  // A libpq message as it may be logged: one line, without the password.
  std::string scrub(const char* message) const {
    if (!password_)
      return "the connection URI is not valid";
    auto text = one_line(message == nullptr ? "" : message);
    if (password_->empty())
      return text;
    for (auto at = text.find(*password_); at != std::string::npos;
         at = text.find(*password_, at + 3))
      text.replace(at, password_->size(), "***");
    return text;
  }

  // -- state -------------------------------------------------------------

  net::strand<net::any_io_executor> strand_;
  const std::string uri_;
  const std::string where_;
  const std::optional<std::string> password_;
  const connection_limits limits_;
  callbacks cb_;
  net::steady_timer deadline_; ///< bounds one connection attempt
  net::steady_timer retry_;    ///< the backoff before the next attempt
  conn_ptr conn_;
  /// libpq's socket, wrapped only to wait on it: never closed by Asio.
  net::posix::stream_descriptor socket_;
  std::minstd_rand rng_;
  std::chrono::milliseconds backoff_ = first_backoff;
  std::uint64_t epoch_ = 0;
  phase phase_ = phase::idle;
  std::optional<bool> state_; ///< last reported to on_state
  bool stopped_ = false;
};

pg_listener::pg_listener(boost::asio::any_io_executor ex, std::string uri,
                         connection_limits limits, callbacks cb)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(uri), limits,
                                   std::move(cb))) {}

pg_listener::~pg_listener() {
  // Queued handlers hold the impl; stopping makes them finish as no-ops.
  stop();
}

void pg_listener::start() {
  net::post(impl_->strand_, [self = impl_] { self->start(); });
}

void pg_listener::stop() {
  net::post(impl_->strand_, [self = impl_] { self->stop(); });
}

} // namespace dots::storage
