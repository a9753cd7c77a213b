// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// The program the MPI consumer project (test/consumer/cmake_mpi/) builds against an installed
// multiproc::mpi, run as `mpirun -np 3 mpi_consumer`: rank 0 maps a registered task over the
// other ranks and prints one line that scripts/test-consumers.sh compares:
//
//     mpi_consumer: map 285 on 2 worker ranks
//
// Exit status 1 if anything differs.

#include <multiproc.hpp> // with multiproc::mpi linked, the umbrella has the MPI pool too

#include <boost/serialization/utility.hpp>

#include <iostream>
#include <numeric>
#include <set>
#include <utility>
#include <vector>

namespace mp = multiproc;

std::pair<int, int> square_and_pid(int x)
{
    return {x * x, static_cast<int>(mp::this_process::id())};
}
MULTIPROC_TASK(square_and_pid)

int main(int argc, char* argv[])
{
    mp::init(argc, argv);
    mp::mpi::environment env(argc, argv); // the worker ranks serve tasks in here

    std::vector<int> items(10);
    std::iota(items.begin(), items.end(), 0);
    mp::mpi::pool pool;
    const auto results = pool.map(square_and_pid, items);
    pool.close();
    pool.join();

    int sum = 0;
    std::set<int> workers;
    for (const auto& [square, pid] : results) {
        sum += square;
        workers.insert(pid);
    }
    std::cout << "mpi_consumer: map " << sum << " on " << env.size() - 1 << " worker ranks"
              << std::endl;
    const bool right =
        sum == 285 && env.size() == 3 && !workers.count(static_cast<int>(mp::this_process::id()));
    return right ? 0 : 1;
}
