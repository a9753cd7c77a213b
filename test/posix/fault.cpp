// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Fault injection, the cases of POSIX only (the rest: ../fault.cpp): RLIMIT_AS, the queue's
// lock and wait words in memory shared with fork()ed children, parents killed by signals with
// /dev/shm checked, descriptors run out. Its own suite, which ends with the same final check.

#include <multiproc/init.hpp>
#include <multiproc/pool.hpp>
#include <multiproc/process.hpp>
#include <multiproc/queue.hpp>
#include <multiproc/shared_memory.hpp>
#include <multiproc/sync.hpp>

#include "../fault_util.hpp"
#include "../pool_tasks.hpp"
#include "../test_util.hpp"

#include "../../source/detail/shared_wait.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mp = multiproc;
using namespace std::chrono_literals;

namespace {

using fault_util::started_pids;

// VmSize of this process, in bytes.
unsigned long long address_space_used()
{
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmSize:") {
            unsigned long long kib = 0;
            in >> kib;
            return kib * 1024;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

// A pool initializer: the worker may use only `extra` bytes more address space than it has.
void fault_limit_address_space(long long extra)
{
    const rlim_t limit = address_space_used() + static_cast<unsigned long long>(extra);
    const rlimit r{limit, limit};
    if (::setrlimit(RLIMIT_AS, &r) != 0)
        throw std::runtime_error("setrlimit failed");
}
MULTIPROC_TASK(fault_limit_address_space)

long long fault_allocate(long long bytes)
{
    std::vector<char> block(static_cast<std::size_t>(bytes), 1);
    return static_cast<long long>(block.size());
}
MULTIPROC_TASK(fault_allocate)

} // namespace

BOOST_AUTO_TEST_SUITE(fault_posix_tests)

BOOST_AUTO_TEST_CASE(out_of_memory_in_a_bounded_worker)
{
    if (test_util::sanitized) {
        // ASan and TSan reserve terabytes of address space up front: RLIMIT_AS cannot bound them.
        BOOST_TEST_MESSAGE("skipped under a sanitizer");
        return;
    }
    mp::pool_options options;
    options.initializer(fault_limit_address_space, 256ll << 20);
    mp::pool p(1, options);
    auto huge = p.apply_async(fault_allocate, 1ll << 30);
    BOOST_TEST_REQUIRE(huge.wait_for(30s));
    try {
        huge.get();
        BOOST_ERROR("expected std::bad_alloc");
    } catch (const mp::remote_error& e) {
        BOOST_TEST(e.type() == "std::bad_alloc", e.what());
    }
    // The same worker goes on, within its bound.
    BOOST_TEST(p.apply(fault_allocate, 1ll << 20) == (1ll << 20));
    BOOST_TEST(p.apply(pool_tasks::square, 6) == 36);
}

// The queue's lock and wait words, in memory shared with a child that is killed while it holds
// the lock, and one killed while it sleeps on a word: the next locker gets the lock and is
// told (before the killed child is reaped), and a later waiter on the word is woken as if
// nobody had died there.
BOOST_AUTO_TEST_CASE(queue_lock_and_wait_survive_killed_processes)
{
    struct shared
    {
        mp::detail::recoverable_lock lock;
        std::atomic<std::uint32_t> word{0};
    };
    void* memory =
        ::mmap(nullptr, sizeof(shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    BOOST_TEST_REQUIRE(memory != MAP_FAILED);
    auto* s = new (memory) shared;
    for (const bool holds_lock : {true, false}) {
        int ready[2];
        BOOST_TEST_REQUIRE(::pipe(ready) == 0);
        const pid_t child = ::fork();
        BOOST_TEST_REQUIRE(child >= 0);
        if (child == 0) {
            ::alarm(30);
            if (holds_lock)
                s->lock.lock();
            if (::write(ready[1], "r", 1) != 1)
                ::_exit(4);
            for (;;)
                mp::detail::wait_while_equal(s->word, 0, std::chrono::steady_clock::now() + 60s);
        }
        started_pids().insert(child);
        char byte;
        BOOST_TEST_REQUIRE(::read(ready[0], &byte, 1) == 1);
        ::close(ready[0]);
        ::close(ready[1]);
        // A locker already asleep when the child is killed (and before it is reaped: a
        // zombie holder has ended too).
        std::atomic<bool> told{false};
        std::chrono::steady_clock::time_point taken;
        std::thread locker([&] {
            told = s->lock.lock();
            taken = std::chrono::steady_clock::now();
        });
        std::this_thread::sleep_for(20ms); // the child is asleep on the word, the locker too
        const auto killed = std::chrono::steady_clock::now();
        ::kill(child, SIGKILL);
        locker.join();
        BOOST_TEST(told == holds_lock); // told whether its holder died
        const bool taken_soon = taken - killed < 2s;
        BOOST_TEST(taken_soon, "the lock of a killed holder was taken late");
        s->lock.unlock();
        ::waitpid(child, nullptr, 0);
        BOOST_TEST(!s->lock.lock()); // and whole again
        s->lock.unlock();

        const auto start = std::chrono::steady_clock::now();
        std::thread waiter([&] {
            while (s->word.load() == 0 && std::chrono::steady_clock::now() - start < 10s)
                mp::detail::wait_while_equal(s->word, 0, start + 10s);
        });
        std::this_thread::sleep_for(20ms);
        s->word.store(1);
        mp::detail::wake_all(s->word);
        waiter.join();
        const bool woken_soon = std::chrono::steady_clock::now() - start < 2s;
        BOOST_TEST(woken_soon, "the wake was lost");
        s->word.store(0);
    }
    ::munmap(memory, sizeof(shared));
}

// A consumer killed while it waits on an empty queue, and a producer killed while it waits on
// a full one: the others go on at once.
BOOST_AUTO_TEST_CASE(queue_goes_on_after_killed_waiters)
{
    mp::queue<int> q(1);
    const pid_t consumer = ::fork();
    BOOST_TEST_REQUIRE(consumer >= 0);
    if (consumer == 0) {
        ::alarm(30);
        q.get();
        ::_exit(0); // it got a value: the test fails below
    }
    started_pids().insert(consumer);
    std::this_thread::sleep_for(100ms); // asleep in get
    ::kill(consumer, SIGKILL);
    int status = 0;
    ::waitpid(consumer, &status, 0);
    BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));

    q.put(1); // full now
    const pid_t producer = ::fork();
    BOOST_TEST_REQUIRE(producer >= 0);
    if (producer == 0) {
        ::alarm(30);
        q.put(2);
        ::_exit(0);
    }
    started_pids().insert(producer);
    std::this_thread::sleep_for(100ms); // asleep in put
    ::kill(producer, SIGKILL);
    ::waitpid(producer, &status, 0);
    BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));

    BOOST_TEST(q.get_for(1s).value_or(-1) == 1);
    BOOST_TEST(!q.try_get()); // the killed producer's value was never put
    BOOST_TEST(q.put_for(3, 1s));
    BOOST_TEST(q.get_for(1s).value_or(-1) == 3);
}

