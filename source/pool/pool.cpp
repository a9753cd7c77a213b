// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// The pool's supervisor: it dispatches tasks to its workers and accounts for their ends. Each
// worker is reached through its link (worker_link.hpp: the process, two rings of shared memory
// and a channel read by asynchronous operations on the pool's executor, a thread of the pool's
// own or the user's io_context: then the pool starts no thread); the policy is dispatch.hpp's.
// A worker's death is the end of its stream: the supervisor reaps it, fails the one task it was
// running, sends the tasks queued behind it to other workers and starts a replacement. No lock is
// shared with a worker process, so a killed worker cannot leave anything held.
//
// The pool's state is guarded by one mutex, taken by those handlers and by the pool's callers,
// rather than confined to a strand: terminate() and the destructor must work, and not hang,
// even when the user's io_context no longer runs. Completion callbacks are called with the
// mutex released.
//
// A caller waiting for a result completes finished results itself for a while (pool_backend::help):
// it withdraws the workers' requests to wake the pool's thread meanwhile, and the last such
// caller hands the rings back to that thread (stop_helping), as on_read does.
//
// A worker may be sent several tasks ahead (pipelining, so that it takes many small tasks at
// once and sleeps less), but only as many as it is expected to finish within about a millisecond:
// a task never waits long behind another in a busy worker while an idle one could take it.

#include <multiproc/pool.hpp>

#include <multiproc/init.hpp>

#include "../detail/frame.hpp"
#include "../detail/os.hpp"
#include "../detail/pool_intake.hpp"
#include "../detail/runtime.hpp"
#include "dispatch.hpp"
#include "pending_task.hpp"
#include "start_failures.hpp"
#include "worker_link.hpp"
#include "worker_state.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <thread>

namespace multiproc::detail {

namespace asio = boost::asio;

namespace {

// The id of the initializer's task: real tasks count from 1.
constexpr std::uint64_t initializer_id = 0;
// Tasks sent ahead to one worker: at most this many (see dispatch.hpp).
constexpr std::size_t max_pipelined = 128;

struct worker : std::enable_shared_from_this<worker>
{
    worker(const asio::any_io_executor& executor, bool has_initializer)
        : link(executor), deadline(executor), state(has_initializer)
    {}
    std::size_t slot = 0;
    worker_link link;
    asio::steady_timer deadline;        // of the running task, with a task timeout
    std::deque<pending_task> in_flight; // sent, in order: the front one is running
    std::size_t tasks_sent = 0;
    os::clock::time_point front_started; // about when the running task began
    double mean_task_seconds = -1;       // of its tasks so far; < 0: none yet
    worker_state state;
};
using worker_ptr = std::shared_ptr<worker>;

// Callbacks to run once the mutex is released.
class completions
{
public:
    void add(task_callback& done, task_outcome&& outcome)
    {
        ready_.emplace_back(std::move(done), std::move(outcome));
    }
    void run()
    {
        for (auto& [done, outcome] : ready_)
            done(std::move(outcome));
        ready_.clear();
    }

private:
    std::vector<std::pair<task_callback, task_outcome>> ready_;
};

// The thread and io_context of a pool run without a user executor. Shared with the thread, so
// that it outlives a run() that is still returning.
struct own_context
{
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::thread thread;
};

} // namespace

struct pool_core : std::enable_shared_from_this<pool_core>
{
    std::shared_ptr<own_context> own; // null on a user's executor
    asio::any_io_executor executor;
    std::size_t size = 0;
    pool_options options;
    start_method method = start_method::spawn;

    std::mutex mutex; // guards everything below
    std::condition_variable all_gone;
    std::vector<worker_ptr> workers; // by slot; null while a slot is being (re)filled
    std::deque<pending_task> queue;
    unsigned next_worker_number = 1;
    std::size_t live = 0;         // workers being started or running, not yet reaped
    std::size_t starting = 0;     // slots to be filled by the executor
    start_failures failed_starts; // workers in a row that died before they were up
    std::vector<std::unique_ptr<asio::steady_timer>> backoff; // by slot: a delayed refill
    bool closed = false;
    bool terminating = false;
    error_code broken;       // workers cannot be started: every task fails with this
    std::string broken_what; // and this message
    pool_stats counts;       // done, failed, worker_restarts (queued, running: computed)
    std::string task_bytes;  // the task frame being sent
    std::size_t helpers = 0; // callers taking results themselves (pool_backend::help)

