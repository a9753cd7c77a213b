// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// The pools' dispatch policy, a local worker's state and the account of failed starts,
// without processes.

#include "../source/pool/dispatch.hpp"
#include "../source/pool/start_failures.hpp"
#include "../source/pool/worker_state.hpp"

#include <boost/test/unit_test.hpp>

namespace dispatch = multiproc::detail::dispatch;
using multiproc::detail::start_failures;
using multiproc::detail::worker_state;
using namespace std::chrono_literals;

namespace {
/// A ready worker (initialized, or with nothing to initialize) not yet started: up once it is.
void check_up_once_started(worker_state& w)
{
    BOOST_TEST(w.ready());
    BOOST_TEST(!w.started());
    BOOST_TEST(!w.up());
    BOOST_TEST(w.reach_init());
    BOOST_TEST(w.up());
}
} // namespace

BOOST_AUTO_TEST_SUITE(pool_dispatch_tests)

BOOST_AUTO_TEST_CASE(one_task_until_a_worker_has_shown_its_pace)
{
    BOOST_TEST(dispatch::pipeline_depth(-1, 128) == 1u);
}

BOOST_AUTO_TEST_CASE(pipelines_about_a_millisecond_of_work)
{
    BOOST_TEST(dispatch::pipeline_depth(100e-6, 128) == 10u);
    BOOST_TEST(dispatch::pipeline_depth(1e-3, 128) == 1u);
    BOOST_TEST(dispatch::pipeline_depth(1.0, 128) == 1u);    // slow tasks: one at a time
    BOOST_TEST(dispatch::pipeline_depth(1e-9, 128) == 128u); // quick ones: up to the limit
    BOOST_TEST(dispatch::pipeline_depth(0, 128) == 128u);
}

BOOST_AUTO_TEST_CASE(the_mean_weighs_recent_tasks_most)
{
    BOOST_TEST(dispatch::next_mean(-1, 2.0) == 2.0);
    BOOST_TEST(dispatch::next_mean(2.0, 6.0) == 3.0);
}

BOOST_AUTO_TEST_CASE(capacity_is_the_pipeline_minus_what_is_in_flight)
{
    dispatch::worker_load w;
    BOOST_TEST(dispatch::capacity(w, 128) == 1u);
    w.in_flight = 1;
    BOOST_TEST(dispatch::capacity(w, 128) == 0u);
    w.mean_task_seconds = 100e-6; // depth 10
    BOOST_TEST(dispatch::capacity(w, 128) == 9u);
    w.in_flight = 12; // more than the depth (it was faster before)
    BOOST_TEST(dispatch::capacity(w, 128) == 0u);
}

BOOST_AUTO_TEST_CASE(max_tasks_per_child_bounds_capacity_and_retires)
{
    dispatch::worker_load w;
    w.mean_task_seconds = 1e-6; // depth 128
    w.max_tasks_per_child = 5;
    BOOST_TEST(dispatch::capacity(w, 128) == 5u);
    BOOST_TEST(!dispatch::retired(w));
    w.tasks_sent = 3;
    w.in_flight = 2;
    BOOST_TEST(dispatch::capacity(w, 128) == 2u);
    w.tasks_sent = 5;
    BOOST_TEST(dispatch::capacity(w, 128) == 0u);
    BOOST_TEST(dispatch::retired(w));
    w.max_tasks_per_child = 0;
    BOOST_TEST(!dispatch::retired(w));
}

BOOST_AUTO_TEST_CASE(only_a_death_is_retried_and_a_timeout_if_asked)
{
    using multiproc::error;
    using multiproc::make_error_code;
    const auto died = make_error_code(error::worker_died);
    const auto timeout = make_error_code(error::timeout);
    BOOST_TEST(dispatch::retry(died, 0, 1, false));
    BOOST_TEST(!dispatch::retry(died, 1, 1, false));
    BOOST_TEST(!dispatch::retry(died, 0, 0, false));
    BOOST_TEST(!dispatch::retry(timeout, 0, 1, false));
    BOOST_TEST(dispatch::retry(timeout, 0, 1, true));
    BOOST_TEST(!dispatch::retry(make_error_code(error::pool_closed), 0, 1, true));
}

