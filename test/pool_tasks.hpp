// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TEST_POOL_TASKS_HPP
#define MULTIPROC_TEST_POOL_TASKS_HPP

// The tasks many pool tests run (local and MPI), registered once, in pool_tasks.cpp: a task's
// name must stand for one function in the whole test program.

#include <string>
#include <vector>

namespace pool_tasks {

int square(int x);
/// std::invalid_argument("13") for 13, else the square.
int square_unless_13(int x);
/// Throws std::invalid_argument(message).
void throw_invalid_argument(std::string message);
void sleep_ms(int ms);
/// `a` followed by each of `rest`.
std::string concat(std::string a, const std::vector<std::string>& rest);

} // namespace pool_tasks

#endif
