// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_PROCESS_HPP
#define MULTIPROC_PROCESS_HPP

/// @file
/// `multiproc::process`: Python's `multiprocessing.Process` on Boost.Process v2.

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/handles.hpp>
#include <multiproc/error.hpp>
#include <multiproc/start_method.hpp>
#include <multiproc/task.hpp>
#include <multiproc/this_process.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace multiproc {

/// Settings of one process (Python's `Process(name=..., daemon=...)` and the context).
struct process_options
{
    /// Shown by `name()` and by `this_process::name()` in the child; empty: "Process-N".
    std::string name;
    /// A daemon child is terminated when its parent exits normally; others are joined.
    bool daemon = false;
    /// Empty: `get_start_method()` when the process is constructed.
    std::optional<start_method> method;
    /// How long a spawned child may take to report from `multiproc::init`.
    std::chrono::milliseconds start_timeout{std::chrono::seconds(30)};
};

namespace detail {
struct process_state;

/// A callable with its arguments, run in a forked child.
struct fork_body
{
    virtual ~fork_body() = default;
    virtual void run() = 0;
};
template <class F, class Tuple>
struct fork_body_for final : fork_body
{
    F function;
    Tuple arguments;
    fork_body_for(F f, Tuple a) : function(std::move(f)), arguments(std::move(a)) {}
    void run() override { std::apply(function, arguments); }
};

/// What a process will run: a registered task with encoded arguments (spawn), or a callable
/// (fork). Exactly one is set.
struct process_work
{
    const task_entry* task = nullptr;
    std::string encoded_arguments;
    inherited_handles inherited; // what the encoded arguments need in the child
    std::unique_ptr<fork_body> body;
};

MULTIPROC_DECL std::shared_ptr<process_state> make_process_state(process_options options,
                                                                 process_work work);
[[noreturn]] MULTIPROC_DECL void throw_spawn_needs_task();
} // namespace detail

class process;

namespace detail {
/// For async_join: a new handle, owned by the caller, ready once the child has exited (a pidfd,
/// a process handle); -1 where there is none.
std::intptr_t duplicate_exit_handle(const process& p, error_code& ec);
/// For async_join: the time by which a spawned child must have reached init, while it has not.
std::optional<std::chrono::steady_clock::time_point> report_deadline(const process& p);
} // namespace detail

/// A child process that runs one function (Python's `multiprocessing.Process`).
///
/// A `process` is a handle: copies refer to the same child, like Python objects. The child is
/// owned by the library until it is reaped, so dropping every handle neither kills nor leaks it;
/// at normal exit of the parent, daemon children are terminated and the others joined.
///
/// What the child prints on stdout and stderr goes where the parent's does. An exception that
/// escapes the function is printed on the child's stderr with its type and message, and the
/// child exits with code 1. On Linux a child is killed when its parent dies (`PR_SET_PDEATHSIG`,
/// delivered when the *thread* that started it exits: start processes from threads that outlive
/// them).
///
/// `start`, `join` and `join_for` block the calling thread; no thread is started in this
/// process. For Asio programs, async_process.hpp has `async_join` on your executor.
class MULTIPROC_DECL process
{
public:
    /// Not a process; assign one to it.
    process() = default;

    /// A process that will run `function(args...)` once started. With the spawn method,
    /// `function` must be a free function registered with MULTIPROC_TASK and the arguments are
    /// encoded now (they must be serializable); otherwise it throws `system_error` with
    /// `error::unregistered_task`. With the fork method, any callable runs.
    template <class F, class... Args,
              class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, process_options>>>
    explicit process(F&& function, Args&&... args)
        : process(process_options{}, std::forward<F>(function), std::forward<Args>(args)...)
    {}