// Values over 4 MiB take a segment of their own.
std::string fault_large_value(char c)
{
    return std::string((std::size_t(5) << 20) + 1, c);
}

// A producer of large values for the parent below, until it dies with it.
void fault_put_large_values(mp::queue<std::string> q)
{
    for (;;)
        q.put(fault_large_value('p'));
}
MULTIPROC_TASK(fault_put_large_values)

// A consumer for the parent below, until it dies with it.
void fault_get_values(mp::queue<std::string> q)
{
    for (;;)
        q.get();
}
MULTIPROC_TASK(fault_get_values)

// The parent in the kill rounds below, in a process group of its own (Ctrl-C signals the
// terminal's foreground group: the parent and its children): a queue with a large value in
// it, another waiting to get into it (its segment made), a lock and a shared value; with
// children, a producer and a consumer of large values on another queue, and a pool of 1 (its
// worker's rings). Writes the pids of its children once they run, then waits to be killed.
void fault_names_parent(std::string path, bool with_children, bool fork_method)
{
    ::setpgid(0, 0);
    std::string text;
    try {
        const mp::start_method method =
            fork_method ? mp::start_method::fork : mp::start_method::spawn;
        mp::queue<std::string> full(1);
        mp::lock lock(mp::create_only);
        mp::shared_value<int> value(mp::create_only, 1);
        mp::queue<std::string> busy(2);
        std::vector<mp::process> children;
        std::optional<mp::pool> pool;
        if (with_children) {
            children.emplace_back(test_util::with_method(method), fault_put_large_values, busy);
            children.emplace_back(test_util::with_method(method), fault_get_values, busy);
            for (auto& child : children)
                child.start();
            mp::pool_options options;
            options.method = method;
            pool.emplace(1, options);
            if (pool->apply(pool_tasks::square, 3) != 9)
                throw std::runtime_error("the pool's answer is wrong");
        }
        // A thread only now: forks are done (the pool's worker is up).
        full.put(fault_large_value('a'));
        std::thread blocked([full]() mutable { full.put_for(fault_large_value('b'), 60s); });
        blocked.detach();
        std::vector<int> pids;
        const std::size_t expected = with_children ? 3 : 0;
        for (auto deadline = std::chrono::steady_clock::now() + 20s;
             pids.size() < expected && std::chrono::steady_clock::now() < deadline;) {
            std::this_thread::sleep_for(2ms);
            pids = fault_util::running_children();
        }
        for (int pid : pids)
            text += std::to_string(pid) + ' ';
        test_util::write_file(path, text + "ready");
        std::this_thread::sleep_for(60s);
    } catch (const std::exception& e) {
        test_util::write_file(path, std::string("error: ") + e.what());
    }
}
MULTIPROC_TASK(fault_names_parent)