    // Every task ends here: its callback runs once the mutex is released.
    void finish(completions& done, pending_task& task, task_outcome&& outcome)
    {
        ++(outcome.ec ? counts.failed : counts.done);
        done.add(task.done, std::move(outcome));
    }

    // ---- starting workers (no lock held: a spawn takes milliseconds) -----------------------

    // Null on failure: `ended` if the child was started but ended before it could be given its
    // setup, with its exit code in `exit_code`. The initializer is the worker's first task; it
    // is ready once that succeeded. Without one, tasks may be sent before it has started.
    worker_ptr spawn_worker(unsigned number, bool& ended, std::optional<int>& exit_code,
                            error_code& ec)
    {
        auto w = std::make_shared<worker>(executor, options.initializer_task != nullptr);
        std::string initializer_frame;
        if (options.initializer_task)
            append_task_frame(initializer_frame, initializer_id, options.initializer_task->name,
                              options.initializer_task->signature, 1,
                              options.initializer_arguments);
        w->link.start(method, "PoolWorker-" + std::to_string(number), initializer_frame, ended, ec);
        if (ec) {
            exit_code = w->link.child().exit_code();
            return nullptr;
        }
        return w;
    }

    // Fills a slot with a new worker; if none can be started, the pool is broken: every task
    // fails with the reason.
    void fill_slot(std::size_t slot)
    {
        unsigned number;
        {
            std::lock_guard<std::mutex> lock(mutex);
            --starting;
            if (terminating || broken) {
                all_gone.notify_all();
                return;
            }
            ++live;
            number = next_worker_number++;
        }
        error_code ec;
        bool ended = false;
        std::optional<int> exit_code;
        worker_ptr w = spawn_worker(number, ended, exit_code, ec);
        completions done;
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (w && terminating) {
                w->link.reap(true);
                w = nullptr;
            }
            if (!w) {
                const bool retried = !ended && ec && start_may_succeed_later(ec);
                if ((ended || retried) && !terminating && !broken) {
                    start_failed(exit_code, false, false, ended ? error_code() : ec);
                } else if (ec && !broken) {
                    broken = ec;
                    broken_what = "multiproc::pool: cannot start a worker: " + ec.message();
                }
                if (broken)
                    fail_queue(done);
                worker_done_locked();
                if (ended || retried)
                    replace(slot);
            } else {
                w->slot = slot;
                workers[slot] = w;
                read_more(w);
                await_start(*w);
                dispatch();
            }
        }
        done.run();
    }

    // ---- on the executor, or a caller; the mutex held --------------------------------------

    void worker_done_locked()
    {
        --live;
        all_gone.notify_all();
    }

    // Fills a slot from the executor, after `delay`. Until then the slot counts as `starting`:
    // join() waits for it, terminate() does not (the executor may never run it; terminate()
    // cancels the delay).
    void start_later(std::size_t slot, std::chrono::milliseconds delay = {})
    {
        ++starting;
        if (delay.count() <= 0) {
            asio::post(executor, [self = shared_from_this(), slot] { self->fill_slot(slot); });
            return;
        }
        std::unique_ptr<asio::steady_timer>& timer = backoff[slot];
        if (!timer)
            timer = std::make_unique<asio::steady_timer>(executor);
        timer->expires_after(delay);
        timer->async_wait(
            [self = shared_from_this(), slot](const error_code&) { self->fill_slot(slot); });
    }

    // A new worker for the slot of one that ended, while there is work for it; later, the more
    // starts have failed in a row.
    void replace(std::size_t slot)
    {
        if (terminating || broken || (closed && queue.empty()))
            return;
        ++counts.worker_restarts;
        start_later(slot, dispatch::start_backoff(failed_starts.in_a_row()));
    }

    // A worker ended before it was up, or could not be started (`spawn_error`): replaced,
    // unless that breaks the pool (start_failures).
    void start_failed(std::optional<int> exit_code, bool reached_init, bool start_timed_out,
                      error_code spawn_error = {})
    {
        std::string what;
        const error_code ec =
            failed_starts.failed(exit_code, reached_init, start_timed_out, spawn_error, what);
        if (ec) {
            broken = ec;
            broken_what = std::move(what);
        }
    }

