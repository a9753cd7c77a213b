// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

// The registry of the children this process started, and their join at exit.

#include "detail/process_state.hpp"
#include "detail/runtime.hpp"
#include "detail/runtime_state.hpp"

#include <cstdlib>
#include <iostream>
#include <mutex>

namespace multiproc {
namespace detail {

namespace {

// Python's _exit_function: terminate daemonic children, then join every child.
void join_children_at_exit()
{
    auto& r = runtime();
    if (os::current_pid() != r.owner)
        return; // a copy of the process (fork) that is exiting: these are not its children
    for (const auto& child : children())
        if (child->options.daemon)
            child->terminate();
    for (const auto& child : children()) {
        error_code ec;
        child->join_until(os::clock::time_point::max(), ec);
        if (ec)
            std::cerr << "multiproc: " << child->options.name << ": " << ec.message() << '\n';
    }
}

} // namespace

void register_child(std::shared_ptr<process_state> child)
{
    auto& r = runtime();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (!r.exit_hook_installed) {
        std::atexit(join_children_at_exit);
        r.exit_hook_installed = true;
    }
    r.children.push_back(std::move(child));
}

void forget_child(const process_state* child) noexcept
{
    auto& r = runtime();
    std::lock_guard<std::mutex> lock(r.mutex);
    for (auto it = r.children.begin(); it != r.children.end(); ++it) {
        if (it->get() == child) {
            r.children.erase(it);
            return;
        }
    }
}

std::vector<std::shared_ptr<process_state>> children()
{
    auto& r = runtime();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.children;
}

} // namespace detail
} // namespace multiproc
