// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "detail/runtime.hpp"

#include "detail/frame.hpp"
#include "detail/names.hpp"
#include "detail/process_state.hpp"
#include "pool/worker.hpp"

#include <multiproc/init.hpp>
#include <multiproc/process.hpp>
#include <multiproc/this_process.hpp>

#include <boost/core/demangle.hpp>

#include <atomic>
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

namespace {

constexpr const char* child_marker = "--multiproc-child";

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

runtime_state& runtime()
{
    static runtime_state instance;
    return instance;
}

std::atomic<start_method> default_method{start_method::spawn};

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

std::unique_lock<std::mutex> lock_runtime_across_fork()
{
    return std::unique_lock<std::mutex>(runtime().mutex);
}

void become_forked_child(pid_type parent, const std::string& child_name)
{
    auto& r = runtime(); // its lock is held: lock_runtime_across_fork, taken before fork
    r.parent = process_info{r.name, parent};
    r.children.clear();
    r.next_number = 1;
    r.owner = os::current_pid();
    if (!child_name.empty())
        r.name = child_name;
}

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

std::optional<process_info> parent_info()
{
    auto& r = runtime();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.parent;
}

namespace {
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

void set_start_method(start_method method) noexcept
{
    detail::default_method = method;
}

start_method get_start_method() noexcept
{
    return detail::default_method;
}

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