    // `became_up`: a worker started and ran its initializer: starts are not failing.
    void note_up(bool became_up)
    {
        if (became_up)
            failed_starts.worker_up();
    }

    void read_more(const worker_ptr& w)
    {
        w->link.async_read([self = shared_from_this(), w](const error_code& ec, std::size_t n) {
            self->on_read(w, ec, n);
        });
    }

    void on_read(const worker_ptr& w, const error_code& ec, std::size_t n)
    {
        completions done;
        std::unique_lock<std::mutex> lock(mutex);
        if (w->state.gone())
            return;
        if (!ec)
            w->link.received(n);
        // Before waiting again, ask the worker to wake us; results that came meanwhile first.
        bool ok = handle_input(*w, done);
        // While callers take results themselves (pool_backend::help), the last of them asks
        // instead.
        while (ok && !ec && helpers == 0 && w->link.ask_for_wake())
            ok = handle_input(*w, done);
        if (ec) {
            end_of_stream(w, lock, done);
            lock.unlock();
            done.run();
            return;
        }
        if (!ok) {
            // Not our protocol: this worker cannot be trusted with more. Its end of stream
            // follows the kill.
            error_code ignored;
            w->link.child().kill(ignored);
        }
        read_more(w);
        dispatch();
        lock.unlock();
        done.run();
    }

    // What the worker sent, as events of its link. False if the worker broke the protocol.
    bool handle_input(worker& w, completions& done)
    {
        struct events
        {
            pool_core& pool;
            worker& w;
            completions& done;
            const os::clock::time_point now = os::clock::now(); // when these came, near enough
            void started() { pool.on_started(w, now); }
            bool result(std::string_view body, frame_buffer* channel)
            {
                return pool.on_result(w, body, channel, now, done);
            }
        } on{*this, w, done};
        return w.link.take_input(on);
    }

    // A worker that does not reach init in time is killed: its end breaks the pool.
    void await_start(worker& w)
    {
        if (options.start_timeout.count() <= 0)
            return;
        w.deadline.expires_after(options.start_timeout);
        w.deadline.async_wait(
            [self = shared_from_this(), wp = w.shared_from_this()](const error_code& ec) {
                if (ec)
                    return;
                std::lock_guard<std::mutex> lock(self->mutex);
                if (wp->state.gone() || wp->state.started())
                    return;
                wp->state.mark_killed(worker_state::kill::start_timeout);
                error_code ignored;
                wp->link.child().kill(ignored);
            });
    }

    // The worker reached init (once: a result read first may have told us already).
    void on_started(worker& w, os::clock::time_point now)
    {
        if (w.state.started())
            return;
        note_up(w.state.reach_init());
        w.deadline.cancel(); // the start's
        if (!w.in_flight.empty())
            begin_front(w, now);
    }

    // One result frame from a worker, in `channel` if it came there (else in the ring's bytes);
    // false if it breaks the protocol.
    bool on_result(worker& w, std::string_view body, frame_buffer* channel,
                   os::clock::time_point now, completions& done)
    {
        error_code ec;
        result_frame result = decode_result(body, ec);
        if (ec)
            return false;
        if (result.id == initializer_id && !w.state.ready()) {
            if (result.ok)
                note_up(w.state.initialize());
            if (!result.ok && !broken) {
                broken = make_error_code(error::remote_exception);
                broken_what = "initializer: " + result.exception_type + ": " + result.what;
                fail_queue(done);
            }
            return true;
        }
        if (w.in_flight.empty() || w.in_flight.front().id != result.id)
            return false; // results come back in the order tasks were sent
        pending_task task = std::move(w.in_flight.front());
        w.in_flight.pop_front();
        if (w.state.started()) {
            const double took = std::chrono::duration<double>(now - w.front_started).count();
            w.mean_task_seconds = dispatch::next_mean(w.mean_task_seconds, took);
        } else {
            // A helper (pool_backend::help) read this before the started frame.
            note_up(w.state.reach_init());
        }
        w.deadline.cancel();
        if (!w.in_flight.empty())
            begin_front(w, now);
        task_outcome outcome;
        to_outcome(result, outcome);
        if (result.ok) // a ring's frames are small; a channel's may be near the limit
            outcome.results = channel ? keep_part(*channel, result.results)
                                      : received_bytes::copy_of(result.results);
        finish(done, task, std::move(outcome));
        return true;
    }

