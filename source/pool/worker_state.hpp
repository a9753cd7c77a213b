// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_POOL_WORKER_STATE_HPP
#define MULTIPROC_SOURCE_POOL_WORKER_STATE_HPP

// Where a local pool worker is in its life, as the supervisor sees it (test/pool_dispatch.cpp).
//
//   start: spawned -> reached_init (its started frame) ---> up
//                  -> initialized  (its initializer ran) -/
//          (a worker without initializer is initialized from the first)
//   life:  serving -> stopping (sent stop) -> gone (its stream ended, or the pool terminated)
//
// The pool kills a worker for a task that ran too long or for a start that took too long; its
// end of stream then tells which.

#include <cstdint>

namespace multiproc::detail {

class worker_state
{
public:
    enum class start : std::uint8_t
    {
        spawned,
        reached_init,
        initialized,
        up,
    };
    enum class life : std::uint8_t
    {
        serving,
        stopping,
        gone,
    };
    enum class kill : std::uint8_t
    {
        task_timeout = 1,
        start_timeout = 2,
    };

    explicit worker_state(bool has_initializer) noexcept
        : start_(has_initializer ? start::spawned : start::initialized)
    {}

    /// It reported from init: its front task's time runs.
    bool started() const noexcept { return start_ == start::reached_init || start_ == start::up; }
    /// It may be sent tasks: at once, or once its initializer ran.
    bool ready() const noexcept { return start_ == start::initialized || start_ == start::up; }
    /// Started and ready: it did not fail to start.
    bool up() const noexcept { return start_ == start::up; }
    /// It was sent stop: it exits after the tasks before it.
    bool stopping() const noexcept { return life_ == life::stopping; }
    /// Its stream ended.
    bool gone() const noexcept { return life_ == life::gone; }
    /// Ready, neither stopping nor gone.
    bool takes_tasks() const noexcept { return ready() && life_ == life::serving; }
    /// Whether the pool killed it for `why`.
    bool killed_for(kill why) const noexcept
    {
        return (kills_ & static_cast<std::uint8_t>(why)) != 0;
    }

    /// It reported from init; true if that made it up.
    bool reach_init() noexcept { return advance(start::reached_init); }
    /// Its initializer ran; true if that made it up.
    bool initialize() noexcept { return advance(start::initialized); }
    void stop() noexcept { life_ = life::stopping; }
    void end() noexcept { life_ = life::gone; }
    void mark_killed(kill why) noexcept { kills_ |= static_cast<std::uint8_t>(why); }

private:
    bool advance(start to) noexcept
    {
        if (start_ == to || start_ == start::up)
            return false;
        start_ = start_ == start::spawned ? to : start::up;
        return start_ == start::up;
    }

    start start_;
    life life_ = life::serving;
    std::uint8_t kills_ = 0;
};

} // namespace multiproc::detail

#endif