BOOST_AUTO_TEST_CASE(failed_starts_back_off_doubling_to_a_second)
{
    BOOST_TEST(dispatch::start_backoff(0).count() == 0);
    BOOST_TEST(dispatch::start_backoff(1).count() == 0);
    BOOST_TEST(dispatch::start_backoff(2).count() == 5);
    BOOST_TEST(dispatch::start_backoff(3).count() == 10);
    BOOST_TEST(dispatch::start_backoff(9).count() == 640);
    BOOST_TEST(dispatch::start_backoff(10).count() == 1000);
    BOOST_TEST(dispatch::start_backoff(1000).count() == 1000);
}

BOOST_AUTO_TEST_CASE(a_worker_is_up_once_started_and_initialized_in_either_order)
{
    worker_state a(true);
    BOOST_TEST(!a.started());
    BOOST_TEST(!a.ready());
    BOOST_TEST(!a.takes_tasks());
    BOOST_TEST(!a.reach_init()); // started, not yet up
    BOOST_TEST(a.started());
    BOOST_TEST(!a.up());
    BOOST_TEST(a.initialize()); // up now
    BOOST_TEST(a.up());
    BOOST_TEST(a.takes_tasks());
    BOOST_TEST(!a.initialize()); // once only
    BOOST_TEST(!a.reach_init());

    worker_state b(true);
    BOOST_TEST(!b.initialize()); // initialized first (a helper read the result)
    check_up_once_started(b);
}

BOOST_AUTO_TEST_CASE(a_worker_without_initializer_is_ready_at_once)
{
    worker_state w(false);
    BOOST_TEST(w.takes_tasks());
    check_up_once_started(w);
}

BOOST_AUTO_TEST_CASE(a_stopping_or_gone_worker_takes_no_tasks)
{
    worker_state w(false);
    w.stop();
    BOOST_TEST(w.stopping());
    BOOST_TEST(!w.takes_tasks());
    w.end();
    BOOST_TEST(w.gone());
    BOOST_TEST(!w.stopping());
    BOOST_TEST(!w.takes_tasks());
}

BOOST_AUTO_TEST_CASE(kills_are_remembered_each)
{
    worker_state w(false);
    BOOST_TEST(!w.killed_for(worker_state::kill::task_timeout));
    w.mark_killed(worker_state::kill::start_timeout);
    BOOST_TEST(w.killed_for(worker_state::kill::start_timeout));
    BOOST_TEST(!w.killed_for(worker_state::kill::task_timeout));
    w.mark_killed(worker_state::kill::task_timeout);
    BOOST_TEST(w.killed_for(worker_state::kill::start_timeout));
    BOOST_TEST(w.killed_for(worker_state::kill::task_timeout));
}

BOOST_AUTO_TEST_CASE(ten_failed_starts_in_a_row_break_the_pool)
{
    using multiproc::error;
    start_failures starts;
    std::string what;
    for (int i = 1; i < 10; ++i)
        BOOST_TEST(!starts.failed(-9, false, false, {}, what)); // killed: replaced
    BOOST_TEST(starts.in_a_row() == 9u);
    BOOST_TEST((starts.failed(-9, false, false, {}, what) == error::worker_died));
    BOOST_TEST(what.find("10 workers in a row") != std::string::npos, what);
    starts.worker_up();
    BOOST_TEST(starts.in_a_row() == 0u);
    for (int i = 1; i < 10; ++i)
        BOOST_TEST(!starts.failed(1, false, false, {}, what));
    BOOST_TEST((starts.failed(1, false, false, {}, what) == error::not_initialized));
}

BOOST_AUTO_TEST_CASE(some_failed_starts_break_the_pool_at_once)
{
    using multiproc::error;
    std::string what;
    start_failures timed_out;
    BOOST_TEST((timed_out.failed(std::nullopt, false, true, {}, what) == error::start_timeout));
    BOOST_TEST(timed_out.in_a_row() == 0u);
    start_failures returned; // ran to the end without multiproc::init
    BOOST_TEST((returned.failed(0, false, false, {}, what) == error::not_initialized));
    BOOST_TEST(!returned.failed(0, true, false, {}, what)); // exited in its initializer
    const auto no_process = make_error_code(boost::system::errc::resource_unavailable_try_again);
    BOOST_TEST(multiproc::detail::start_may_succeed_later(no_process));
    BOOST_TEST(!multiproc::detail::start_may_succeed_later(
        make_error_code(boost::system::errc::no_such_file_or_directory)));
    start_failures spawning;
    for (int i = 1; i < 10; ++i)
        BOOST_TEST(!spawning.failed(std::nullopt, false, false, no_process, what));
    BOOST_TEST((spawning.failed(std::nullopt, false, false, no_process, what) == no_process));
}

BOOST_AUTO_TEST_SUITE_END()