    // The worker's stream ended: it exited, crashed or was killed. Fails the task it was
    // running, gives the ones queued behind it to others, and replaces it.
    void end_of_stream(const worker_ptr& w, std::unique_lock<std::mutex>& lock, completions& done)
    {
        const bool was_stopping = w->state.stopping();
        w->state.end();
        w->deadline.cancel();
        w->link.close();
        workers[w->slot] = nullptr;
        // Its front task ran, unless it never started; one cancelled was killed with it anyway.
        const bool front_cancelled = !w->in_flight.empty() && w->in_flight.front().cancelled;
        std::optional<pending_task> running;
        if ((w->state.started() || front_cancelled) && !w->in_flight.empty()) {
            running = std::move(w->in_flight.front());
            w->in_flight.pop_front();
        }
        // Sent but not begun: they go back to the head of the queue, in order.
        for (auto it = w->in_flight.rbegin(); it != w->in_flight.rend(); ++it)
            queue.push_front(std::move(*it));
        w->in_flight.clear();

        lock.unlock(); // reaping may wait for the worker to finish exiting
        w->link.reap(false);
        lock.lock();

        const bool timed_out = w->state.killed_for(worker_state::kill::task_timeout);
        if (running) {
            const error_code why = terminating          ? make_error_code(error::pool_closed)
                                   : running->cancelled ? error_code(asio::error::operation_aborted)
                                   : timed_out          ? make_error_code(error::timeout)
                                                        : make_error_code(error::worker_died);
            if (dispatch::retry(why, running->retries, options.max_retries,
                                options.retry_timeouts)) {
                // Ahead of the tasks sent behind it, for another worker.
                ++running->retries;
                ++counts.retries;
                queue.push_front(std::move(*running));
            } else {
                finish(done, *running,
                       failure(why, timed_out ? "task timed out; its worker was killed"
                                              : describe_exit(w->link.child().exit_code())));
            }
        }
        // It never reached init, or its initializer did not finish.
        if (!w->state.up() && !front_cancelled && !was_stopping && !terminating && !broken)
            start_failed(w->link.child().exit_code(), w->state.started(),
                         w->state.killed_for(worker_state::kill::start_timeout));
        if (broken)
            fail_queue(done); // with the tasks it was given, if it never started
        worker_done_locked();
        replace(w->slot);
        dispatch(); // the tasks it was given, to the others
    }

    dispatch::worker_load load(const worker& w) const noexcept
    {
        return {w.in_flight.size(), w.tasks_sent, w.mean_task_seconds, options.max_tasks_per_child};
    }

    // How many more tasks worker `w` may be sent now.
    std::size_t capacity(const worker& w) const
    {
        return w.state.takes_tasks() ? dispatch::capacity(load(w), max_pipelined) : 0;
    }

    void dispatch()
    {
        // Idle workers first, one task each; then the pipelines, a task to each in turn, so
        // that the work spreads evenly.
        for (const worker_ptr& w : workers)
            if (!queue.empty() && w && w->in_flight.empty() && capacity(*w) > 0)
                send_task(*w);
        for (bool sent = true; sent && !queue.empty();) {
            sent = false;
            for (const worker_ptr& w : workers)
                if (!queue.empty() && w && capacity(*w) > 0 && send_task(*w))
                    sent = true;
        }
        for (const worker_ptr& w : workers) {
            if (!w || w->state.gone())
                continue;
            if (w->state.takes_tasks() &&
                (dispatch::retired(load(*w)) || (closed && queue.empty())) && w->link.post_stop())
                w->state.stop();
            w->link.wake_if_asked();
            flush(w);
        }
    }

