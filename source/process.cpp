// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "detail/process_state.hpp"
#include "detail/frame.hpp"
#include "detail/runtime.hpp"

#include <multiproc/init.hpp>
#include <multiproc/process.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

namespace multiproc {
namespace detail {

bool process_state::usable(error_code& ec) const
{
    if (closed)
        ec = make_error_code(error::process_closed);
    return !closed;
}

void process_state::start(error_code& ec)
{
    std::lock_guard<std::mutex> lock(mutex);
    if (!usable(ec))
        return;
    if (started) {
        ec = make_error_code(error::already_started);
        return;
    }
    if (spawned_without_init()) {
        // This program was spawned as a child but main() skipped multiproc::init: starting
        // children from here would repeat that without end.
        ec = make_error_code(error::not_initialized);
        return;
    }
    if (work.body)
        start_forked(ec);
    else
        start_spawned(ec);
    if (!ec) {
        started = true;
        register_child(shared_from_this());
    }
}

void process_state::start_spawned(error_code& ec)
{
    os::channel child_end;
    os::channel::make_pair(channel, child_end, ec);
    if (ec)
        return;
    std::vector<os::native_handle> inherit{child_end.native()};
    for (const std::intptr_t h : work.inherited.handles)
        inherit.push_back(os::to_native(h));
    child =
        os::child::spawn(get_executable(), {"--multiproc-child", child_end.token()}, inherit, ec);
    child_end.close();
    work.inherited = {}; // the child has its own copies now
    if (ec)
        return;
    report_deadline = os::clock::now() + options.start_timeout;
    const run_frame run{options.name, work.task->name, work.task->signature,
                        std::move(work.encoded_arguments)};
    // A child that cannot take its task (it died, or never reads) is reported by join(),
    // which learns why from the channel.
    error_code send_ec;
    send_frame(channel, frame_kind::run, encode(run), report_deadline, send_ec);
}

bool process_state::reap_if_exited(error_code& ec)
{
    if (child.running(ec) || ec)
        return false;
    forget_child(this);
    return true;
}

bool process_state::wait_for_report(os::clock::time_point deadline, error_code& ec)
{
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (reported)
            return true;
    }
    const bool readable = channel.wait_readable(std::min(deadline, report_deadline), ec);
    std::lock_guard<std::mutex> lock(mutex);
    if (reported || ec)
        return !ec;
    if (!readable) {
        if (os::clock::now() < report_deadline)
            return false; // the caller's deadline
        // The child runs but never reached init: it will not run the function.
        failure = make_error_code(error::start_timeout);
        reported = true;
        error_code kill_ec;
        child.kill(kill_ec);
        return true;
    }
    std::string body;
    error_code frame_ec;
    switch (receive_frame(channel, body, frame_ec)) {
    case frame_kind::started:
        break;
    case frame_kind::refused:
        if (!frame_ec)
            failure = make_error_code(decode_refused(body, frame_ec).reason);
        break;
    default:
        frame_ec = make_error_code(error::bad_message);
        break;
    }
    // The stream ended or made no sense: the child never reached init, unless we stopped it.
    if (frame_ec && !signalled)
        failure = make_error_code(error::not_initialized);
    reported = true;
    return true;
}

bool process_state::join_until(os::clock::time_point deadline, error_code& ec)
{
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (!usable(ec))
            return false;
        if (!started) {
            ec = make_error_code(error::not_started);
            return false;
        }
    }
    if (!wait_for_report(deadline, ec) || !child.wait_exit(deadline, ec))
        return false;
    std::lock_guard<std::mutex> lock(mutex);
    if (!reap_if_exited(ec))
        return false;
    ec = failure;
    return true;
}

bool process_state::is_alive(error_code& ec)
{
    std::lock_guard<std::mutex> lock(mutex);
    ec.clear();
    if (!usable(ec) || !started)
        return false;
    error_code reap_ec;
    return !reap_if_exited(reap_ec) && !reap_ec;
}

std::optional<int> process_state::exit_code(error_code& ec)
{
    std::lock_guard<std::mutex> lock(mutex);
    ec.clear();
    if (!usable(ec))
        return std::nullopt;
    error_code reap_ec;
    if (started)
        reap_if_exited(reap_ec);
    return child.exit_code();
}

