// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// The MPI environment, and what a worker rank does: run the task batches rank 0 sends.

#include "protocol.hpp"
#include "../detail/frame.hpp"
#include "../detail/os.hpp"
#include "../pool/worker.hpp"

#include <multiproc/mpi/pool.hpp>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/mpi/status.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace multiproc::detail::mpi_protocol {

namespace {
std::atomic<bool> ready{false};
std::atomic<bool> claimed{false};
std::atomic<int> ranks{0};

// A batch's results go back in messages of whole result frames, each a frame or at most this
// many bytes: a message's size is an int, and a batch's results may add up to more.
constexpr std::size_t max_reply_bytes = std::size_t(1) << 20;

// Runs every task frame of a batch; appends its result frames to `replies`, in messages. A
// batch that does not parse came from another program: false.
bool run_batch(const std::vector<char>& batch, std::deque<std::string>& replies)
{
    std::size_t at = 0;
    while (at < batch.size()) {
        error_code ec;
        std::size_t body_size = 0;
        if (batch.size() - at < frame_header_size ||
            parse_frame_header(batch.data() + at, body_size, ec) != frame_kind::task || ec ||
            batch.size() - at - frame_header_size < body_size)
            return false;
        const task_frame work =
            decode_task(std::string_view(batch.data() + at + frame_header_size, body_size), ec);
        if (ec)
            return false;
        at += frame_header_size + body_size;
        const std::string result = run_task_frame(work);
        if (replies.empty() ||
            replies.back().size() + frame_header_size + result.size() > max_reply_bytes)
            replies.emplace_back();
        append_frame(replies.back(), frame_kind::result, result);
    }
    return true;
}

// What a worker rank's two threads share: the main thread runs the batches, the messenger
// thread is the only one that calls MPI (MPI_THREAD_SERIALIZED).
struct worker_mailbox
{
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::vector<char>> batches; // to run
    std::deque<std::string> replies;       // to send, in order
    bool stop = false;
};

// Sends rank 0 what the tasks have written to stdout so far; true if anything.
bool forward_output(const boost::mpi::communicator& world, os::stdout_capture& output)
{
    char buffer[65536];
    bool any = false;
    while (const std::size_t n = output.read_some(buffer, sizeof buffer)) {
        world.send(0, tag::output, buffer, static_cast<int>(n));
        any = true;
    }
    return any;
}

// The messenger: takes batches from rank 0, sends back output and replies, until stop.
void relay(const boost::mpi::communicator& world, worker_mailbox& box, os::stdout_capture& output)
{
    idle_backoff backoff;
    for (;;) {
        bool busy = forward_output(world, output);
        std::deque<std::string> replies;
        {
            std::lock_guard<std::mutex> lock(box.mutex);
            replies.swap(box.replies);
        }
        for (const std::string& reply : replies) {
            forward_output(world, output); // what the batch printed goes before its results
            world.send(0, tag::results, reply.data(), static_cast<int>(reply.size()));
            busy = true;
        }
        if (const boost::optional<boost::mpi::status> message =
                world.iprobe(0, boost::mpi::any_tag)) {
            const int size = message->count<char>().value_or(0);
            std::vector<char> batch(static_cast<std::size_t>(std::max(size, 1))); // never null
            world.recv(0, message->tag(), batch.data(), size);
            std::lock_guard<std::mutex> lock(box.mutex);
            if (message->tag() == tag::stop)
                box.stop = true;
            else
                box.batches.push_back(std::move(batch));
            box.changed.notify_all();
            if (box.stop)
                return;
            busy = true;
        }
        if (busy)
            backoff.reset();
        else
            backoff.pause();
    }
}

// A worker rank: runs the batches rank 0 sends until it says stop. What the tasks print goes
// to rank 0, which prints it, in order with everything else it prints: through mpirun's own
// forwarding, the order of lines from different ranks is whatever order mpirun reads them in.
void serve(const boost::mpi::communicator& world)
{
    std::fflush(stdout);
    std::cout.flush();
    error_code ec;
    os::stdout_capture output(ec);
    if (ec) {
        std::cerr << "multiproc::mpi: rank " << world.rank()
                  << ": cannot redirect stdout: " << ec.message() << std::endl;
        world.abort(1);
    }
    worker_mailbox box;
    std::thread messenger([&] { relay(world, box, output); });
    for (;;) {
        std::vector<char> batch;
        {
            std::unique_lock<std::mutex> lock(box.mutex);
            box.changed.wait(lock, [&] { return box.stop || !box.batches.empty(); });
            if (box.batches.empty())
                break; // stop: rank 0 sends it only once every batch has its results
            batch = std::move(box.batches.front());
            box.batches.pop_front();
        }
        std::deque<std::string> replies;
        if (!run_batch(batch, replies)) {
            std::cerr << "multiproc::mpi: rank " << world.rank()
                      << " got a message it cannot read (is every rank the same program?)"
                      << std::endl;
            std::abort(); // mpirun ends the job
        }
        std::cout.flush();
        std::fflush(stdout); // in the pipe before the results are handed over
        std::lock_guard<std::mutex> lock(box.mutex);
        std::move(replies.begin(), replies.end(), std::back_inserter(box.replies));
    }
    messenger.join();
    // output's destructor: what is printed from here on (at exit) goes where mpirun sends it.
}
} // namespace

bool environment_ready() noexcept
{
    return ready.load();
}

bool claim_workers() noexcept
{
    return !claimed.exchange(true);
}

void release_workers() noexcept
{
    claimed.store(false);
}

int world_size() noexcept
{
    return ranks.load();
}

} // namespace multiproc::detail::mpi_protocol

namespace multiproc::mpi {

namespace protocol = detail::mpi_protocol;

struct environment::state
{
    boost::mpi::environment mpi;
    boost::mpi::communicator world;

    state(int& argc, char**& argv)
        : mpi(argc, argv, boost::mpi::threading::serialized, /*abort_on_exception=*/true)
    {}
};

environment::environment(int& argc, char**& argv) : state_(std::make_unique<state>(argc, argv))
{
    if (state_->mpi.thread_level() < boost::mpi::threading::serialized) {
        if (state_->world.rank() == 0)
            std::cerr << "multiproc::mpi: the MPI library does not provide "
                         "MPI_THREAD_SERIALIZED, which the pool's thread needs"
                      << std::endl;
        state_->world.abort(1);
    }
    if (state_->world.rank() != 0) {
        protocol::serve(state_->world);
        std::cout.flush();
        state_.reset(); // MPI_Finalize
        std::exit(0);
    }
    protocol::ranks.store(state_->world.size());
    protocol::ready.store(true);
}

environment::~environment()
{
    if (!state_)
        return;
    if (protocol::claimed.load()) {
        // The pool's thread may be calling MPI: finalizing now would break it.
        std::cerr << "multiproc::mpi: the environment was destroyed before a pool; "
                     "declare the environment first in main"
                  << std::endl;
        std::abort();
    }
    protocol::ready.store(false);
    const char nothing = 0;
    for (int rank = 1; rank < state_->world.size(); ++rank)
        state_->world.send(rank, protocol::tag::stop, &nothing, 0);
}

int environment::rank() const noexcept
{
    return state_->world.rank();
}

int environment::size() const noexcept
{
    return state_->world.size();
}

} // namespace multiproc::mpi
