#include "actors/spawn.hpp"
#include "domain/sse.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <deque>

namespace dots::actors {

namespace {

using domain::frame;
using domain::frame_ptr;

/// A resume whose Last-Event-ID is above this instance's cursor: answered
/// once the log has been read, so that a lagging instance never sends a
/// false `reset` (spec, "Live notifications", Resume).
struct pending_replay {
  replay ask;
  caf::typed_response_promise<replay_frames> promise;
};

struct notifier_state {
  std::vector<std::shared_ptr<frame_sink>> sinks;
  notifier_config cfg;
  std::shared_ptr<server_metrics> metrics;
  event_log_actor log;
  /// The retained frames, ascending ids: what replays are served from.
  std::deque<frame_ptr> ring;
  /// The cursor: the id the next published event must have.
  std::int64_t next_id = 1;
  /// A read of the log is in flight; at most one is, so that reads never
  /// overlap and their results arrive in cursor order.
  bool reading = false;
  /// Woken while reading: read again once the current read is done, since
  /// that read's snapshot may predate the commit that woke us.
  bool read_again = false;
  /// Whether the last read failed, to log a failure once, not every poll.
  bool log_unreachable = false;
  std::vector<pending_replay> pending;
  frame_ptr keepalive;
  const char* name = "notifier";
};

using self_ptr = notifier_actor::stateful_pointer<notifier_state>;

frame_ptr make_frame(const domain::event& ev) {
  return std::make_shared<const frame>(
      frame{ev.id, ev.type, ev.board_id,
            domain::encode_sse_event(ev.id, domain::event_name(ev.type),
                                     domain::event_data(ev))});
}

frame_ptr reset_frame(std::int64_t oldest_id) {
  boost::json::object data;
  data["oldest_id"] = oldest_id;
  // No id line: a reset must not move the client's Last-Event-ID.
  return std::make_shared<const frame>(
      frame{0, std::nullopt, 0,
            domain::encode_sse_control("reset", boost::json::serialize(data))});
}

std::int64_t latest(const notifier_state& st) {
  return st.next_id - 1;
}

/// Keeps the frames whose ids are inside the retention window.
void retain(notifier_state& st, frame_ptr f) {
  st.ring.push_back(std::move(f));
  const auto window = static_cast<std::int64_t>(st.cfg.retention);
  while (!st.ring.empty() && st.ring.front()->id <= st.ring.back()->id - window)
    st.ring.pop_front();
}

/// Publishes the event at the cursor and moves the cursor past it.
void publish(notifier_state& st, const domain::event& ev) {
  auto f = make_frame(ev);
  retain(st, f);
  for (auto& sink : st.sinks)
    sink->publish(f);
  st.next_id = ev.id + 1;
  if (st.metrics) {
    st.metrics->events_published.fetch_add(1, std::memory_order_relaxed);
    st.metrics->cursor.store(ev.id, std::memory_order_relaxed);
  }
  log::debug("published event ", ev.id, " ", domain::event_name(ev.type));
}

/// One page of the replay `ask` asks for (see `replay`).
replay_frames replay_after(const notifier_state& st, const replay& ask) {
  replay_frames out;
  const auto after_id = ask.after_id;
  if (after_id < 0) {
    out.last_id = latest(st);
    return out;
  }
  // An id from before the retained window, or one this log never reached
  // (the database was replaced): the client cannot be brought up to date
  // event by event, so it is told to reload, then gets what is retained.
  const auto oldest = st.ring.empty() ? latest(st) + 1 : st.ring.front()->id;
  const bool reset = after_id + 1 < oldest || after_id > latest(st);
  out.last_id = reset ? latest(st) : after_id;
  if (reset)
    out.frames.push_back(reset_frame(oldest));
  auto it = std::upper_bound(
      st.ring.begin(), st.ring.end(), reset ? 0 : after_id,
      [](std::int64_t id, const frame_ptr& f) { return id < f->id; });
  std::size_t bytes = 0;
  for (std::size_t taken = 0; it != st.ring.end(); ++it, ++taken) {
    bytes += (*it)->bytes.size();
    if (taken == ask.max_frames || (taken > 0 && bytes > ask.max_bytes))
      break;
    out.frames.push_back(*it);
    out.last_id = (*it)->id;
  }
  out.more = it != st.ring.end();
  return out;
}

void count_replay(notifier_state& st) {
  if (st.metrics)
    st.metrics->replays_served.fetch_add(1, std::memory_order_relaxed);
}

/// Answers the resumes that waited for the log. `checked`: the log was read
/// up to its end, so an id still above the cursor was never written (the
/// client saw another database) and gets a reset. Unchecked (the database
/// is unreachable), the client's id is trusted: it is live from there on.
void answer_pending(notifier_state& st, bool checked) {
  auto pending = std::move(st.pending);
  st.pending.clear();
  for (auto& p : pending) {
    count_replay(st);
    if (checked || p.ask.after_id <= latest(st))
      p.promise.deliver(replay_after(st, p.ask));
    else
      p.promise.deliver(replay_frames{{}, p.ask.after_id, false});
  }
}

void read_log(self_ptr self);

/// Publishes a slice of the log read from the cursor.
void on_slice(self_ptr self, storage::event_slice& slice) {
  auto& st = self->state;
  if (st.log_unreachable)
    log::info("notifier: the event log is readable again");
  st.log_unreachable = false;
  const auto first_in_log =
      slice.events.empty() ? slice.latest_id + 1 : slice.events.front().id;
  if (first_in_log > st.next_id && slice.latest_id >= st.next_id) {
    // The events from the cursor on were trimmed before this instance could
    // read them (it was cut off from the database for longer than the log
    // keeps them). Its streams cannot be given them: they are told to
    // reload instead of silently missing them.
    log::warn("notifier: events ", st.next_id, " to ", first_in_log - 1,
              " were trimmed from the log before this instance read them; "
              "sending reset to every stream");
    auto f = reset_frame(first_in_log);
    for (auto& sink : st.sinks)
      sink->publish(f);
    st.ring.clear();
    st.next_id = first_in_log;
    if (st.metrics)
      st.metrics->cursor_resets.fetch_add(1, std::memory_order_relaxed);
  }
  // Counted from here, after any reset: trimmed events were never read.
  const auto behind_from = st.next_id;
  for (auto& ev : slice.events)
    if (ev.id == st.next_id)
      publish(st, ev);
  if (st.metrics && st.next_id > behind_from)
    st.metrics->events_read_from_log.fetch_add(
        static_cast<std::uint64_t>(st.next_id - behind_from),
        std::memory_order_relaxed);
  const bool more =
      static_cast<int>(slice.events.size()) >= st.cfg.read_batch ||
      st.read_again;
  st.read_again = false;
  if (more) {
    read_log(self);
    return;
  }
  answer_pending(st, true);
}

void on_read_failed(self_ptr self, const std::string& why) {
  auto& st = self->state;
  if (!st.log_unreachable)
    log::warn("notifier: cannot read the event log (", why,
              "); retrying at the next wake-up");
  st.log_unreachable = true;
  st.read_again = false;
  if (st.metrics)
    st.metrics->log_read_failures.fetch_add(1, std::memory_order_relaxed);
  answer_pending(st, false);
}

/// Reads the events after the cursor, unless a read is in flight (then it
/// reads again once that one is done).
void read_log(self_ptr self) {
  auto& st = self->state;
  if (st.reading) {
    st.read_again = true;
    return;
  }
  st.reading = true;
  self->request(st.log, st.cfg.read_timeout,
                read_events{latest(st), st.cfg.read_batch})
      .then(
          [self](domain::result<storage::event_slice>& slice) {
            self->state.reading = false;
            if (slice)
              on_slice(self, slice.value());
            else
              on_read_failed(self, slice.error().message);
          },
          [self](caf::error& err) {
            self->state.reading = false;
            on_read_failed(self, self->system().render(err));
          });
}

notifier_actor::behavior_type
notifier_impl(self_ptr self, std::vector<std::shared_ptr<frame_sink>> sinks,
              event_log_actor log, std::vector<domain::event> retained,
              std::int64_t latest_id, notifier_config cfg) {
  auto& st = self->state;
  st.sinks = std::move(sinks);
  st.log = std::move(log);
  st.cfg = cfg;
  st.metrics = cfg.metrics;
  st.keepalive = std::make_shared<const frame>(
      frame{0, std::nullopt, 0, domain::encode_sse_comment("keep-alive")});
  for (auto& ev : retained)
    retain(st, make_frame(ev));
  st.next_id = latest_id + 1;
  if (st.metrics)
    st.metrics->cursor.store(latest_id, std::memory_order_relaxed);
  auto on_event = [self](const domain::event& ev) {
    auto& st = self->state;
    if (ev.id == st.next_id) {
      // The common case, and the fast one: the next event, told by the
      // actor that committed it. No read of the log.
      publish(st, ev);
    } else if (ev.id > st.next_id) {
      // Something committed before it has not been published yet: the log
      // has it, in order.
      read_log(self);
    }
    // Below the cursor: already published from the log.
  };
  return {
      [on_event](board_created& m) { on_event(m.event); },
      [on_event](board_updated& m) { on_event(m.event); },
      [on_event](board_deleted& m) { on_event(m.event); },
      [on_event](path_created& m) { on_event(m.event); },
      [on_event](path_updated& m) { on_event(m.event); },
      [self](keepalive_tick) {
        for (auto& sink : self->state.sinks)
          sink->publish(self->state.keepalive);
      },
      [self](log_wake) { read_log(self); },
      [self](replay& m) -> caf::result<replay_frames> {
        auto& st = self->state;
        if (m.after_id > latest(st)) {
          // Ahead of this instance: another one may have published it
          // already. Read the log before deciding.
          auto promise = self->make_response_promise<replay_frames>();
          st.pending.push_back(pending_replay{m, promise});
          read_log(self);
          return promise;
        }
        // Fresh streams ask too (after_id < 0), only for the newest id.
        if (m.after_id >= 0 && !m.continued)
          count_replay(st);
        return replay_after(st, m);
      },
  };
}

} // namespace

notifier_actor spawn_notifier(caf::actor_system& sys,
                              std::vector<std::shared_ptr<frame_sink>> sinks,
                              event_log_actor log,
                              std::vector<domain::event> retained,
                              std::int64_t latest_id, notifier_config cfg) {
  return sys.spawn(notifier_impl, std::move(sinks), std::move(log),
                   std::move(retained), latest_id, cfg);
}

} // namespace dots::actors