void process_state::signal(stop_signal which, error_code& ec)
{
    std::lock_guard<std::mutex> lock(mutex);
    if (!usable(ec))
        return;
    if (!started) {
        ec = make_error_code(error::not_started);
        return;
    }
    signalled = true;
    switch (which) {
    case stop_signal::interrupt:
        child.interrupt(ec);
        break;
    case stop_signal::terminate:
        child.terminate(ec);
        break;
    case stop_signal::kill:
        child.kill(ec);
        break;
    }
}

void process_state::terminate() noexcept
{
    error_code ec;
    signal(stop_signal::terminate, ec);
}

os::native_handle process_state::sentinel(error_code& ec)
{
    std::lock_guard<std::mutex> lock(mutex);
    ec.clear();
    if (usable(ec) && !started)
        ec = make_error_code(error::not_started);
    return ec ? os::invalid_handle() : child.exit_handle();
}

void process_state::close(error_code& ec)
{
    std::lock_guard<std::mutex> lock(mutex);
    ec.clear();
    if (closed)
        return;
    if (started && !reap_if_exited(ec)) {
        if (!ec)
            ec = make_error_code(error::process_running);
        return;
    }
    closed = true;
    child = os::child();
    channel.close();
    work = process_work();
}

std::shared_ptr<process_state> make_process_state(process_options options, process_work work)
{
    auto state = std::make_shared<process_state>();
    if (options.name.empty())
        options.name = next_process_name();
    state->options = std::move(options);
    state->work = std::move(work);
    return state;
}

void throw_spawn_needs_task()
{
    throw system_error(make_error_code(error::not_supported),
                       "multiproc::process: the spawn start method runs only free functions "
                       "registered with MULTIPROC_TASK; lambdas and function objects need "
                       "start_method::fork");
}

} // namespace detail

namespace {
detail::process_state& checked(const std::shared_ptr<detail::process_state>& state)
{
    if (!state)
        detail::throw_error(make_error_code(error::not_started), "multiproc::process: empty");
    return *state;
}
} // namespace

void process::start()
{
    detail::call_or_throw("multiproc::process::start", [&](error_code& ec) { start(ec); });
}

void process::start(error_code& ec)
{
    checked(state_).start(ec);
}

void process::join()
{
    detail::call_or_throw("multiproc::process::join", [&](error_code& ec) { join(ec); });
}

void process::join(error_code& ec)
{
    checked(state_).join_until(detail::os::clock::time_point::max(), ec);
}

bool process::join_until(std::chrono::steady_clock::time_point deadline, error_code& ec)
{
    return checked(state_).join_until(deadline, ec);
}

void process::terminate()
{
    detail::call_or_throw("multiproc::process::terminate", [&](error_code& ec) { terminate(ec); });
}

void process::terminate(error_code& ec)
{
    checked(state_).signal(detail::process_state::stop_signal::terminate, ec);
}

void process::interrupt()
{
    detail::call_or_throw("multiproc::process::interrupt", [&](error_code& ec) { interrupt(ec); });
}

void process::interrupt(error_code& ec)
{
    checked(state_).signal(detail::process_state::stop_signal::interrupt, ec);
}

void process::kill()
{
    detail::call_or_throw("multiproc::process::kill", [&](error_code& ec) { kill(ec); });
}

void process::kill(error_code& ec)
{
    checked(state_).signal(detail::process_state::stop_signal::kill, ec);
}

bool process::is_alive()
{
    return detail::call_or_throw("multiproc::process::is_alive",
                                 [&](error_code& ec) { return is_alive(ec); });
}

bool process::is_alive(error_code& ec)
{
    ec.clear();
    return state_ && state_->is_alive(ec);
}

std::optional<int> process::exit_code()
{
    return detail::call_or_throw("multiproc::process::exit_code",
                                 [&](error_code& ec) { return exit_code(ec); });
}

std::optional<int> process::exit_code(error_code& ec)
{
    ec.clear();
    return state_ ? state_->exit_code(ec) : std::nullopt;
}

std::intptr_t process::sentinel() const
{
    return detail::call_or_throw("multiproc::process::sentinel",
                                 [&](error_code& ec) { return sentinel(ec); });
}

