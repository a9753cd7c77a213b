// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// The MPI environment, and what a worker rank does: run the task batches rank 0 sends.

#include "protocol.hpp"
#include "../detail/frame.hpp"

#include <multiproc/mpi/pool.hpp>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/mpi/status.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace multiproc::detail::mpi_protocol {

namespace {
std::atomic<bool> ready{false};
std::atomic<bool> claimed{false};
std::atomic<int> ranks{0};

// Runs every task frame of a batch; appends a result frame for each to `replies`. A batch
// that does not parse came from another program: false.
bool run_batch(const std::vector<char>& batch, std::string& replies)
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
        append_frame(replies, frame_kind::result, encode(run_task_frame(work)));
    }
    return true;
}

// A worker rank: runs the batches rank 0 sends until it says stop.
void serve(const boost::mpi::communicator& world)
{
    idle_backoff backoff;
    std::vector<char> batch;
    std::string replies;
    for (;;) {
        const boost::optional<boost::mpi::status> message = world.iprobe(0, boost::mpi::any_tag);
        if (!message) {
            backoff.pause();
            continue;
        }
        backoff.reset();
        const int size = message->count<char>().value_or(0);
        batch.resize(static_cast<std::size_t>(size));
        world.recv(0, message->tag(), batch.data(), size);
        if (message->tag() == tag::stop)
            return;
        replies.clear();
        if (message->tag() != tag::tasks || !run_batch(batch, replies)) {
            std::cerr << "multiproc::mpi: rank " << world.rank()
                      << " got a message it cannot read (is every rank the same program?)"
                      << std::endl;
            world.abort(1);
        }
        std::fflush(stdout); // what the tasks printed goes out before their results
        world.send(0, tag::results, replies.data(), static_cast<int>(replies.size()));
    }
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