// Rounds of Ctrl-C (SIGINT to the parent's process group), SIGTERM and SIGKILL of a parent
// holding queues, locks and shared memory, with and without children, with large values in
// flight: within 2 s of the signal nothing of the run is in /dev/shm and no process of it
// (children, the reaper) is left, with no other multiproc program started. Before the
// reaper, 30 of 30 rounds left names (the parent's own at least).
BOOST_AUTO_TEST_CASE(a_killed_parent_leaves_no_names_and_no_process)
{
    // This process's own reaper starts before it adopts orphans: it is not one of them.
    const mp::shared_memory own(mp::create_only, 1);
    test_util::become_subreaper(); // the run's orphans and its reaper come to us
    const int signals[] = {SIGINT, SIGTERM, SIGKILL};
    constexpr int rounds = 30;
    int rounds_leaving_names = 0, rounds_leaving_processes = 0;
    for (int round = 0; round < rounds; ++round) {
        const int signal = signals[round % 3];
        const bool with_children = round % 2 == 1;
        const bool fork_method = round % 4 == 3;
        std::set<int> before;
        for (const auto& [pid, state] : test_util::child_states())
            before.insert(pid);
        test_util::temp_file pids_file("fault_names_" + std::to_string(round));
        mp::process parent(fault_names_parent, pids_file.path(), with_children, fork_method);
        parent.start();
        const int parent_pid = static_cast<int>(parent.pid());
        started_pids().insert(parent_pid);
        const std::string text = test_util::wait_for_file(pids_file.path(), 30s);
        BOOST_TEST_REQUIRE(text.find("ready") != std::string::npos,
                           "round " << round << ": '" << text << "'");
        std::istringstream in(text);
        std::vector<int> run{parent_pid}; // whose names are the run's
        for (int pid; in >> pid;)
            run.push_back(pid);
        for (int pid : run)
            started_pids().insert(pid);
        std::this_thread::sleep_for(std::chrono::milliseconds(fault_util::random_below(20)));
        if (signal == SIGINT)
            ::kill(-parent_pid, SIGINT); // its process group, as Ctrl-C
        else
            ::kill(parent_pid, signal);
        const auto signalled = std::chrono::steady_clock::now();
        BOOST_TEST_REQUIRE(parent.join_for(10s));
        BOOST_TEST(parent.exit_code().value_or(0) == -signal, "round " << round);

        std::vector<std::string> names;
        std::vector<int> alive; // adopted by this process, or the run's children
        for (;;) {
            names.clear();
            alive.clear();
            for (int pid : run)
                for (auto& name : test_util::shm_names_of(pid))
                    names.push_back(name);
            for (const auto& [pid, state] : test_util::child_states())
                if (state != 'Z' && before.count(pid) == 0)
                    alive.push_back(pid);
            for (int pid : run)
                if (!test_util::wait_gone(pid, 0ms))
                    alive.push_back(pid);
            if ((names.empty() && alive.empty()) ||
                std::chrono::steady_clock::now() - signalled > 2s)
                break;
            std::this_thread::sleep_for(5ms);
        }
        rounds_leaving_names += !names.empty();
        rounds_leaving_processes += !alive.empty();
        BOOST_TEST(names.empty(), "round " << round << " (signal " << signal
                                           << "): " << names.size() << " names left, the first "
                                           << (names.empty() ? "" : names.front()));
        BOOST_TEST(alive.empty(), "round " << round << " (signal " << signal
                                           << "): " << alive.size() << " processes left");
        for (int pid : alive)
            test_util::kill_process(pid);
        for (const auto& [pid, state] : test_util::child_states())
            if (before.count(pid) == 0)
                test_util::reap(pid);
    }
    BOOST_TEST_MESSAGE(rounds << " killed parents: " << rounds_leaving_names << " left names, "
                              << rounds_leaving_processes << " left processes");
}

// The victim of the large-value rounds: says it is ready, then puts or takes values over
// 4 MiB (each in a segment of its own) until it is killed.
void fault_large_value_victim(mp::queue<std::string> q, bool producer, mp::connection ready)
{
    ready.send(0);
    for (;;) {
        if (producer)
            q.put(fault_large_value('v'));
        else
            q.get();
    }
}
MULTIPROC_TASK(fault_large_value_victim)