    // Sends the queue's first task to `w`, unless its ring is full.
    bool send_task(worker& w)
    {
        pending_task& task = queue.front();
        task_bytes.clear();
        append_task_frame(task_bytes, task.id, task.task->name, task.task->signature,
                          task.chunk.count, task.chunk.arguments);
        const bool sent = w.link.post(task_bytes);
        if (task_bytes.capacity() > frame_ring::capacity)
            std::string().swap(task_bytes); // a huge task's buffer is not kept
        if (!sent)
            return false;
        // The task keeps its arguments: they are sent again if the worker dies before it.
        ++w.tasks_sent;
        w.in_flight.push_back(std::move(task));
        queue.pop_front();
        if (w.in_flight.size() == 1 && w.state.started())
            begin_front(w, os::clock::now());
        return true;
    }

    // The front task of `w` starts (about) now: time it, and stop it at its deadline.
    void begin_front(worker& w, os::clock::time_point now)
    {
        w.front_started = now;
        if (options.task_timeout.count() <= 0)
            return;
        w.deadline.expires_after(options.task_timeout);
        w.deadline.async_wait([self = shared_from_this(), wp = w.shared_from_this(),
                               id = w.in_flight.front().id](const error_code& ec) {
            if (!ec)
                self->on_deadline(*wp, id);
        });
    }

    // Task `id` of `w` may have run too long. The timeout bounds the task's run, not the
    // sending of its result: results that came in time are taken first, and one on its way
    // (announced in the ring, its bytes still coming on the channel) means the task ended.
    void on_deadline(worker& w, std::uint64_t id)
    {
        completions done;
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (w.state.gone())
                return;
            error_code ignored;
            if (!handle_input(w, done)) {
                w.link.child().kill(ignored); // not our protocol; its end of stream follows
            } else if (!w.in_flight.empty() && w.in_flight.front().id == id &&
                       !w.link.result_arriving()) {
                w.state.mark_killed(worker_state::kill::task_timeout);
                w.link.child().kill(ignored); // its end of stream fails the task with timeout
            }
            dispatch();
        }
        done.run();
    }

    // The worker is gone or going if its channel fails: its end of stream follows the kill.
    void flush(const worker_ptr& w)
    {
        if (w->state.gone())
            return;
        const bool ok = w->link.flush([self = shared_from_this(), w](const error_code& ec) {
            std::lock_guard<std::mutex> lock(self->mutex);
            w->link.written();
            if (ec) {
                error_code ignored;
                w->link.child().kill(ignored);
                return;
            }
            self->flush(w);
        });
        if (!ok) {
            error_code ignored;
            w->link.child().kill(ignored);
        }
    }

    void fail_queue(completions& done)
    {
        for (pending_task& task : queue)
            finish(done, task, failure(broken, broken_what));
        queue.clear();
    }
};

// ---- the backend basic_pool calls (pool_backend.hpp) ---------------------------------------

namespace {

// The local pool's backend: the calls of pool.hpp, on its core. The core lives on while its
// handlers run (they hold it); the backend is the pool's and its results' (pool_backend::help).
class local_backend final : public pool_backend
{
public:
    explicit local_backend(std::shared_ptr<pool_core> core) : core_(std::move(core)) {}

    void submit(std::uint64_t id, const task_entry& task, encoded_chunk chunk,
                task_callback done) override
    {
        pool_core& pool = *core_;
        std::unique_lock<std::mutex> lock = lock_for_new_task(pool, "multiproc::pool");
        if (pool.broken) {
            // Never completed inside this call: Asio's rule, and the caller's locks.
            ++pool.counts.failed;
            asio::post(pool.executor, [done = std::move(done),
                                       outcome = failure(pool.broken, pool.broken_what)]() mutable {
                done(std::move(outcome));
            });
            return;
        }
        // Tasks already waiting mean no worker had room at the last dispatch, and only a result
        // or a new worker (which dispatch again) makes room.
        const bool others_waiting = !pool.queue.empty();
        pool.queue.push_back({id, &task, std::move(chunk), std::move(done), false});
        if (!others_waiting)
            pool.dispatch();
    }