std::intptr_t process::sentinel(error_code& ec) const
{
    return detail::os::from_native(checked(state_).sentinel(ec));
}

void process::close()
{
    detail::call_or_throw("multiproc::process::close", [&](error_code& ec) { close(ec); });
}

void process::close(error_code& ec)
{
    checked(state_).close(ec);
}

pid_type process::pid() const noexcept
{
    return state_ ? state_->child.id() : 0;
}

const std::string& process::name() const noexcept
{
    static const std::string none;
    return state_ ? state_->options.name : none;
}

bool process::daemon() const noexcept
{
    return state_ && state_->options.daemon;
}

std::intptr_t detail::duplicate_exit_handle(const process& p, error_code& ec)
{
    auto& state = checked(p.state_);
    std::lock_guard<std::mutex> lock(state.mutex);
    if (state.closed) {
        ec = make_error_code(error::process_closed);
        return -1;
    }
    if (!state.started) {
        ec = make_error_code(error::not_started);
        return -1;
    }
    return detail::os::from_native(state.child.duplicate_exit_handle(ec));
}

std::optional<std::chrono::steady_clock::time_point> detail::report_deadline(const process& p)
{
    auto& state = checked(p.state_);
    std::lock_guard<std::mutex> lock(state.mutex);
    if (!state.started || state.reported)
        return std::nullopt;
    return state.report_deadline;
}

std::vector<process> active_children()
{
    std::vector<process> alive;
    for (auto& state : detail::children()) {
        error_code ec;
        if (state->is_alive(ec))
            alive.push_back(process(state));
    }
    return alive;
}

namespace detail {
/// What `parent_process()` knows of the parent; one per process (a forked child makes its own).
struct parent_state
{
    process_info info;
    std::mutex mutex;
    os::native_handle exit_handle = os::invalid_handle(); // opened on the first join
    bool opened = false;
    bool exited = false;

    ~parent_state() { os::close_handle(exit_handle); }

    // Waits for the parent's exit on its handle, or where there is none, by looking every
    // 10 ms.
    bool join_until(os::clock::time_point deadline, error_code& ec)
    {
        std::unique_lock<std::mutex> lock(mutex);
        ec.clear();
        if (!opened) {
            exit_handle = os::open_parent_exit_handle(info.pid, ec);
            opened = !ec || ec == error::not_supported;
            exited = !ec && exit_handle == os::invalid_handle();
            if (ec && ec != error::not_supported)
                return false;
            ec.clear();
        }
        if (exited)
            return true;
        const os::native_handle h = exit_handle;
        lock.unlock(); // the handle stays: the state is closed only with its last owner
        if (h != os::invalid_handle())
            return os::wait_any({h}, deadline, ec);
        for (;;) {
            if (!os::parent_alive(info.pid))
                return true;
            if (os::clock::now() >= deadline)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
};
} // namespace detail

pid_type parent_handle::pid() const noexcept
{
    return state_->info.pid;
}

const std::string& parent_handle::name() const noexcept
{
    return state_->info.name;
}

bool parent_handle::is_alive() const
{
    return detail::os::parent_alive(state_->info.pid);
}

void parent_handle::join() const
{
    detail::call_or_throw("multiproc::parent_handle::join", [&](error_code& ec) { join(ec); });
}

void parent_handle::join(error_code& ec) const
{
    join_until(std::chrono::steady_clock::time_point::max(), ec);
}

bool parent_handle::join_until(std::chrono::steady_clock::time_point deadline, error_code& ec) const
{
    return state_->join_until(deadline, ec);
}

std::optional<parent_handle> parent_process()
{
    static std::mutex mutex;
    static std::shared_ptr<detail::parent_state> cached;
    const std::optional<process_info> parent = detail::parent_info();
    if (!parent)
        return std::nullopt;
    std::lock_guard<std::mutex> lock(mutex);
    // A forked child has its own parent: the cached state is the forking process's.
    if (!cached || cached->info.pid != parent->pid) {
        cached = std::make_shared<detail::parent_state>();
        cached->info = *parent;
    }
    return parent_handle(cached);
}

} // namespace multiproc
