// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "pool_tasks.hpp"

#include <multiproc/task.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace pool_tasks {

int square(int x)
{
    return x * x;
}

int square_unless_13(int x)
{
    if (x == 13)
        throw std::invalid_argument("13");
    return square(x);
}

void throw_invalid_argument(std::string message)
{
    throw std::invalid_argument(message);
}

void sleep_ms(int ms)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

std::string concat(std::string a, const std::vector<std::string>& rest)
{
    for (const auto& s : rest)
        a += s;
    return a;
}

} // namespace pool_tasks

MULTIPROC_TASK(pool_tasks::square)
MULTIPROC_TASK(pool_tasks::square_unless_13)
MULTIPROC_TASK(pool_tasks::throw_invalid_argument)
MULTIPROC_TASK(pool_tasks::sleep_ms)
MULTIPROC_TASK(pool_tasks::concat)
