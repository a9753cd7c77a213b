// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Seed program 3's task (the Python original is quoted in example/pool.cpp), shared by
// example/pool.cpp and example/mpi_pool.cpp so that both run the very same task.
#ifndef MULTIPROC_EXAMPLE_LONG_TIME_TASK_HPP
#define MULTIPROC_EXAMPLE_LONG_TIME_TASK_HPP

#include <multiproc/this_process.hpp>
#include <multiproc/task.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <thread>

using clock_type = std::chrono::steady_clock;

inline void long_time_task(int name)
{
    std::cout << "Run task " << name << " (" << multiproc::this_process::id() << ")..."
              << std::endl;
    const auto start = clock_type::now();
    std::mt19937 random(std::random_device{}());
    std::this_thread::sleep_for(
        std::chrono::duration<double>(std::uniform_real_distribution<double>(0.0, 3.0)(random)));
    const std::chrono::duration<double> took = clock_type::now() - start;
    std::printf("Task %d runs %0.2f seconds.\n", name, took.count());
    std::fflush(stdout);
}
MULTIPROC_TASK(long_time_task)

#endif
