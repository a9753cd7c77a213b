// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_HPP
#define MULTIPROC_HPP

/// @file
/// Everything multiproc offers, Asio operations included. Include the single headers to
/// compile less. The MPI pool comes too when the program links multiproc's MPI library
/// (CMake `multiproc::mpi`, b2 `multiproc_mpi`), which defines MULTIPROC_HAS_MPI.

#include <multiproc/detail/config.hpp>

#include <multiproc/async_pipe.hpp>
#include <multiproc/async_process.hpp>
#include <multiproc/async_queue.hpp>
#include <multiproc/creation_tags.hpp>
#include <multiproc/error.hpp>
#include <multiproc/fork.hpp>
#include <multiproc/init.hpp>
#include <multiproc/listener.hpp>
#include <multiproc/pipe.hpp>
#include <multiproc/pool.hpp>
#include <multiproc/process.hpp>
#include <multiproc/queue.hpp>
#include <multiproc/shared_memory.hpp>
#include <multiproc/sync.hpp>
#include <multiproc/task.hpp>
#include <multiproc/this_process.hpp>
#include <multiproc/wait.hpp>

#if defined(MULTIPROC_HAS_MPI)
#include <multiproc/mpi/pool.hpp>
#endif

#endif
