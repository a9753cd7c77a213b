// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// The MPI pool's supervisor: one thread that takes the callers' task messages, sends them to
// the worker ranks in batches and gives each result to its task. It is the only thread that
// calls MPI while the pool lives, and runs the pool's executor (completion handlers).

#include "protocol.hpp"
#include "../detail/frame.hpp"
#include "../detail/pool_intake.hpp"
#include "../pool/dispatch.hpp"
#include "../pool/pending_task.hpp"

#include <multiproc/mpi/pool.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/request.hpp>
#include <boost/mpi/status.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace multiproc::detail {

namespace asio = boost::asio;
namespace protocol = mpi_protocol;

namespace {

using clock = std::chrono::steady_clock;

// Task messages sent to a rank in one MPI message, waiting for their results.
struct batch
{
    std::string bytes; // sent from here: alive until the send completes
    boost::mpi::request sending;
    std::vector<std::pair<std::uint64_t, task_callback>> tasks;
    std::size_t answered = 0; // tasks whose results came: they come in one or more messages
    clock::time_point sent_at;
};

struct worker_rank
{
    int rank = 0;
    std::deque<batch> in_flight;   // a deque: a batch being sent never moves
    std::size_t tasks_out = 0;     // task messages in those batches
    double mean_task_seconds = -1; // of its task messages so far; < 0: none yet
    clock::time_point last_result;
};

// At most two batches per rank: one running, the next already there when it ends.
constexpr std::size_t batches_per_rank = 2;
// A batch takes at most this many task messages, and stops growing past this many bytes.
constexpr std::size_t max_batch_tasks = 64;
constexpr std::size_t max_batch_bytes = std::size_t(1) << 20;
// A rank is sent as many task messages ahead as it is expected to run within the local pool's
// pipeline budget (dispatch.hpp): one at a time for slow tasks, so that none waits behind
// another on a busy rank while a rank is idle; many for quick ones, to hide the messages'
// latency.
constexpr std::size_t max_tasks_out = 2 * max_batch_tasks;

} // namespace

struct mpi_pool_core
{
    // Made at their number once: a worker_rank is not copied (its callbacks are move-only).
    explicit mpi_pool_core(std::size_t size) : work(asio::make_work_guard(io)), workers(size)
    {
        for (std::size_t i = 0; i < size; ++i)
            workers[i].rank = static_cast<int>(i + 1);
    }

    mutable asio::io_context io; // its executor is the pool's
    asio::executor_work_guard<asio::io_context::executor_type> work;
    std::thread thread;

    // Shared with the callers, under `mutex`.
    std::mutex mutex;
    std::condition_variable ended;
    std::vector<pending_task> incoming;
    std::vector<std::pair<std::uint64_t, std::size_t>> cancels; // first id, count
    bool closed = false;
    bool terminating = false;
    bool finished = false; // closed or terminating, and every task has ended

    // The supervisor thread's own.
    boost::mpi::communicator world;
    std::vector<worker_rank> workers;
    std::deque<pending_task> queue;
    std::size_t next_worker = 0;
    std::size_t batches_out = 0;

    void run();
    bool take_incoming(bool& stop);
    void cancel(std::uint64_t first, std::size_t n);
    void fail_everything();
    bool dispatch();
    bool send_batch(worker_rank& w);
    bool receive();
    bool complete(batch& b, std::vector<char>& replies);
};

void mpi_pool_core::run()
{
    protocol::idle_backoff backoff;
    for (;;) {
        io.poll(); // completion handlers, wake-ups
        bool stop = false;
        const bool took = take_incoming(stop);
        if (stop && batches_out == 0)
            break;
        const bool sent = dispatch();
        const bool received = receive();
        if (took || sent || received) {
            backoff.reset();
            continue;
        }
        if (batches_out == 0)
            io.run_one(); // nothing expected from MPI: sleep until a caller posts
        else if (const auto wait = backoff.next(); wait.count() != 0)
            io.run_one_for(wait); // a caller's post ends the wait at once
    }
    {
        std::lock_guard<std::mutex> lock(mutex);
        finished = true;
        ended.notify_all();
    }
    // Handlers of the tasks that ended last; then the pool's executor has nothing left.
    work.reset();
    io.run();
    protocol::release_workers();
}

// Takes what the callers left; true if anything. `stop`: the pool is being destroyed.
bool mpi_pool_core::take_incoming(bool& stop)
{
    std::vector<pending_task> arrived;
    std::vector<std::pair<std::uint64_t, std::size_t>> cancelled;
    bool terminate_now = false;
    {
        std::lock_guard<std::mutex> lock(mutex);
        arrived.swap(incoming);
        cancelled.swap(cancels);
        terminate_now = terminating;
        stop = terminating;
        if ((closed || terminating) && arrived.empty() && queue.empty() && batches_out == 0 &&
            !finished) {
            finished = true;
            ended.notify_all();
        }
    }
    for (pending_task& task : arrived)
        queue.push_back(std::move(task));
    for (const auto& [first, n] : cancelled)
        cancel(first, n);
    if (terminate_now)
        fail_everything();
    return !arrived.empty() || !cancelled.empty();
}

