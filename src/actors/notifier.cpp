#include "actors/spawn.hpp"
#include "domain/sse.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <deque>
#include <map>

namespace dots::actors {

namespace {

using domain::frame;
using domain::frame_ptr;

struct notifier_state {
  std::vector<std::shared_ptr<frame_sink>> sinks;
  notifier_config cfg;
  std::shared_ptr<server_metrics> metrics;
  /// The retained frames, ascending ids: what replays are served from.
  std::deque<frame_ptr> ring;
  /// The id the next published event must have.
  std::int64_t next_id = 1;
  /// Events that arrived ahead of a missing id (boards and paths commit on
  /// separate connections, so their messages may cross).
  std::map<std::int64_t, domain::event> waiting;
  bool gap_check_pending = false;
  frame_ptr keepalive;
  const char* name = "notifier";
};

frame_ptr make_frame(const domain::event& ev) {
  return std::make_shared<const frame>(frame{
      ev.id, ev.type, ev.board_id,
      domain::encode_sse_event(ev.id, domain::event_name(ev.type), ev.data)});
}

void retain(notifier_state& st, frame_ptr f) {
  st.ring.push_back(std::move(f));
  while (st.ring.size() > st.cfg.retention)
    st.ring.pop_front();
}

void publish(notifier_state& st, const domain::event& ev) {
  auto f = make_frame(ev);
  retain(st, f);
  for (auto& sink : st.sinks)
    sink->publish(f);
  st.next_id = ev.id + 1;
  if (st.metrics)
    st.metrics->events_published.fetch_add(1, std::memory_order_relaxed);
  log::debug("published event ", ev.id, " ", domain::event_name(ev.type));
}

void drain_waiting(notifier_state& st) {
  while (!st.waiting.empty() && st.waiting.begin()->first == st.next_id) {
    publish(st, st.waiting.begin()->second);
    st.waiting.erase(st.waiting.begin());
  }
}

replay_frames replay_after(const notifier_state& st, std::int64_t after_id) {
  replay_frames out;
  if (after_id < 0) {
    out.last_id = st.next_id - 1;
    return out;
  }
  const auto latest = st.next_id - 1;
  // An id from before the retained log, or one this log never reached (the
  // database was replaced): the client cannot be brought up to date event
  // by event, so it is told to reload, then gets what is retained.
  const auto oldest = st.ring.empty() ? latest + 1 : st.ring.front()->id;
  const bool reset = after_id + 1 < oldest || after_id > latest;
  out.last_id = reset ? latest : after_id;
  if (reset) {
    boost::json::object data;
    data["oldest_id"] = oldest;
    out.frames.push_back(std::make_shared<const frame>(frame{
        0, std::nullopt, 0,
        domain::encode_sse_control("reset", boost::json::serialize(data))}));
  }
  auto first = std::upper_bound(
      st.ring.begin(), st.ring.end(), reset ? 0 : after_id,
      [](std::int64_t id, const frame_ptr& f) { return id < f->id; });
  out.frames.insert(out.frames.end(), first, st.ring.end());
  if (first != st.ring.end())
    out.last_id = st.ring.back()->id;
  return out;
}

/// Makes sure a gap in front of the waiting events is not waited on for
/// ever: one reminder at a time, gap_wait after the id went missing.
void arm_gap_check(notifier_actor::stateful_pointer<notifier_state> self) {
  auto& st = self->state;
  if (st.waiting.empty() || st.gap_check_pending)
    return;
  st.gap_check_pending = true;
  self->delayed_send(self, st.cfg.gap_wait, gap_check{st.next_id});
}

notifier_actor::behavior_type
notifier_impl(notifier_actor::stateful_pointer<notifier_state> self,
              std::vector<std::shared_ptr<frame_sink>> sinks,
              std::vector<domain::event> retained, std::int64_t latest_id,
              notifier_config cfg) {
  auto& st = self->state;
  st.sinks = std::move(sinks);
  st.cfg = cfg;
  st.metrics = cfg.metrics;
  st.keepalive = std::make_shared<const frame>(
      frame{0, std::nullopt, 0, domain::encode_sse_comment("keep-alive")});
  for (auto& ev : retained)
    retain(st, make_frame(ev));
  st.next_id = latest_id + 1;
  auto on_event = [self](const domain::event& ev) {
    auto& st = self->state;
    if (ev.id < st.next_id) {
      log::warn("notifier: event ", ev.id, " arrived twice or too late");
      return;
    }
    if (ev.id > st.next_id) {
      st.waiting.emplace(ev.id, ev);
      arm_gap_check(self);
      return;
    }
    publish(st, ev);
    drain_waiting(st);
    arm_gap_check(self);
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
      [self](gap_check& m) {
        auto& st = self->state;
        st.gap_check_pending = false;
        if (st.waiting.empty())
          return;
        if (st.next_id != m.expected) {
          // The awaited id came, but a later one is missing now: give that
          // one its own full wait.
          arm_gap_check(self);
          return;
        }
        // An id never arrived (a write that failed after taking its id would
        // do this): go on without it rather than hold every later event.
        log::warn("notifier: event ", st.next_id,
                  " never arrived; skipping to ", st.waiting.begin()->first);
        st.next_id = st.waiting.begin()->first;
        drain_waiting(st);
        arm_gap_check(self);
      },
      [self](replay& m) -> replay_frames {
        // Fresh streams ask too (after_id < 0), only for the newest id.
        if (self->state.metrics && m.after_id >= 0)
          self->state.metrics->replays_served.fetch_add(
              1, std::memory_order_relaxed);
        return replay_after(self->state, m.after_id);
      },
  };
}

} // namespace

notifier_actor spawn_notifier(caf::actor_system& sys,
                              std::vector<std::shared_ptr<frame_sink>> sinks,
                              std::vector<domain::event> retained,
                              std::int64_t latest_id, notifier_config cfg) {
  return sys.spawn(notifier_impl, std::move(sinks), std::move(retained),
                   latest_id, cfg);
}

} // namespace dots::actors
