// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// The pool's supervisor: one thread runs an Asio io_context and owns every piece of pool
// state (workers, the task each holds, the queue); nothing else touches it. Each worker has a
// reader thread that blocks on the worker's channel and posts what arrives (started, a result,
// the end of the stream) to the supervisor. A worker's death is the end of its stream: the
// supervisor reaps it, fails the one task it held and starts a replacement. No lock is shared
// with a worker process, so a killed worker cannot leave anything held.

#include <multiproc/pool.hpp>

#include <multiproc/init.hpp>

#include "detail/frame.hpp"
#include "detail/os.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <future>
#include <thread>

namespace multiproc::detail {

namespace asio = boost::asio;

namespace {

struct queued_task
{
    std::uint64_t id = 0;
    const task_entry* task = nullptr;
    std::vector<std::string> arguments;
    task_callback done;
};

// The id of the initializer's task: real tasks count from 1.
constexpr std::uint64_t initializer_id = 0;

struct worker
{
    explicit worker(asio::io_context& io) : deadline(io) {}
    os::child child;
    os::channel channel;
    std::thread reader;
    std::optional<queued_task> current; // the task it runs
    asio::steady_timer deadline;        // of the current task, with a task timeout
    std::size_t tasks_done = 0;
    bool ready = false;     // it reported from init, and its initializer ran
    bool closing = false;   // its stream was ended: it exits when done
    bool timed_out = false; // killed because its task ran too long
};

std::string describe_exit(std::optional<int> code)
{
    if (!code)
        return "worker died";
    return *code < 0 ? "worker killed by signal " + std::to_string(-*code)
                     : "worker exited with code " + std::to_string(*code);
}

} // namespace

struct pool_core
{
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::thread supervisor;
    std::size_t size = 0;
    pool_options options;

    // Supervisor thread only.
    std::vector<std::unique_ptr<worker>> workers;
    std::deque<queued_task> queue;
    std::uint64_t next_id = 1;
    unsigned next_worker_number = 1;
    bool closed = false;
    bool terminating = false;
    error_code broken;       // workers cannot be started: every task fails with this
    std::string broken_what; // and this message

    // join() waits for every worker to be gone.
    std::mutex mutex;
    std::condition_variable all_gone;
    std::size_t live = 0; // workers started or being started, and not yet reaped
    bool stopped = false;

    ~pool_core()
    {
        work.reset();
        io.stop();
        if (supervisor.joinable())
            supervisor.join();
    }

    // ---- on the supervisor thread ----------------------------------------------------------

    void start_worker(std::size_t slot, error_code& ec)
    {
        auto w = std::make_unique<worker>(io);
        os::channel child_end;
        os::channel::make_pair(w->channel, child_end, ec);
        if (!ec)
            w->child = os::child::spawn(get_executable(), {"--multiproc-child", child_end.token()},
                                        {child_end.native()}, ec);
        child_end.close();
        if (!ec)
            send_frame(w->channel, frame_kind::worker,
                       encode_worker("PoolWorker-" + std::to_string(next_worker_number++)),
                       os::clock::now() + std::chrono::seconds(30), ec);
        // The initializer is the worker's first task; it is ready once that succeeded.
        if (!ec && options.initializer_task)
            send_frame(w->channel, frame_kind::task,
                       encode(task_frame{initializer_id,
                                         options.initializer_task->name,
                                         options.initializer_task->signature,
                                         {options.initializer_arguments}}),
                       os::clock::now() + std::chrono::seconds(30), ec);
        if (ec) {
            error_code ignored;
            w->child.kill(ignored);
            w->child.wait_exit(os::clock::time_point::max(), ignored);
            w->child.running(ignored);
            return;
        }
        worker* raw = w.get();
        w->reader = std::thread([this, raw] { read_from(raw); });
        workers[slot] = std::move(w);
    }

    // Starts the worker of a slot; if it cannot be started, the pool is broken: every task
    // fails with the reason.
    void fill_slot(std::size_t slot)
    {
        error_code ec;
        start_worker(slot, ec);
        if (!ec)
            return;
        broken = ec;
        fail_queue(broken);
        worker_gone();
    }

    void worker_gone()
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (--live == 0)
            all_gone.notify_all();
    }