void mpi_pool_core::cancel(std::uint64_t first, std::size_t n)
{
    const auto mine = [&](std::uint64_t id) { return id >= first && id - first < n; };
    const auto aborted = [] { return failure(asio::error::operation_aborted, "cancelled"); };
    for (auto it = queue.begin(); it != queue.end();) {
        if (mine(it->id)) {
            it->done(aborted());
            it = queue.erase(it);
        } else {
            ++it;
        }
    }
    // Sent: the rank runs it anyway (MPI cannot interrupt it); its result will be dropped.
    for (worker_rank& w : workers)
        for (batch& b : w.in_flight)
            for (auto& [id, done] : b.tasks)
                if (mine(id) && done)
                    std::exchange(done, nullptr)(aborted());
}

void mpi_pool_core::fail_everything()
{
    const auto closed_outcome = [] {
        return failure(make_error_code(error::pool_closed), "pool terminated");
    };
    for (pending_task& task : queue)
        task.done(closed_outcome());
    queue.clear();
    for (worker_rank& w : workers)
        for (batch& b : w.in_flight)
            for (auto& [id, done] : b.tasks)
                if (done)
                    std::exchange(done, nullptr)(closed_outcome());
}

// Sends batches to the ranks that have room, idle ones first; true if any was sent.
bool mpi_pool_core::dispatch()
{
    bool sent = false;
    for (int pass = 0; pass < 2; ++pass)
        for (std::size_t i = 0; i < workers.size() && !queue.empty(); ++i) {
            worker_rank& w = workers[(next_worker + i) % workers.size()];
            if (pass == 1 || w.in_flight.empty())
                sent = send_batch(w) || sent;
        }
    next_worker = (next_worker + 1) % workers.size(); // the first rank asked takes turns
    return sent;
}

// Sends `w` a batch if it has room for one; true if sent.
bool mpi_pool_core::send_batch(worker_rank& w)
{
    const std::size_t depth = dispatch::pipeline_depth(w.mean_task_seconds, max_tasks_out);
    if (w.in_flight.size() >= batches_per_rank || w.tasks_out >= depth)
        return false;
    // No more than a fair share of the queue: the other ranks get theirs.
    const std::size_t share = (queue.size() + workers.size() - 1) / workers.size();
    const std::size_t n = std::min({depth - w.tasks_out, share, max_batch_tasks});
    {
        batch& b = w.in_flight.emplace_back();
        while (b.tasks.size() < n && !queue.empty() && b.bytes.size() < max_batch_bytes) {
            pending_task& task = queue.front();
            append_task_frame(b.bytes, task.id, task.task->name, task.task->signature,
                              task.chunk.count, task.chunk.arguments);
            b.tasks.emplace_back(task.id, std::move(task.done));
            queue.pop_front();
        }
        b.sending = world.isend(w.rank, protocol::tag::tasks, b.bytes.data(),
                                static_cast<int>(b.bytes.size()));
        b.sent_at = clock::now();
        w.tasks_out += b.tasks.size();
    }
    ++batches_out;
    return true;
}

// Takes every result message that has arrived; true if any.
bool mpi_pool_core::receive()
{
    bool any = false;
    std::vector<char> replies;
    while (batches_out != 0) {
        // Any tag: a rank's output and results are taken in the order it sent them.
        const boost::optional<boost::mpi::status> message =
            world.iprobe(boost::mpi::any_source, boost::mpi::any_tag);
        if (!message)
            break;
        const int size = message->count<char>().value_or(0);
        replies.resize(static_cast<std::size_t>(size));
        world.recv(message->source(), message->tag(), replies.data(), size);
        any = true;
        if (message->tag() == protocol::tag::output) {
            // What a task printed, printed here: in order with what rank 0 prints.
            std::fwrite(replies.data(), 1, replies.size(), stdout);
            std::fflush(stdout);
            continue;
        }
        const auto from = static_cast<std::size_t>(message->source());
        if (from == 0 || from > workers.size() || workers[from - 1].in_flight.empty()) {
            std::fprintf(stderr,
                         "multiproc::mpi::pool: rank %d sent results for no task (is "
                         "every rank the same program?)\n",
                         message->source());
            world.abort(1);
        }
        worker_rank& w = workers[from - 1];
        batch& b = w.in_flight.front();
        b.sending.wait(); // the rank has it: the send is complete
        if (!complete(b, replies))
            continue; // more of its results to come
        // The rank ran the batch from when it was sent or the one before ended, if later.
        const auto now = clock::now();
        const double took =
            std::chrono::duration<double>(now - std::max(b.sent_at, w.last_result)).count() /
            static_cast<double>(b.tasks.size());
        w.mean_task_seconds = dispatch::next_mean(w.mean_task_seconds, took);
        w.last_result = now;
        w.tasks_out -= b.tasks.size();
        w.in_flight.pop_front();
        --batches_out;
    }
    return any;
}

