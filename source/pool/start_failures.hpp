// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_POOL_START_FAILURES_HPP
#define MULTIPROC_SOURCE_POOL_START_FAILURES_HPP

// The local pool's account of workers that did not start (test/pool_dispatch.cpp): which
// failures are tried again, and when the pool is broken.
//
// Workers that die before they are up (killed, crashed, exit(1) in a static initializer) are
// replaced; after `max_in_a_row` such deaths in a row, with no worker coming up in between, the
// pool is broken. The replacements wait longer each time (dispatch::start_backoff).

#include <multiproc/error.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace multiproc::detail {

/// How a worker ended, for messages: "worker killed by signal 9", "worker exited with code 1".
inline std::string describe_exit(std::optional<int> code)
{
    if (!code)
        return "worker died";
    return *code < 0 ? "worker killed by signal " + std::to_string(-*code)
                     : "worker exited with code " + std::to_string(*code);
}

/// A worker whose program cannot be run (missing, not allowed, not a program) will never start:
/// the pool is broken at once. Any other failure to start one (no process or memory to spare
/// for a moment; under Wine, CreateProcess now and then) is tried again, as a start that failed.
inline bool start_may_succeed_later(const error_code& ec)
{
    namespace errc = boost::system::errc;
    return ec != errc::no_such_file_or_directory && ec != errc::permission_denied &&
           ec != errc::executable_format_error && ec != errc::not_a_directory &&
           ec != errc::filename_too_long && ec != errc::invalid_argument;
}

class start_failures
{
public:
    static constexpr std::size_t max_in_a_row = 10;

    /// Starts that failed since a worker was last up.
    std::size_t in_a_row() const noexcept { return in_a_row_; }
    /// A worker came up: starts are not failing.
    void worker_up() noexcept { in_a_row_ = 0; }

    /// A worker ended before it was up, or could not be started (`spawn_error`). Returns the
    /// error that breaks the pool, with its message in `what`; none: replace the worker. One
    /// that did not reach init in time breaks it at once, and so does one that exited normally
    /// without reaching init (it ran its program to the end without calling multiproc::init).
    /// One killed, crashed or exited with an error (or that ended in its initializer), or not
    /// started, is replaced, unless `max_in_a_row` have failed so in a row.
    error_code failed(std::optional<int> exit_code, bool reached_init, bool start_timed_out,
                      const error_code& spawn_error, std::string& what)
    {
        if (start_timed_out) {
            what = "multiproc::pool: a worker did not reach multiproc::init in time";
            return make_error_code(error::start_timeout);
        }
        ++in_a_row_;
        const bool returned = !spawn_error && !reached_init && exit_code && *exit_code == 0;
        if (spawn_error && in_a_row_ >= max_in_a_row) {
            what = "multiproc::pool: " + std::to_string(in_a_row_) +
                   " workers in a row could not be started; the last: " + spawn_error.message();
            return spawn_error;
        }
        if (returned) {
            what = "multiproc::pool: a worker exited before reaching multiproc::init: " +
                   describe_exit(exit_code);
            return make_error_code(error::not_initialized);
        }
        if (in_a_row_ >= max_in_a_row) {
            const bool signalled = !exit_code || *exit_code < 0;
            what = "multiproc::pool: " + std::to_string(in_a_row_) +
                   " workers in a row ended before they were up; the last: " +
                   describe_exit(exit_code);
            return make_error_code(signalled ? error::worker_died : error::not_initialized);
        }
        return {};
    }

private:
    std::size_t in_a_row_ = 0;
};

} // namespace multiproc::detail

#endif
