// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_RUNTIME_STATE_HPP
#define MULTIPROC_SOURCE_DETAIL_RUNTIME_STATE_HPP

// The process-wide state behind runtime.hpp, shared by the files that implement it
// (children.cpp, init.cpp, this_process.cpp, posix/fork.cpp).

#include "os.hpp"

#include <multiproc/this_process.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace multiproc::detail {

struct process_state;

struct runtime_state
{
    std::mutex mutex;
    std::vector<std::shared_ptr<process_state>> children;
    std::string name = "MainProcess";
    unsigned next_number = 1;
    std::string executable;
    pid_type owner = os::current_pid(); // the process whose children these are
    std::optional<process_info> parent; // who started this process, if multiproc did
    bool exit_hook_installed = false;
};

// Inline: one instance in the library, created on first use.
inline runtime_state& runtime()
{
    static runtime_state instance;
    return instance;
}

} // namespace multiproc::detail

#endif