    /// The same, with settings (Python's `name`, `daemon` and a start method).
    template <class F, class... Args>
    process(process_options options, F&& function, Args&&... args)
    {
        const start_method method = options.method.value_or(get_start_method());
        options.method = method;
        detail::process_work work;
        if (method == start_method::spawn) {
            using function_type = std::decay_t<F>;
            if constexpr (detail::is_function_pointer_v<function_type>) {
                function_type target = function;
                work.task = detail::find_task(reinterpret_cast<detail::generic_function>(target));
                if (!work.task)
                    detail::throw_unregistered("multiproc::process");
                detail::inheritance_scope handles;
                work.encoded_arguments =
                    detail::encode_arguments(target, std::forward<Args>(args)...);
                work.inherited = handles.take();
            } else {
                detail::throw_spawn_needs_task();
            }
        } else {
            using body_type =
                detail::fork_body_for<std::decay_t<F>, std::tuple<std::decay_t<Args>...>>;
            work.body = std::make_unique<body_type>(std::forward<F>(function),
                                                    std::make_tuple(std::forward<Args>(args)...));
        }
        state_ = detail::make_process_state(std::move(options), std::move(work));
    }

    /// Starts the child (once). Returns once it is created; it does not wait for the function.
    void start();
    /// As above, with the failure in `ec` instead of thrown.
    void start(error_code& ec);

    /// Waits until the child has exited. Reports `error::not_initialized` or
    /// `error::start_timeout` for a spawned child that never reached `multiproc::init`.
    void join();
    /// As above, with the failure in `ec` instead of thrown.
    void join(error_code& ec);