    // A worker's reader thread: everything the worker sends goes to the supervisor.
    void read_from(worker* w)
    {
        std::string body;
        for (;;) {
            error_code ec;
            const frame_kind kind = receive_frame(w->channel, body, ec);
            if (!ec && kind == frame_kind::started) {
                asio::post(io, [this, w] { on_started(w); });
                continue;
            }
            result_frame result;
            if (!ec && kind == frame_kind::result)
                result = decode_result(body, ec);
            else if (!ec)
                ec = make_error_code(error::bad_message);
            if (ec) {
                asio::post(io, [this, w] { on_exit(w); });
                return;
            }
            asio::post(io,
                       [this, w, r = std::move(result)]() mutable { on_result(w, std::move(r)); });
        }
    }

    void on_started(worker* w)
    {
        w->ready = !options.initializer_task;
        dispatch();
    }

    void on_result(worker* w, result_frame&& result)
    {
        if (result.id == initializer_id && !w->ready) {
            if (result.ok) {
                w->ready = true;
            } else {
                broken = make_error_code(error::remote_exception);
                broken_what = "initializer: " + result.exception_type + ": " + result.what;
                fail_queue(broken);
            }
            dispatch();
            return;
        }
        if (!w->current || w->current->id != result.id)
            return; // not the task it holds: ignore, the stream is ours alone
        w->deadline.cancel();
        queued_task task = std::move(*w->current);
        w->current.reset();
        // A worker that has done its share is replaced (its end of stream brings on_exit).
        if (options.max_tasks_per_child != 0 && ++w->tasks_done >= options.max_tasks_per_child) {
            w->closing = true;
            w->channel.shutdown_send();
        }
        task_outcome outcome;
        if (result.ok) {
            outcome.results = std::move(result.results);
        } else {
            outcome.ec = make_error_code(error::remote_exception);
            outcome.exception_type = std::move(result.exception_type);
            outcome.what = std::move(result.what);
        }
        task.done(std::move(outcome));
        dispatch();
    }

    void on_exit(worker* w)
    {
        const auto it = std::find_if(workers.begin(), workers.end(),
                                     [w](const auto& p) { return p.get() == w; });
        if (it == workers.end())
            return;
        std::unique_ptr<worker> gone = std::move(*it);
        gone->reader.join();
        error_code ec;
        // Its stream ended: it is exiting, or stuck; give it a moment, then kill it.
        if (!gone->child.wait_exit(os::clock::now() + std::chrono::seconds(5), ec))
            gone->child.kill(ec);
        gone->child.wait_exit(os::clock::time_point::max(), ec);
        gone->child.running(ec);
        if (gone->current) {
            task_outcome outcome;
            outcome.ec = make_error_code(terminating       ? error::pool_closed
                                         : gone->timed_out ? error::timeout
                                                           : error::worker_died);
            outcome.what = gone->timed_out ? "task timed out; its worker was killed"
                                           : describe_exit(gone->child.exit_code());
            gone->current->done(std::move(outcome));
        }
        if (!gone->ready && !terminating && !gone->closing) {
            broken = make_error_code(error::not_initialized); // it never reached init
            fail_queue(broken);
        }
        if (!closed && !terminating && !broken)
            fill_slot(static_cast<std::size_t>(it - workers.begin())); // a replacement
        else
            worker_gone();
        dispatch();
    }

    void dispatch()
    {
        for (auto& w : workers) {
            if (queue.empty())
                break;
            if (!w || !w->ready || w->current || w->closing)
                continue;
            queued_task task = std::move(queue.front());
            queue.pop_front();
            const std::string frame =
                encode(task_frame{task.id, task.task->name, task.task->signature, task.arguments});
            error_code ec;
            send_frame(w->channel, frame_kind::task, frame, os::clock::time_point::max(), ec);
            if (ec) {
                queue.push_front(std::move(task)); // not taken: another worker will run it
                continue;
            }
            w->current = std::move(task);
            if (options.task_timeout.count() > 0)
                arm_deadline(*w);
        }
        if (closed && queue.empty())
            for (auto& w : workers)
                if (w && !w->current && !w->closing) {
                    w->closing = true;
                    w->channel.shutdown_send(); // the worker exits at the end of its stream
                }
    }

