// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_HPP
#define MULTIPROC_HPP

/// @file
/// Everything multiproc offers. Include the single headers to compile less.

#include <multiproc/error.hpp>
#include <multiproc/fork.hpp>
#include <multiproc/init.hpp>
#include <multiproc/pipe.hpp>
#include <multiproc/pool.hpp>
#include <multiproc/process.hpp>
#include <multiproc/shared_memory.hpp>
#include <multiproc/sync.hpp>
#include <multiproc/task.hpp>
#include <multiproc/this_process.hpp>
#include <multiproc/wait.hpp>

#endif
