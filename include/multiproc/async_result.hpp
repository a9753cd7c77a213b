// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_ASYNC_RESULT_HPP
#define MULTIPROC_ASYNC_RESULT_HPP

/// @file
/// `multiproc::async_result`: the result of a pool's `apply_async` or `map_async` (Python's
/// AsyncResult). The name is Python's; it is not `boost::asio::async_result` (a trait of
/// completion tokens), which code that uses both namespaces names in full.

#include <multiproc/detail/config.hpp>

#include <multiproc/detail/pool_job.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>

namespace multiproc {

/// The result of `apply_async` or `map_async` (Python's AsyncResult).
template <class R>
class async_result
{
public:
    /// @cond MULTIPROC_INTERNAL
    explicit async_result(std::shared_ptr<detail::result_state<detail::value_t<R>>> state) noexcept
        : state_(std::move(state))
    {}
    /// @endcond

    /// Waits for the task; returns its value or throws what stopped it: `remote_error` for an
    /// exception in the task, `system_error` with `error::worker_died` if its worker died.
    R get()
    {
        wait();
        if (state_->result.failed())
            std::rethrow_exception(state_->result.exception());
        if constexpr (!std::is_void_v<R>)
            return std::move(*state_->result.value);
    }
    /// Waits until the task has finished, successfully or not.
    void wait()
    {
        if (state_->is_done())
            return;
        if (auto pool = state_->pool.lock())
            if (detail::spin_helping(*pool, [&] { return state_->is_done(); }))
                return;
        std::unique_lock<std::mutex> lock(state_->mutex);
        state_->ready.wait(lock, [&] { return state_->is_done(); });
    }
    /// Waits at most `timeout`; true once the task has finished.
    template <class Rep, class Period>
    bool wait_for(std::chrono::duration<Rep, Period> timeout)
    {
        std::unique_lock<std::mutex> lock(state_->mutex);
        return state_->ready.wait_until(lock, detail::deadline_after(timeout),
                                        [&] { return state_->is_done(); });
    }
    /// The value, if the task finishes within `timeout` (what stopped it is thrown).
    template <class Rep, class Period>
    std::optional<std::conditional_t<std::is_void_v<R>, bool, R>>
    get_for(std::chrono::duration<Rep, Period> timeout)
    {
        if (!wait_for(timeout))
            return std::nullopt;
        if constexpr (std::is_void_v<R>) {
            get();
            return true;
        } else {
            return get();
        }
    }
    /// True once the task has finished (Python's `ready()`).
    bool ready() const { return state_->is_done(); }
    /// True if the task finished without an error (only once ready()).
    bool successful() const { return state_->is_done() && !state_->result.failed(); }

private:
    std::shared_ptr<detail::result_state<detail::value_t<R>>> state_;
};

} // namespace multiproc

#endif
