// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TEST_POOL_UTIL_HPP
#define MULTIPROC_TEST_POOL_UTIL_HPP

// Helpers of the pool tests (local and MPI): a bound on the calls that have no timed form, an
// input range that throws part way (CPython's exception_throwing_generator), checks of a task's
// exception and of a pool whose workers run one task each.

#include <multiproc/async_result.hpp>
#include <multiproc/error.hpp>
#include <multiproc/pool.hpp>

#include "pool_tasks.hpp"

#include <boost/iterator/iterator_facade.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace pool_util {

using namespace std::chrono_literals;

/// For the calls that have no timed form (imap's next(), map, starmap): if the guarded section
/// is still running after `limit`, terminates the pool (which fails what is unfinished, so the
/// blocked call returns), and aborts the whole run if even that does not unblock it.
template <class Pool>
class watchdog
{
public:
    watchdog(Pool& p, std::chrono::seconds limit, std::string what)
        : pool_(p), limit_(limit), what_(std::move(what)), thread_([this] { watch(); })
    {}
    ~watchdog() { disarm(); }
    watchdog(const watchdog&) = delete;
    watchdog& operator=(const watchdog&) = delete;

    void disarm()
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            disarmed_ = true;
        }
        changed_.notify_all();
        if (thread_.joinable())
            thread_.join();
    }
    bool fired() const { return fired_; }

private:
    void watch()
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (changed_.wait_for(lock, limit_, [&] { return disarmed_; }))
            return;
        fired_ = true;
        lock.unlock();
        std::fprintf(stderr, "watchdog: %s still blocked after %lld s: terminating the pool\n",
                     what_.c_str(), static_cast<long long>(limit_.count()));
        pool_.terminate();
        lock.lock();
        if (changed_.wait_for(lock, 20s, [&] { return disarmed_; }))
            return;
        std::fprintf(stderr, "watchdog: %s still blocked after the pool's terminate(): abort\n",
                     what_.c_str());
        std::abort();
    }

    Pool& pool_;
    std::chrono::seconds limit_;
    std::string what_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool disarmed_ = false;
    std::atomic<bool> fired_{false};
    std::thread thread_; // last: starts once the rest exists
};

/// What a say_when_range throws (CPython's SayWhenError).
struct say_when_error : std::runtime_error
{
    say_when_error() : std::runtime_error("Somebody said when") {}
};

/// Where a say_when_range throws: reading the failing item, or stepping onto it.
enum class throws_on
{
    read,
    increment
};

/// The items 0 .. total-1 (as `Item`: an int, or a pair of ints for starmap), except that
/// reaching item `when` throws say_when_error (CPython's exception_throwing_generator; `when`
/// -1: the first item). A single-pass input range, read lazily as a generator is.
template <class Item = int>
class say_when_range
{
public:
    /// The facade makes it an input iterator (its types, `*it++`).
    class iterator : public boost::iterator_facade<iterator, Item, std::input_iterator_tag, Item>
    {
    public:
        iterator() = default;
        iterator(const say_when_range* range, int i) : range_(range), i_(i) {}

    private:
        friend class boost::iterator_core_access;
        Item dereference() const
        {
            if (range_->where_ == throws_on::read && i_ == range_->when_)
                throw say_when_error();
            if constexpr (std::is_same_v<Item, int>)
                return i_;
            else
                return Item(i_, i_);
        }
        void increment()
        {
            ++i_;
            if (range_->where_ == throws_on::increment && i_ == range_->when_)
                throw say_when_error();
        }
        bool equal(const iterator& other) const { return i_ == other.i_; }

        const say_when_range* range_ = nullptr;
        int i_ = 0;
    };

    say_when_range(int total, int when, throws_on where = throws_on::read)
        : total_(total), when_(when < 0 ? 0 : when), where_(where)
    {}
    iterator begin() const { return iterator(this, 0); }
    iterator end() const { return iterator(this, total_); }

private:
    int total_;
    int when_;
    throws_on where_;
};

/// 0 .. n - 1.
inline std::vector<int> iota_vector(int n)
{
    std::vector<int> v(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        v[static_cast<std::size_t>(i)] = i;
    return v;
}

/// Their squares, in order.
inline std::vector<int> squares_of(const std::vector<int>& items)
{
    std::vector<int> out;
    for (int x : items)
        out.push_back(x * x);
    return out;
}

/// True if `get()` throws the remote_error of a task's exception: then also checks its type,
/// message and code. False if it throws nothing.
template <class Get>
bool throws_remote_error(Get get, const std::string& type, const std::string& message)
{
    try {
        get();
    } catch (const multiproc::remote_error& e) {
        BOOST_TEST(e.type() == type);
        BOOST_TEST(e.message() == message);
        BOOST_TEST((e.code() == multiproc::error::remote_exception));
        return true;
    }
    return false;
}

/// Submits `submit(pool, i)` for i = 0 .. tasks - 1 to a pool of `workers` that run one task
/// each, then closes and joins it: the results, all ready.
template <class Submit>
auto one_task_per_worker(int workers, int tasks, Submit submit)
{
    multiproc::pool_options options;
    options.max_tasks_per_child = 1;
    multiproc::pool p(workers, options);
    std::vector<decltype(submit(p, 0))> results;
    for (int i = 0; i < tasks; ++i)
        results.push_back(submit(p, i));
    p.close();
    p.join();
    return results;
}

/// Gives `p` `tasks` tasks that sleep `ms` ms each, lets them start for `head_start`, then
/// terminates `p`, which must take less than 5 s: the tasks' results.
template <class Pool>
std::vector<multiproc::async_result<void>> terminate_sleepers(Pool& p, int tasks, int ms,
                                                              std::chrono::milliseconds head_start)
{
    std::vector<multiproc::async_result<void>> results;
    for (int i = 0; i < tasks; ++i)
        results.push_back(p.apply_async(pool_tasks::sleep_ms, ms));
    std::this_thread::sleep_for(head_start);
    const auto before = std::chrono::steady_clock::now();
    p.terminate();
    BOOST_TEST((std::chrono::steady_clock::now() - before < 5s));
    return results;
}

} // namespace pool_util

#endif