    /// Waits at most `timeout`; true if the child has exited.
    template <class Rep, class Period>
    bool join_for(std::chrono::duration<Rep, Period> timeout)
    {
        return detail::call_or_throw("multiproc::process::join_for",
                                     [&](error_code& ec) { return join_for(timeout, ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    template <class Rep, class Period>
    bool join_for(std::chrono::duration<Rep, Period> timeout, error_code& ec)
    {
        return join_until(detail::deadline_after(timeout), ec);
    }

    /// Interrupts the child (Python 3.14's `p.interrupt()`): SIGINT on POSIX (exit code -2
    /// unless the child handles it). Windows has no SIGINT for a child without a console of its
    /// own (Python leaves it undefined there): the child is ended with TerminateProcess and its
    /// exit code reads back as -2.
    void interrupt();
    /// As above, with the failure in `ec` instead of thrown.
    void interrupt(error_code& ec);

    /// Asks the child to stop: SIGTERM on POSIX (exit code -15), TerminateProcess on Windows.
    void terminate();
    /// As above, with the failure in `ec` instead of thrown.
    void terminate(error_code& ec);
    /// Stops the child at once: SIGKILL on POSIX (exit code -9), TerminateProcess on Windows.
    void kill();
    /// As above, with the failure in `ec` instead of thrown.
    void kill(error_code& ec);

    /// True from `start()` until the child has exited. Throws `system_error`
    /// (`error::process_closed`) after `close()`, as Python raises ValueError.
    bool is_alive();
    /// As above, with the failure in `ec` instead of thrown (false then).
    bool is_alive(error_code& ec);
    /// Empty while the child runs (or before start); then its exit code, or the negated
    /// signal number if a signal ended it (POSIX), as in Python. Throws `system_error`
    /// (`error::process_closed`) after `close()`.
    std::optional<int> exit_code();
    /// As above, with the failure in `ec` instead of thrown (empty then).
    std::optional<int> exit_code(error_code& ec);

    /// Python's `p.sentinel`: a handle of the operating system that becomes ready when the
    /// child exits, for your own poll() or WaitForMultipleObjects (multiproc::wait takes the
    /// process itself). Linux: a pidfd, readable once the child has exited; Windows: the
    /// process HANDLE, signalled then; -1 on a POSIX system without pidfds. It belongs to the
    /// process object: valid until `close()` or until the last handle to the process goes; do
    /// not close it. `error::not_started` before `start()`, `error::process_closed` after
    /// `close()`.
    std::intptr_t sentinel() const;
    /// As above, with the failure in `ec` instead of thrown (-1 then).
    std::intptr_t sentinel(error_code& ec) const;

    /// Releases what the process object holds of the child (Python's `p.close()`): its
    /// sentinel, its channel. Fails with `error::process_running` while the child runs (it
    /// has not exited, or not been joined: an exited child is reaped here). Afterwards every
    /// operation but `close()`, `pid()`, `name()` and `daemon()` fails with
    /// `error::process_closed`; `close()` again does nothing. Copies of the handle share the
    /// closing. Not while another thread waits on the process.
    void close();
    /// As above, with the failure in `ec` instead of thrown.
    void close(error_code& ec);
    /// The child's id; 0 before `start()`.
    pid_type pid() const noexcept;
    /// Its name (Python's `p.name`): the one given, or "Process-N".
    const std::string& name() const noexcept;
    /// True if terminated rather than joined when this program exits (Python's `p.daemon`).
    bool daemon() const noexcept;
    /// False for a default-constructed process.
    explicit operator bool() const noexcept { return state_ != nullptr; }

    friend bool operator==(const process& a, const process& b) noexcept
    {
        return a.state_ == b.state_;
    }
    friend bool operator!=(const process& a, const process& b) noexcept { return !(a == b); }

private:
    friend std::vector<process> active_children();
    friend std::intptr_t detail::duplicate_exit_handle(const process& p, error_code& ec);
    friend std::optional<std::chrono::steady_clock::time_point>
    detail::report_deadline(const process& p);
    explicit process(std::shared_ptr<detail::process_state> state) : state_(std::move(state)) {}
    bool join_until(std::chrono::steady_clock::time_point deadline, error_code& ec);

    std::shared_ptr<detail::process_state> state_;
};

/// The children of this process that are still running; finished ones are reaped (Python's
/// `active_children()`).
MULTIPROC_DECL std::vector<process> active_children();

namespace detail {
struct parent_state;
}

/// The process that started this one, as `parent_process()` gives it (Python's
/// `_ParentProcess`): its id, its name, whether it runs, and a join that waits for its exit.
/// It is not this process's child: its exit code is unknown here, and nothing can stop it.
/// Copies share one state.
class MULTIPROC_DECL parent_handle
{
public:
    /// Its process id (the one it had when it started this process).
    pid_type pid() const noexcept;
    /// Its name: "MainProcess", or the name given to its `process_options`.
    const std::string& name() const noexcept;
    /// True until it has exited.
    bool is_alive() const;

    /// Waits until it has exited (Linux: on a pidfd; Windows: on its process handle).
    void join() const;
    /// As above, with the failure in `ec` instead of thrown.
    void join(error_code& ec) const;
    /// Waits at most `timeout`; true once it has exited.
    template <class Rep, class Period>
    bool join_for(std::chrono::duration<Rep, Period> timeout) const
    {
        return detail::call_or_throw("multiproc::parent_handle::join_for",
                                     [&](error_code& ec) { return join_for(timeout, ec); });
    }
    /// As above, with the failure in `ec` instead of thrown.
    template <class Rep, class Period>
    bool join_for(std::chrono::duration<Rep, Period> timeout, error_code& ec) const
    {
        return join_until(detail::deadline_after(timeout), ec);
    }

private:
    friend std::optional<parent_handle> parent_process();
    explicit parent_handle(std::shared_ptr<detail::parent_state> state) noexcept
        : state_(std::move(state))
    {}
    bool join_until(std::chrono::steady_clock::time_point deadline, error_code& ec) const;

    std::shared_ptr<detail::parent_state> state_;
};

/// The process that started this one (Python's `parent_process()`): in a child started by
/// multiproc (spawned, forked, a pool worker), its parent; empty in the main process, where
/// Python returns None. Note that a child dies with its parent (see `process`): a child can
/// see its parent exit only where it outlives it, as a plain `fork()` does.
MULTIPROC_DECL std::optional<parent_handle> parent_process();

} // namespace multiproc

#endif