    void cancel(std::uint64_t first, std::size_t n, asio::cancellation_type type) noexcept override
    {
        pool_core& pool = *core_;
        const auto mine = [&](std::uint64_t id) { return id >= first && id - first < n; };
        completions done;
        {
            std::lock_guard<std::mutex> lock(pool.mutex);
            for (auto it = pool.queue.begin(); it != pool.queue.end();) {
                if (mine(it->id)) {
                    pool.finish(done, *it, failure(asio::error::operation_aborted, "cancelled"));
                    it = pool.queue.erase(it);
                } else {
                    ++it;
                }
            }
            // A running task: signal its worker. Tasks sent behind it cannot be taken back.
            for (const worker_ptr& w : pool.workers) {
                if (!w || w->state.gone() || w->in_flight.empty() || !mine(w->in_flight.front().id))
                    continue;
                w->in_flight.front().cancelled = true;
                error_code ignored;
                if ((type & asio::cancellation_type::terminal) != asio::cancellation_type::none)
                    w->link.child().kill(ignored);
                else if ((type & asio::cancellation_type::partial) != asio::cancellation_type::none)
                    w->link.child().terminate(ignored);
                else
                    w->link.child().interrupt(ignored);
            }
        }
        done.run();
    }

    bool helps_waiters() const noexcept override { return true; }

    bool help(bool helping) override
    {
        pool_core& pool = *core_;
        completions done;
        {
            std::unique_lock<std::mutex> lock(pool.mutex, std::try_to_lock);
            if (!lock)
                return helping;
            if (!helping && pool.helpers++ == 0) {
                // Workers need not wake the pool's thread for results we take.
                for (const worker_ptr& w : pool.workers)
                    if (w && !w->state.gone())
                        w->link.withdraw_wake_request();
            }
            bool took = false;
            for (const worker_ptr& w : pool.workers) {
                if (!w || w->state.gone() || !w->link.has_results())
                    continue;
                took = true;
                if (!pool.handle_input(*w, done)) {
                    error_code ignored;
                    w->link.child().kill(ignored); // not our protocol; its end of stream follows
                }
            }
            if (took)
                pool.dispatch();
        }
        done.run();
        return true;
    }

    void stop_helping() noexcept override
    {
        pool_core& pool = *core_;
        completions done;
        {
            std::lock_guard<std::mutex> lock(pool.mutex);
            if (--pool.helpers == 0) {
                // The pool's thread takes over: ask each worker to wake it again, as on_read does.
                for (const worker_ptr& w : pool.workers) {
                    if (!w || w->state.gone())
                        continue;
                    bool ok = true;
                    while (ok && w->link.ask_for_wake())
                        ok = pool.handle_input(*w, done);
                    if (!ok) {
                        error_code ignored;
                        w->link.child().kill(ignored);
                    }
                }
                pool.dispatch();
            }
        }
        done.run();
    }

    void close() noexcept override
    {
        pool_core& pool = *core_;
        std::lock_guard<std::mutex> lock(pool.mutex);
        pool.closed = true;
        pool.dispatch();
    }

    void join() override
    {
        pool_core& pool = *core_;
        std::unique_lock<std::mutex> lock(pool.mutex);
        if (!pool.closed && !pool.terminating)
            throw_error(make_error_code(boost::system::errc::operation_not_permitted),
                        "multiproc::pool::join: close() or terminate() the pool first");
        pool.all_gone.wait(lock, [&] { return pool.live == 0 && pool.starting == 0; });
    }

    void terminate() noexcept override
    {
        pool_core& pool = *core_;
        completions done;
        std::vector<worker_ptr> workers;
        {
            std::lock_guard<std::mutex> lock(pool.mutex);
            if (pool.terminating)
                return;
            pool.terminating = true;
            for (pending_task& task : pool.queue)
                pool.finish(done, task,
                            failure(make_error_code(error::pool_closed), "pool terminated"));
            pool.queue.clear();
            for (const auto& timer : pool.backoff)
                if (timer)
                    timer->cancel(); // its slot is not filled
            for (worker_ptr& w : pool.workers) {
                if (!w)
                    continue;
                w->state.end();
                error_code ignored;
                w->link.child().kill(ignored);
                w->deadline.cancel();
                w->link.close();
                for (pending_task& task : w->in_flight)
                    pool.finish(done, task,
                                failure(make_error_code(error::pool_closed), "pool terminated"));
                w->in_flight.clear();
                workers.push_back(std::move(w));
            }
        }
        for (const worker_ptr& w : workers)
            w->link.reap(true);
        done.run();
        {
            std::unique_lock<std::mutex> lock(pool.mutex);
            for (std::size_t i = 0; i < workers.size(); ++i)
                pool.worker_done_locked();
            // Slots being filled right now see `terminating` and give up.
            pool.all_gone.wait(lock, [&] { return pool.live == 0; });
        }
        if (pool.own) {
            // The pool's thread ends once the aborted operations' handlers have run.
            pool.own->work.reset();
            if (pool.own->thread.get_id() == std::this_thread::get_id())
                pool.own->thread.detach();
            else if (pool.own->thread.joinable())
                pool.own->thread.join();
        }
    }