// A producer killed while it puts a value that takes a segment of its own (most often while it
// waits for room, its segment made), a consumer killed while it holds one: once the survivor
// has taken what is queued and the queue is gone, none of those segments is left.
BOOST_AUTO_TEST_CASE(queue_large_values_of_killed_processes_leave_no_names)
{
    constexpr int rounds = 40;
    int rounds_leaving_names = 0;
    for (int round = 0; round < rounds; ++round) {
        const bool victim_produces = round % 2 == 0;
        const std::vector<std::string> before = test_util::shm_names_of(mp::this_process::id());
        std::size_t victims_names = 0;
        {
            mp::queue<std::string> q(1);
            auto [ready, ready_end] = mp::pipe();
            mp::process victim(fault_large_value_victim, q, victim_produces, ready_end);
            victim.start();
            ready_end.close();
            BOOST_TEST_REQUIRE(ready.recv<int>() == 0);
            std::atomic<bool> killed{false};
            std::thread survivor([&, q]() mutable {
                // Takes the victim's values, or gives it values to take, until it is killed.
                while (!killed) {
                    if (victim_produces)
                        q.get_for(100ms);
                    else
                        q.put_for(fault_large_value('s'), 100ms);
                }
            });
            std::this_thread::sleep_for(
                std::chrono::milliseconds(2 + fault_util::random_below(10)));
            victim.kill();
            BOOST_TEST_REQUIRE(victim.join_for(10s));
            killed = true;
            survivor.join();
            while (q.try_get()) { // what is queued stays for whoever holds the queue: take it
            }
            victims_names = test_util::shm_names_of(static_cast<int>(victim.pid())).size();
        }
        const std::size_t left =
            test_util::shm_names_of(mp::this_process::id()).size() - before.size() + victims_names;
        rounds_leaving_names += left != 0;
        BOOST_TEST(left == 0u, "round " << round << " (the victim "
                                        << (victim_produces ? "put" : "got") << "): " << left
                                        << " names left");
    }
    BOOST_TEST_MESSAGE(rounds << " large-value kill rounds, " << rounds_leaving_names
                              << " left names behind");
}

// Until destroyed, this process can open no descriptor: the soft RLIMIT_NOFILE is lowered to
// just above the highest one open, and the free numbers below it are taken.
class descriptors_exhausted
{
public:
    descriptors_exhausted()
    {
        ::getrlimit(RLIMIT_NOFILE, &saved_);
        int highest = 0;
        for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
            highest = std::max(highest, std::stoi(entry.path().filename().string()));
        rlimit lowered = saved_;
        lowered.rlim_cur = static_cast<rlim_t>(highest) + 1;
        BOOST_TEST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
        for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;)
            taken_.push_back(fd);
    }
    descriptors_exhausted(const descriptors_exhausted&) = delete;
    descriptors_exhausted& operator=(const descriptors_exhausted&) = delete;
    ~descriptors_exhausted()
    {
        for (int fd : taken_)
            ::close(fd);
        ::setrlimit(RLIMIT_NOFILE, &saved_);
    }

private:
    rlimit saved_{};
    std::vector<int> taken_;
};

BOOST_AUTO_TEST_CASE(a_worker_that_cannot_be_started_for_a_while_is_tried_again)
{
    if (test_util::sanitized) {
        // Their runtimes need descriptors of their own: UBSan's vptr check tests memory through
        // a pipe and calls any object invalid when it cannot make one. (A decorator such as
        // enable_if does not hold: --run_test=fault_tests runs disabled cases too.)
        BOOST_TEST_MESSAGE("skipped under a sanitizer");
        return;
    }
    // Out of descriptors for 100 ms (EMFILE: as out of processes or memory, a state that
    // passes) when the pool starts its worker: the start is tried again with the backoff, and
    // the task runs once descriptors are free. (It broke the pool for good: "Too many open
    // files".) A program that cannot be run still breaks it at once (TestPoolNotLeakOnFailure).
    boost::asio::io_context io;
    boost::asio::steady_timer warm(io, 1ms); // the reactor's own descriptors, opened now
    warm.wait();
    io.run();
    io.restart();
    mp::pool p(io, 1);
    std::optional<mp::error_code> ended;
    int square = 0;
    {
        descriptors_exhausted full;
        p.apply_async(pool_tasks::square, 7, [&](mp::error_code ec, int v) {
            ended = ec;
            square = v;
        });
        io.run_for(100ms);
        BOOST_TEST(!ended.has_value());
    }
    BOOST_TEST(p.stats().worker_restarts >= 1u, "its start was tried again");
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!ended && std::chrono::steady_clock::now() < deadline)
        io.run_one_for(10ms);
    BOOST_TEST_REQUIRE(ended.has_value());
    BOOST_TEST(!*ended, ended->message());
    BOOST_TEST(square == 49);
}

// Last: checks the processes and names of the whole suite.
BOOST_AUTO_TEST_CASE(nothing_is_left_behind)
{
    fault_util::check_nothing_is_left_behind();
}

BOOST_AUTO_TEST_SUITE_END()
