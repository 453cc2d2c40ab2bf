#include "actors/spawn.hpp"
#include "security/credentials.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

// The pool is an event-based actor on CAF's shared workers: it only moves
// jobs around, in microseconds. The hashing itself runs on its detached
// workers, one thread each, so a hash never holds a CAF worker (which would
// stall the notifier) nor the accounts actor (which would stall every
// token check).

namespace dots::actors {

namespace {

using clock = std::chrono::steady_clock;

/// A job and how to answer its requester: run on `worker` (and answered with
/// its result when done), or, given none, answered "busy" at once.
using job_runner = std::function<void(hash_pool_actor* worker)>;

/// A job admitted while every worker was busy.
struct waiting_job {
  clock::time_point since;
  job_runner run;
};

struct hash_pool_state {
  hash_pool_config cfg;
  std::vector<hash_pool_actor> idle; ///< workers without a job
  std::deque<waiting_job> waiting;   ///< in arrival order, at most cfg.queue
  /// What one job takes: a moving average of the jobs done so far, from a
  /// first guess near argon2id's interactive cost. Only Retry-After uses it.
  clock::duration pace = std::chrono::milliseconds{200};
  const char* name = "hash_pool";
};

using pool_ptr = hash_pool_actor::stateful_pointer<hash_pool_state>;

/// One worker: runs each job as it comes, on its own thread. `index` is
/// only for the log; it also keeps CAF 0.17 from spawning a function actor
/// without arguments, whose empty argument tuple it reads after freeing
/// (AddressSanitizer: heap-use-after-free in init_fun_factory).
hash_pool_actor::behavior_type hash_worker(hash_pool_actor::pointer,
                                           unsigned index) {
  log::debug("password-hash worker ", index, " started");
  return {
      [](hash_password_job& job) -> domain::result<std::string> {
        auto hash = security::hash_password(job.password);
        if (!hash)
          return domain::internal_error("cannot hash the password");
        return std::move(*hash);
      },
      [](verify_password_job& job) -> domain::result<bool> {
        // The decoy is made on first use, here rather than on the thread
        // that asked: it costs a hash.
        const auto& hash = job.hash.empty() ? security::decoy_hash() : job.hash;
        return security::verify_password(job.password, hash);
      },
  };
}

/// The refusal of a job past the queue. The wait is what the running and
/// waiting jobs take at the measured pace: a client that comes back then
/// finds the queue drained rather than full again.
domain::error busy(const hash_pool_state& st) {
  const auto ahead = st.cfg.threads + st.waiting.size();
  const auto drain = st.pace * static_cast<long>(ahead) / st.cfg.threads;
  const auto wait = std::max<long>(
      1, static_cast<long>(
             std::chrono::ceil<std::chrono::seconds>(drain).count()));
  return domain::error{domain::error_kind::unavailable,
                       "busy",
                       "the server is busy checking passwords; try again in " +
                           std::to_string(wait) + " s",
                       {},
                       static_cast<unsigned>(wait)};
}

/// Gives `worker` the oldest waiting job, or marks it idle. A job that
/// waited past max_wait is answered "busy" instead: its requester has most
/// likely given up, and a hash nobody awaits would only delay the rest.
void next(pool_ptr self, hash_pool_actor worker) {
  auto& st = self->state;
  const auto now = clock::now();
  while (!st.waiting.empty()) {
    auto job = std::move(st.waiting.front());
    st.waiting.pop_front();
    if (now - job.since > st.cfg.max_wait) {
      job.run(nullptr);
      continue;
    }
    job.run(&worker);
    return;
  }
  st.idle.push_back(std::move(worker));
}

/// Runs `job` on an idle worker, queues it, or refuses it at once.
template <class Reply, class Job>
caf::result<Reply> submit(pool_ptr self, Job& job) {
  auto& st = self->state;
  if (st.idle.empty() && st.waiting.size() >= st.cfg.queue)
    return Reply{busy(st)};
  auto promise = self->make_response_promise<Reply>();
  job_runner run = [self, promise,
                    job = std::move(job)](hash_pool_actor* on) mutable {
    if (on == nullptr) {
      promise.deliver(Reply{busy(self->state)});
      return;
    }
    auto worker = *on;
    const auto started = clock::now();
    self->request(worker, caf::infinite, std::move(job))
        .then(
            [self, promise, worker, started](Reply& reply) mutable {
              auto& pace = self->state.pace;
              pace += (clock::now() - started - pace) / 8;
              promise.deliver(std::move(reply));
              next(self, std::move(worker));
            },
            [self, promise, worker](caf::error& err) mutable {
              promise.deliver(Reply{domain::internal_error(
                  "the password hash failed: " + self->system().render(err))});
              next(self, std::move(worker));
            });
  };
  if (st.idle.empty()) {
    st.waiting.push_back(waiting_job{clock::now(), std::move(run)});
  } else {
    auto worker = std::move(st.idle.back());
    st.idle.pop_back();
    run(&worker);
  }
  return promise;
}

hash_pool_actor::behavior_type
hash_pool_impl(pool_ptr self, hash_pool_config cfg,
               std::vector<hash_pool_actor> workers) {
  auto& st = self->state;
  st.cfg = cfg;
  st.cfg.threads = static_cast<unsigned>(workers.size());
  // Linked: they exit with the pool, and the pool with any of them, so no
  // job is left waiting for a worker that is gone.
  for (auto& w : workers)
    self->link_to(w);
  st.idle = std::move(workers);
  return {
      [self](
          hash_password_job& job) -> caf::result<domain::result<std::string>> {
        return submit<domain::result<std::string>>(self, job);
      },
      [self](verify_password_job& job) -> caf::result<domain::result<bool>> {
        return submit<domain::result<bool>>(self, job);
      },
  };
}

} // namespace

hash_pool_actor spawn_hash_pool(caf::actor_system& sys, hash_pool_config cfg) {
  // The workers' threads are made here, by the caller, so that a machine
  // out of threads fails the server's start rather than a later login.
  std::vector<hash_pool_actor> workers;
  for (unsigned i = 0; i < std::max(1u, cfg.threads); ++i)
    workers.push_back(sys.spawn<caf::detached>(hash_worker, i));
  return sys.spawn(hash_pool_impl, cfg, std::move(workers));
}

} // namespace dots::actors