    std::size_t size() const noexcept override { return core_->size; }

    pool_stats stats() const
    {
        pool_core& pool = *core_;
        std::lock_guard<std::mutex> lock(pool.mutex);
        pool_stats stats = pool.counts;
        stats.queued = pool.queue.size();
        for (const worker_ptr& w : pool.workers)
            if (w)
                stats.running += w->in_flight.size();
        return stats;
    }

    asio::any_io_executor executor() const override { return core_->executor; }

private:
    std::shared_ptr<pool_core> core_;
};

} // namespace

std::shared_ptr<pool_backend> make_pool(std::size_t size, pool_options options,
                                        const asio::any_io_executor* executor)
{
    if (size > multiproc::pool::max_size)
        throw_error(make_error_code(boost::system::errc::invalid_argument),
                    ("multiproc::pool: size " + std::to_string(size) + " is more than the " +
                     std::to_string(multiproc::pool::max_size) + " workers a pool takes")
                        .c_str());
    auto pool = std::make_shared<pool_core>();
    pool->size = size == 0 ? cpu_count() : size;
    pool->method = options.method.value_or(get_start_method());
    pool->options = std::move(options);
    if (executor) {
        pool->executor = *executor;
    } else {
        pool->own = std::make_shared<own_context>();
        pool->executor = pool->own->io.get_executor();
        pool->own->thread = std::thread([own = pool->own] { own->io.run(); });
    }
    pool->workers.resize(pool->size);
    pool->backoff.resize(pool->size);
    // Workers start in the background, as Python's do, and fail every task with the reason if
    // they cannot be started. All in one handler, so that the executor reads no result before
    // the last is spawned: tasks given meanwhile go one to each, and n tasks given to pool(n)
    // run at once, however long the workers take to come up.
    std::lock_guard<std::mutex> lock(pool->mutex);
    pool->starting = pool->size;
    asio::post(pool->executor, [pool] {
        for (std::size_t slot = 0; slot < pool->size; ++slot)
            pool->fill_slot(slot);
    });
    return std::make_shared<local_backend>(std::move(pool));
}

pool_stats pool_get_stats(pool_backend& pool)
{
    return static_cast<local_backend&>(pool).stats();
}

void to_outcome(const result_frame& result, task_outcome& outcome)
{
    if (result.ok)
        return;
    if (result.failure != error{}) {
        outcome.ec = make_error_code(result.failure);
        outcome.what = result.what;
    } else {
        outcome.ec = make_error_code(error::remote_exception);
        outcome.exception_type = result.exception_type;
        outcome.what = result.what;
    }
}

std::exception_ptr outcome_error(const task_outcome& outcome)
{
    if (outcome.ec == error::remote_exception)
        return std::make_exception_ptr(remote_error(outcome.exception_type, outcome.what));
    return std::make_exception_ptr(system_error(
        outcome.ec, outcome.what.empty() ? std::string("multiproc::pool") : outcome.what));
}

error_code error_code_of(const std::exception_ptr& error) noexcept
{
    try {
        std::rethrow_exception(error);
    } catch (const system_error& e) {
        return e.code();
    } catch (...) {
        return make_error_code(error::bad_message); // a result that would not decode
    }
}

void check_no_inherited_handles(inheritance_scope& scope)
{
    if (!scope.take().handles.empty())
        throw_error(make_error_code(error::not_supported),
                    "multiproc::pool: a pipe connection cannot be passed to a pool task");
}

} // namespace multiproc::detail
