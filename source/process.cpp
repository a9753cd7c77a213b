// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "detail/process_state.hpp"
#include "detail/frame.hpp"
#include "detail/runtime.hpp"

#include <multiproc/init.hpp>
#include <multiproc/process.hpp>

#include <algorithm>

namespace multiproc {
namespace detail {

void process_state::start(error_code& ec)
{
    std::lock_guard<std::mutex> lock(mutex);
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

void process_state::start_forked(error_code& ec)
{
#if !defined(MULTIPROC_POSIX)
    ec = make_error_code(error::not_supported);
#else
    const pid_type pid = fork_child(options.name, true, ec);
    if (ec)
        return;
    if (pid == 0) {
        const int code = run_child_function([this] { work.body->run(); });
        os::flush_stdio();
        os::quick_exit(code);
    }
    child = os::child::adopt(pid, ec);
    reported = true;
#endif
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

bool process_state::is_alive()
{
    std::lock_guard<std::mutex> lock(mutex);
    error_code ec;
    return started && !reap_if_exited(ec) && !ec;
}

std::optional<int> process_state::exit_code()
{
    std::lock_guard<std::mutex> lock(mutex);
    error_code ec;
    if (started)
        reap_if_exited(ec);
    return child.exit_code();
}

void process_state::signal(bool force, error_code& ec)
{
    std::lock_guard<std::mutex> lock(mutex);
    if (!started) {
        ec = make_error_code(error::not_started);
        return;
    }
    signalled = true;
    if (force)
        child.kill(ec);
    else
        child.terminate(ec);
}

void process_state::terminate() noexcept
{
    error_code ec;
    signal(false, ec);
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
    error_code ec;
    start(ec);
    detail::throw_if(ec, "multiproc::process::start");
}

void process::start(error_code& ec)
{
    checked(state_).start(ec);
}

void process::join()
{
    error_code ec;
    join(ec);
    detail::throw_if(ec, "multiproc::process::join");
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
    error_code ec;
    terminate(ec);
    detail::throw_if(ec, "multiproc::process::terminate");
}

void process::terminate(error_code& ec)
{
    checked(state_).signal(false, ec);
}

void process::kill()
{
    error_code ec;
    kill(ec);
    detail::throw_if(ec, "multiproc::process::kill");
}

void process::kill(error_code& ec)
{
    checked(state_).signal(true, ec);
}

bool process::is_alive()
{
    return state_ && state_->is_alive();
}

std::optional<int> process::exit_code()
{
    return state_ ? state_->exit_code() : std::nullopt;
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
    for (auto& state : detail::children())
        if (state->is_alive())
            alive.push_back(process(state));
    return alive;
}

} // namespace multiproc