    // A task still running at its deadline: kill its worker; on_exit fails it with timeout.
    void arm_deadline(worker& w)
    {
        const std::uint64_t id = w.current->id;
        w.deadline.expires_after(options.task_timeout);
        w.deadline.async_wait([this, wp = &w, id](const error_code& ec) {
            if (ec || !wp->current || wp->current->id != id)
                return;
            wp->timed_out = true;
            error_code ignored;
            wp->child.kill(ignored);
        });
    }

    void fail_queue(error_code why)
    {
        while (!queue.empty()) {
            queued_task task = std::move(queue.front());
            queue.pop_front();
            task_outcome outcome;
            outcome.ec = why;
            outcome.what = broken_what;
            task.done(std::move(outcome));
        }
    }

    // Runs `f` on the supervisor thread and waits for it.
    template <class F>
    void run_on_supervisor(F f)
    {
        std::promise<void> done;
        asio::post(io, [&] {
            f();
            done.set_value();
        });
        done.get_future().wait();
    }
};

std::shared_ptr<pool_core> make_pool(std::size_t size, pool_options options)
{
    auto pool = std::make_shared<pool_core>();
    pool->size = size == 0 ? cpu_count() : size;
    pool->options = std::move(options);
    pool->workers.resize(pool->size);
    pool->live = pool->size;
    pool->supervisor = std::thread([p = pool.get()] { p->io.run(); });
    // Workers start in the background, as Python's do: tasks wait in the queue meanwhile, and
    // fail with the reason if workers cannot be started.
    asio::post(pool->io, [p = pool.get()] {
        for (std::size_t i = 0; i < p->size; ++i) {
            if (p->terminating || p->broken)
                p->worker_gone(); // not started: nothing to wait for
            else
                p->fill_slot(i);
        }
    });
    return pool;
}

void pool_submit(pool_core& pool, const task_entry& task, std::vector<std::string> arguments,
                 task_callback done)
{
    asio::post(pool.io, [&pool, &task, arguments = std::move(arguments),
                         done = std::move(done)]() mutable {
        if (pool.closed || pool.terminating || pool.broken) {
            task_outcome outcome;
            outcome.ec = pool.broken ? pool.broken : make_error_code(error::pool_closed);
            outcome.what = pool.broken_what;
            done(std::move(outcome));
            return;
        }
        pool.queue.push_back({pool.next_id++, &task, std::move(arguments), std::move(done)});
        pool.dispatch();
    });
}

void pool_close(pool_core& pool) noexcept
{
    asio::post(pool.io, [&pool] {
        pool.closed = true;
        pool.dispatch();
    });
}

void pool_join(pool_core& pool)
{
    bool closed = false;
    pool.run_on_supervisor([&] { closed = pool.closed || pool.terminating; });
    if (!closed)
        throw_error(make_error_code(boost::system::errc::operation_not_permitted),
                    "multiproc::pool::join: close() or terminate() the pool first");
    std::unique_lock<std::mutex> lock(pool.mutex);
    pool.all_gone.wait(lock, [&] { return pool.live == 0; });
}

void pool_terminate(pool_core& pool) noexcept
{
    {
        std::lock_guard<std::mutex> lock(pool.mutex);
        if (pool.stopped)
            return;
        pool.stopped = true;
    }
    pool.run_on_supervisor([&] {
        pool.terminating = true;
        pool.fail_queue(make_error_code(error::pool_closed));
        for (auto& w : pool.workers) {
            error_code ec;
            if (w)
                w->child.kill(ec); // its reader sees the end of the stream: on_exit reaps it
        }
    });
    std::unique_lock<std::mutex> lock(pool.mutex);
    pool.all_gone.wait(lock, [&] { return pool.live == 0; });
}

std::size_t pool_size(const pool_core& pool) noexcept
{
    return pool.size;
}

std::exception_ptr outcome_error(const task_outcome& outcome)
{
    if (outcome.ec == error::remote_exception)
        return std::make_exception_ptr(remote_error(outcome.exception_type, outcome.what));
    return std::make_exception_ptr(system_error(
        outcome.ec, outcome.what.empty() ? std::string("multiproc::pool") : outcome.what));
}

} // namespace multiproc::detail
