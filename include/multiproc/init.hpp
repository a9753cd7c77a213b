// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_INIT_HPP
#define MULTIPROC_INIT_HPP

/// @file
/// `multiproc::init(argc, argv)`, the first line of `main` in every program that starts
/// processes with the spawn method (the default).

#include <multiproc/detail/config.hpp>

#include <string>

namespace multiproc {

/// Call first in `main`. In a process that multiproc spawned (it re-executes the program with a
/// marker argument), this runs the work the parent sent and exits the process with its exit
/// code: it does not return there. In the program the user started it records the main process
/// and returns at once. Python's `if __name__ == '__main__':` guard, made explicit.
///
/// A spawned child whose `main` never calls it is reported in the parent as
/// `error::not_initialized` (or `error::start_timeout` if it keeps running), and a `process`
/// started from such a child fails with `error::not_initialized` instead of spawning again.
MULTIPROC_DECL void init(int argc, char* argv[]);

/// The program spawned children run (Python's `set_executable`). Default: this program. The
/// program must call `multiproc::init` first in `main` and register the same tasks.
MULTIPROC_DECL void set_executable(std::string path);

/// The program spawned children run now.
MULTIPROC_DECL std::string get_executable();

} // namespace multiproc

#endif
