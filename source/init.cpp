// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

// A child's start: the spawned child's bootstrap (multiproc::init), and how a child, spawned or
// forked, runs its function.

#include "detail/frame.hpp"
#include "detail/names.hpp"
#include "detail/runtime.hpp"
#include "detail/runtime_state.hpp"
#include "pool/worker.hpp"

#include <multiproc/init.hpp>
#include <multiproc/process.hpp>
#include <multiproc/this_process.hpp>

#include <boost/core/demangle.hpp>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <typeinfo>

namespace multiproc {
namespace detail {

child_start read_child_start(frame_kind kind, std::string_view body, error_code& ec)
{
    child_start start;
    if (kind != frame_kind::run) {
        ec = make_error_code(error::bad_message);
        return start;
    }
    start.run = decode_run(body, ec);
    if (ec)
        return start;
    const run_frame& run = start.run;
    const task_entry* task = find_task(std::string_view(run.task));
    if (!task) {
        start.refusal = {error::unregistered_task,
                         "task '" + run.task + "' is not registered in " + os::program_path()};
    } else if (run.signature != task->signature) {
        start.refusal = {error::signature_mismatch,
                         "task '" + run.task + "' was sent arguments for another signature"};
    } else {
        start.task = task;
    }
    return start;
}

namespace {

constexpr const char* child_marker = "--multiproc-child";

// A spawned child: receive the task, report, run it, exit. Never returns.
[[noreturn]] void run_spawned_child(const std::string& token)
{
    error_code ec;
    os::channel to_parent = os::channel::adopt(token, ec);
    if (!ec && !os::made_by_parent(to_parent))
        ec = make_error_code(boost::system::errc::permission_denied);
    if (ec) {
        std::cerr << "multiproc: child channel '" << token << "' refused: " << ec.message() << '\n';
        std::exit(1);
    }
    std::string body;
    const frame_kind kind = receive_frame(to_parent, body, ec);
    if (!ec && kind == frame_kind::worker)
        serve_tasks(to_parent, body);
    child_start start;
    if (!ec)
        start = read_child_start(kind, body, ec);
    if (ec) {
        std::cerr << "multiproc: child could not read its task: " << ec.message() << '\n';
        std::exit(1);
    }
    const run_frame& run = start.run;
    const task_entry* task = start.task;
    const refused_frame& refusal = start.refusal;
    runtime().name = run.process_name;

    const auto no_deadline = os::clock::time_point::max();
    if (task) {
        send_frame(to_parent, frame_kind::started, {}, no_deadline, ec);
    } else {
        std::cerr << "multiproc: " << refusal.message << '\n';
        send_frame(to_parent, frame_kind::refused, encode(refusal), no_deadline, ec);
        std::exit(1);
    }
    if (ec)
        std::exit(1); // the parent is gone
    os::exit_when_closed(to_parent);
    const int code = run_child_function([&] { task->invoke(run.arguments, 1); });
    os::flush_stdio();
    std::exit(code);
}

// A spawned child's parent, as its environment names it: "PID:NAME".
void take_parent_from_environment()
{
    const std::optional<std::string> entry = os::get_env(os::parent_variable);
    os::unset_env(os::parent_variable);
    const std::size_t colon = entry ? entry->find(':') : std::string::npos;
    if (colon == std::string::npos)
        return;
    try {
        runtime().parent = process_info{entry->substr(colon + 1),
                                        static_cast<pid_type>(std::stol(entry->substr(0, colon)))};
    } catch (const std::exception&) {
        // not ours: no parent known
    }
}
} // namespace

int run_child_function(const std::function<void()>& function)
{
    try {
        function();
        return 0;
    } catch (const std::exception& e) {
        os::flush_stdio();
        std::cerr << "Process " << this_process::name() << ":\n"
                  << boost::core::demangle(typeid(e).name()) << ": " << e.what() << std::endl;
    } catch (...) {
        os::flush_stdio();
        std::cerr << "Process " << this_process::name() << ":\n"
                  << "unknown exception" << std::endl;
    }
    return 1;
}

bool spawned_without_init()
{
    return os::get_env(os::spawned_marker).has_value();
}

} // namespace detail

void init(int argc, char* argv[])
{
    if (argc >= 3 && std::strcmp(argv[1], detail::child_marker) == 0) {
        detail::os::unset_env(detail::os::spawned_marker);
        detail::take_parent_from_environment();
        detail::run_spawned_child(argv[2]);
    }
    detail::os::unset_env(detail::os::parent_variable);
    // A main process (or a child started by other means) keeps its environment clean, so its
    // own children are not mistaken for uninitialised ones.
    detail::os::unset_env(detail::os::spawned_marker);
    // Shared objects left by runs that were killed. MULTIPROC_SWEEP=0 turns it off (the test
    // suite does, so that its final check sees what any suite left behind).
    if (detail::os::get_env("MULTIPROC_SWEEP").value_or("1") != "0")
        detail::sweep_stale_names();
}

void set_executable(std::string path)
{
    auto& r = detail::runtime();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.executable = std::move(path);
}

std::string get_executable()
{
    auto& r = detail::runtime();
    {
        std::lock_guard<std::mutex> lock(r.mutex);
        if (!r.executable.empty())
            return r.executable;
    }
    return detail::os::program_path();
}

} // namespace multiproc
