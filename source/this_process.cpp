// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

// Who this process is: its id, its name, its parent.

#include "detail/runtime.hpp"
#include "detail/runtime_state.hpp"

#include <multiproc/this_process.hpp>

#include <mutex>
#include <optional>
#include <string>

namespace multiproc {
namespace detail {

void set_process_name(std::string name)
{
    auto& r = runtime();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.name = std::move(name);
}

std::string next_process_name()
{
    auto& r = runtime();
    std::lock_guard<std::mutex> lock(r.mutex);
    return "Process-" + std::to_string(r.next_number++);
}

std::optional<process_info> parent_info()
{
    auto& r = runtime();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.parent;
}

} // namespace detail

namespace this_process {
pid_type id() noexcept
{
    return detail::os::current_pid();
}

pid_type parent_id() noexcept
{
    return detail::os::parent_pid();
}

std::string name()
{
    auto& r = detail::runtime();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.name;
}
} // namespace this_process

unsigned cpu_count() noexcept
{
    return detail::os::cpu_count();
}

process_info current_process()
{
    return {this_process::name(), this_process::id()};
}

} // namespace multiproc
