// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Seed program 3 (example/pool.cpp) on MPI: the same tasks, run by the other ranks of an MPI
// job instead of local worker processes.
//
//     mpirun -np 3 ./mpi_pool                      # rank 0 and two worker ranks
//     mpirun -np 6 --hostfile hosts ./mpi_pool     # five workers, on the hosts listed
//
// The same lines as example/pool.cpp, in the same order; "Run task" shows the pid of the worker
// rank that runs it. Rank 0 prints the rest: the other ranks serve tasks inside the
// environment's constructor and never reach the code after it.

#include <multiproc/init.hpp>
#include <multiproc/mpi/pool.hpp>

#include "long_time_task.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>

namespace mp = multiproc;

int main(int argc, char* argv[])
{
    mp::init(argc, argv);
    mp::mpi::environment env(argc, argv); // ranks 1.. run tasks here until rank 0 is done

    const auto start = clock_type::now();
    std::cout << "Parent process " << mp::this_process::id() << "." << std::endl;

    mp::mpi::pool p; // every rank but this one
    for (int i = 0; i < 5; ++i)
        p.apply_async(long_time_task, i); // returns at once
    std::cout << "Waiting for all subprocesses done..." << std::endl;
    p.close(); // no more tasks
    p.join();  // wait for every task
    std::cout << "All subprocesses done." << std::endl;

    const std::chrono::duration<double> took = clock_type::now() - start;
    std::printf("Total time %0.2f seconds\n", took.count());
}