// Gives the tasks of a batch the result frames of one message, in order; true once every task
// of the batch has its result. A message that does not parse fails the rest of the batch.
bool mpi_pool_core::complete(batch& b, std::vector<char>& replies)
{
    const std::size_t size = replies.size();
    frame_buffer in{std::move(replies), 0, size}; // a large result keeps its storage
    bool broken = false;
    for (; b.answered < b.tasks.size() && (broken || in.read < in.used); ++b.answered) {
        auto& [id, done] = b.tasks[b.answered];
        error_code ec;
        frame_kind kind{};
        std::string_view body;
        result_frame result;
        if (frame_at(in.bytes, in.read, in.used, kind, body) != parsed::frame ||
            kind != frame_kind::result) {
            ec = make_error_code(error::bad_message);
            broken = true;
        } else {
            result = decode_result(body, ec);
            in.read += frame_header_size + body.size();
            if (!ec && result.id != id)
                ec = make_error_code(error::bad_message);
        }
        if (!done)
            continue; // cancelled or terminated: already completed
        task_outcome outcome;
        if (ec) {
            outcome = failure(ec, "multiproc::mpi::pool: a result that does not decode");
        } else {
            to_outcome(result, outcome);
            if (result.ok)
                outcome.results = keep_part(in, result.results);
        }
        std::exchange(done, nullptr)(std::move(outcome));
    }
    replies = std::move(in.bytes); // for the next message, if this one did not go with a result
    return b.answered == b.tasks.size();
}

namespace {

// The MPI pool's backend: the calls of pool.hpp, on its core (which its thread holds too).
class mpi_backend final : public pool_backend
{
public:
    explicit mpi_backend(std::shared_ptr<mpi_pool_core> core) : core_(std::move(core)) {}

    void submit(std::uint64_t id, const task_entry& task, encoded_chunk chunk,
                task_callback done) override
    {
        mpi_pool_core& pool = *core_;
        std::unique_lock<std::mutex> lock = lock_for_new_task(pool, "multiproc::mpi::pool");
        const bool wake = pool.incoming.empty(); // else a wake-up is on its way already
        pool.incoming.push_back({id, &task, std::move(chunk), std::move(done)});
        lock.unlock();
        if (wake)
            asio::post(pool.io, [] {});
    }

    void cancel(std::uint64_t first, std::size_t n, asio::cancellation_type) noexcept override
    {
        mpi_pool_core& pool = *core_;
        {
            std::lock_guard<std::mutex> lock(pool.mutex);
            pool.cancels.emplace_back(first, n);
        }
        asio::post(pool.io, [] {});
    }

    void close() noexcept override
    {
        mpi_pool_core& pool = *core_;
        {
            std::lock_guard<std::mutex> lock(pool.mutex);
            pool.closed = true;
        }
        asio::post(pool.io, [] {});
    }

    void join() override
    {
        mpi_pool_core& pool = *core_;
        std::unique_lock<std::mutex> lock(pool.mutex);
        if (!pool.closed && !pool.terminating)
            throw_error(make_error_code(boost::system::errc::operation_not_permitted),
                        "multiproc::mpi::pool::join: close() or terminate() the pool first");
        pool.ended.wait(lock, [&] { return pool.finished; });
    }

    void terminate() noexcept override
    {
        mpi_pool_core& pool = *core_;
        {
            std::lock_guard<std::mutex> lock(pool.mutex);
            pool.terminating = true;
        }
        asio::post(pool.io, [] {});
        if (!pool.thread.joinable())
            return;
        if (pool.thread.get_id() == std::this_thread::get_id())
            pool.thread.detach(); // from one of its own handlers: it ends after this one
        else
            pool.thread.join();
    }

    std::size_t size() const noexcept override { return core_->workers.size(); }

    asio::any_io_executor executor() const override { return core_->io.get_executor(); }

private:
    std::shared_ptr<mpi_pool_core> core_;
};

} // namespace

std::shared_ptr<pool_backend> make_mpi_pool(std::size_t size)
{
    if (!protocol::environment_ready())
        throw_error(make_error_code(error::not_initialized),
                    "multiproc::mpi::pool: construct a multiproc::mpi::environment first in main "
                    "(on rank 0)");
    const std::size_t ranks = static_cast<std::size_t>(protocol::world_size());
    if (ranks < 2)
        throw_error(make_error_code(error::not_supported),
                    "multiproc::mpi::pool: no worker rank; run the program with mpirun -np 2 or "
                    "more");
    if (size > ranks - 1)
        throw_error(make_error_code(error::not_supported),
                    "multiproc::mpi::pool: more workers asked for than ranks other than 0 "
                    "(mpirun -np)");
    if (!protocol::claim_workers())
        throw_error(make_error_code(error::not_supported),
                    "multiproc::mpi::pool: one pool at a time (another one lives)");
    try {
        auto core = std::make_shared<mpi_pool_core>(size == 0 ? ranks - 1 : size);
        core->thread = std::thread([core] { core->run(); });
        return std::make_shared<mpi_backend>(std::move(core));
    } catch (...) {
        protocol::release_workers();
        throw;
    }
}

} // namespace multiproc::detail
