// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Micro-benchmarks of multiproc, on the same workloads and under the same metric names as
// CPython's multiprocessing in shared/peers/python/bench_mp.py, so that the two (and the C
// floors of shared/peers/limits) can be put side by side. Output contract (peers/README.md):
// one line per metric,
//
//     metric_name value unit
//
// Usage:
//
//     multiproc_bench                      # every metric once
//     multiproc_bench spawn_join_fork_ms   # the named metrics, in the order given
//     multiproc_bench --list               # metric names
//
// BENCH_MIN_TIME (seconds, default 1.0) sets the minimum measured time per metric, as for the
// C floors. A failed correctness check prints to stderr and makes the exit code 1; an unknown
// metric name exits with 2 before anything runs.
//
// To add a metric: write a function `void bench_xxx(const context&)` that measures its
// workload and calls `emit`, and add a row to `benches` below.

#include <multiproc/init.hpp>
#include <multiproc/pipe.hpp>
#include <multiproc/pool.hpp>
#include <multiproc/process.hpp>
#include <multiproc/queue.hpp>
#include <multiproc/shared_memory.hpp>
#include <multiproc/sync.hpp>

#include "pool_workloads.hpp"

#include <boost/range/irange.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iterator>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace mp = multiproc;

namespace {

// ------------------------------------------------------------------------------------------
// Functions the children run (spawned children find them by name: MULTIPROC_TASK).

void noop() {}

// Echoes byte messages until an empty one (bench_mp.py's _pingpong_child).
void echo_bytes(mp::connection conn)
{
    for (std::string message; !(message = conn.recv_bytes()).empty();)
        conn.send_bytes(message);
}

// bench_mp.py's _queue_producer: reports ready, waits for go, puts n values of nbytes.
void produce(mp::queue<std::string> q, mp::connection ready_go, int n, int nbytes)
{
    std::string payload(static_cast<std::size_t>(nbytes), '\0');
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<char>((i * 2654435761u) >> 13);
    ready_go.send_bytes("ready");
    ready_go.recv_bytes();
    for (int i = 0; i < n; ++i)
        q.put(payload);
}

long long identity(long long x)
{
    return x;
}

long long square(long long x)
{
    return x * x;
}

// bench_mp.py's sleep_02: the seed's task, with a fixed 0.2 s sleep.
long long sleep_02(long long x)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return x;
}

// steady_clock (CLOCK_MONOTONIC on Linux, as Python's perf_counter) in ns since its epoch:
// comparable across processes.
long long monotonic_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// bench_mp.py's _incr_worker: reports ready, waits for go, then n times `with v.get_lock():
// v.value += 1`; puts the time it finished.
void incr_worker(mp::shared_value<int> v, int n, mp::semaphore ready, mp::event go,
                 mp::queue<long long> done)
{
    mp::recursive_mutex& lock = v.get_lock();
    ready.release();
    go.wait();
    for (int i = 0; i < n; ++i) {
        std::lock_guard<mp::recursive_mutex> guard(lock);
        ++v.value();
    }
    done.put(monotonic_ns());
}

} // namespace

MULTIPROC_TASK(identity)
MULTIPROC_TASK(square)
MULTIPROC_TASK(produce)
MULTIPROC_TASK(noop)
MULTIPROC_TASK(echo_bytes)
MULTIPROC_TASK(sleep_02)
MULTIPROC_TASK(incr_worker)

namespace {

// ------------------------------------------------------------------------------------------
// Helpers

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0)
{
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct context
{
    double min_time = 1.0; // seconds of measured work per metric
};

// Same number format as bench_mp.py's fmt().
void emit(const char* name, double value, const char* unit)
{
    if (value >= 1000)
        std::printf("%s %.0f %s\n", name, value, unit);
    else if (value >= 100)
        std::printf("%s %.1f %s\n", name, value, unit);
    else if (value >= 1)
        std::printf("%s %.3f %s\n", name, value, unit);
    else
        std::printf("%s %.4g %s\n", name, value, unit);
    std::fflush(stdout);
}

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error(what);
}

void check_exit_code(mp::process& p)
{
    const std::optional<int> code = p.exit_code();
    if (!code)
        fail("child " + std::to_string(p.pid()) + " has no exit code after join()");
    if (*code != 0)
        fail("child " + std::to_string(p.pid()) + " exit code " + std::to_string(*code));
}

// ------------------------------------------------------------------------------------------
// Benchmarks

// bench_mp.py's _spawn_join: one warm-up process, then Process(target=noop).start(); .join()
// sequentially until >= min_time (and >= 3 processes); ms per process.
template <class MakeProcess>
void spawn_join(const context& ctx, const char* name, MakeProcess make)
{
    {
        mp::process p = make();
        p.start();
        p.join();
        check_exit_code(p);
    }
    long n = 0;
    double el = 0;
    const auto t0 = clock_type::now();
    for (;;) {
        mp::process p = make();
        p.start();
        p.join();
        check_exit_code(p);
        ++n;
        el = seconds_since(t0);
        if (el >= ctx.min_time && n >= 3)
            break;
    }
    emit(name, el / static_cast<double>(n) * 1e3, "ms");
}

void bench_spawn_join_spawn(const context& ctx)
{
    spawn_join(ctx, "spawn_join_spawn_ms", [] {
        mp::process_options options;
        options.method = mp::start_method::spawn;
        return mp::process(std::move(options), noop);
    });
}

void bench_spawn_join_fork(const context& ctx)
{
    spawn_join(ctx, "spawn_join_fork_ms", [] {
        mp::process_options options;
        options.method = mp::start_method::fork;
        return mp::process(std::move(options), [] {});
    });
}

// Runs `once` (one fixed workload) until >= min_time; seconds per call (repeat_timed).
template <class Once>
double repeat_timed(const context& ctx, Once once)
{
    long count = 0;
    const auto t0 = clock_type::now();
    for (;;) {
        once();
        ++count;
        const double el = seconds_since(t0);
        if (el >= ctx.min_time)
            return el / static_cast<double>(count);
    }
}

// bench_mp.py's pipe_pingpong_us: 16-byte send_bytes/recv_bytes echoed by a child over a
// duplex pipe, 50,000 round trips per workload; µs per round trip.
void bench_pipe_pingpong(const context& ctx)
{
    auto [parent_end, child_end] = mp::pipe();
    mp::process child(echo_bytes, child_end);
    child.start();
    child_end.close();
    const std::string message = "0123456789abcdef";
    for (int i = 0; i < 200; ++i) { // warm-up, and waits for the child to start
        parent_end.send_bytes(message);
        parent_end.recv_bytes();
    }
    constexpr int round_trips = 50000;
    const double seconds = repeat_timed(ctx, [&] {
        for (int i = 0; i < round_trips; ++i) {
            parent_end.send_bytes(message);
            if (parent_end.recv_bytes() != message)
                fail("bad echo");
        }
    });
    parent_end.send_bytes({});
    child.join();
    check_exit_code(child);
    emit("pipe_pingpong_us", seconds / round_trips * 1e6, "us");
}

// bench_mp.py's _queue_run: seconds for one producer process to push n values of nbytes to
// the parent, the child's start-up excluded.
double queue_run(int n, int nbytes)
{
    mp::queue<std::string> q;
    auto [parent_end, child_end] = mp::pipe();
    mp::process producer(produce, q, child_end, n, nbytes);
    producer.start();
    child_end.close();
    parent_end.recv_bytes(); // ready
    const auto t0 = clock_type::now();
    parent_end.send_bytes("go");
    std::size_t total = 0;
    for (int i = 0; i < n; ++i)
        total += q.get().size();
    const double seconds = seconds_since(t0);
    producer.join();
    check_exit_code(producer);
    if (total != static_cast<std::size_t>(n) * static_cast<std::size_t>(nbytes))
        fail("queue transfer incomplete");
    return seconds;
}

// bench_mp.py's _repeat_queue: whole runs until >= min_time; seconds per run.
double repeat_queue(const context& ctx, int n, int nbytes)
{
    double elapsed = 0;
    int count = 0;
    while (elapsed < ctx.min_time) {
        elapsed += queue_run(n, nbytes);
        ++count;
    }
    return elapsed / count;
}

void bench_queue_small(const context& ctx)
{
    constexpr int n = 200000;
    emit("queue_small_tput", n / repeat_queue(ctx, n, 16), "msgs/s");
}

void bench_queue_large(const context& ctx)
{
    constexpr int n = 500;
    emit("queue_large_MBps", n * double(1 << 20) / repeat_queue(ctx, n, 1 << 20) / 1e6, "MB/s");
}

// bench_mp.py's pool_apply_rtt_us: Pool(2), sequential apply(identity, i); µs per call.
void bench_pool_apply_rtt(const context& ctx)
{
    mp::pool pool(2);
    for (int i = 0; i < 200; ++i)
        pool.apply(identity, i);
    long n = 0;
    double el = 0;
    const auto t0 = clock_type::now();
    for (;;) {
        for (int i = 0; i < 200; ++i)
            if (pool.apply(identity, i) != i)
                fail("bad result");
        n += 200;
        el = seconds_since(t0);
        if (el >= ctx.min_time)
            break;
    }
    emit("pool_apply_rtt_us", el / static_cast<double>(n) * 1e6, "us");
}

// bench_mp.py's pool_apply_async_tput: Pool(2), 50,000 apply_async(identity, i), then get
// each; tasks/s.
void bench_pool_apply_async(const context& ctx)
{
    mp::pool pool(2);
    pool.map(identity, std::vector<long long>(1000, 1), 1); // workers up and warm
    const double seconds = repeat_timed(ctx, [&] {
        if (!pool_workloads::apply_async_round(pool, identity))
            fail("bad result");
    });
    emit("pool_apply_async_tput", pool_workloads::apply_async_tasks / seconds, "tasks/s");
}

// bench_mp.py's pool_map_tput: Pool(2).map(square, range(1,000,000)), default chunksize;
// items/s.
void bench_pool_map(const context& ctx)
{
    mp::pool pool(2);
    pool.map(identity, std::vector<long long>(1000, 1), 1);
    const std::vector<long long> items = pool_workloads::map_input();
    const double seconds = repeat_timed(ctx, [&] {
        if (!pool_workloads::map_round(pool, square, items))
            fail("bad result");
    });
    emit("pool_map_tput", pool_workloads::map_items / seconds, "items/s");
}

// bench_mp.py's pool_imap_unordered_tput: Pool(2).imap_unordered(square, range(50,000),
// chunksize=1), the results summed and checked; items/s.
void bench_pool_imap_unordered(const context& ctx)
{
    constexpr long long n = 50000;
    constexpr long long expect = (n - 1) * n * (2 * n - 1) / 6; // sum of i * i, i < n
    mp::pool pool(2);
    pool.map(identity, std::vector<long long>(1000, 1), 1);
    const double seconds = repeat_timed(ctx, [&] {
        long long sum = 0;
        // boost::irange: made as they are read, never stored, as Python's range().
        for (long long x : pool.imap_unordered(square, boost::irange(0LL, n), 1))
            sum += x;
        if (sum != expect)
            fail("bad result");
    });
    emit("pool_imap_unordered_tput", n / seconds, "items/s");
}

// bench_mp.py's shm_value_incr: a shared int with its lock; two processes each do 100,000
// locked increments, released together (ready semaphore, go event); the clock runs from go to
// the later one's finish. Whole runs until >= min_time; increments/s.
double shm_value_incr_once(int n)
{
    mp::shared_value<int> v(mp::create_only, 0);
    mp::semaphore ready(mp::create_only, 0);
    mp::event go(mp::create_only);
    mp::queue<long long> done;
    std::vector<mp::process> ps;
    for (int i = 0; i < 2; ++i)
        ps.emplace_back(incr_worker, v, n, ready, go, done);
    for (mp::process& p : ps)
        p.start();
    ready.acquire();
    ready.acquire();
    const long long t0 = monotonic_ns();
    go.set();
    const long long first = done.get();
    const long long t_end = std::max(first, done.get());
    for (mp::process& p : ps) {
        p.join();
        check_exit_code(p);
    }
    if (v.load() != 2 * n)
        fail("lost increments: " + std::to_string(v.load()) + " != " + std::to_string(2 * n));
    return static_cast<double>(t_end - t0) * 1e-9;
}

void bench_shm_value_incr(const context& ctx)
{
    constexpr int n = 100000;
    double elapsed = 0;
    long count = 0;
    while (elapsed < ctx.min_time) {
        elapsed += shm_value_incr_once(n);
        ++count;
    }
    emit("shm_value_incr", 2.0 * n * static_cast<double>(count) / elapsed, "incr/s");
}

// bench_mp.py's pool_sleep5_s: the seed's shape, once: pool() of the default size
// (cpu_count()), 5 x apply_async(sleep_02, i), close(), get() each, join().
// pool_sleep5_s: from before the pool's construction to after join();
// pool_sleep5_tasks_s: from the first apply_async to the last result.
void bench_pool_sleep5(const context&)
{
    const auto t0 = clock_type::now();
    mp::pool pool;
    const auto t1 = clock_type::now();
    std::vector<mp::async_result<long long>> results;
    for (long long i = 0; i < 5; ++i)
        results.push_back(pool.apply_async(sleep_02, i));
    pool.close();
    std::vector<long long> got;
    for (auto& r : results)
        got.push_back(r.get());
    const auto t2 = clock_type::now();
    pool.join();
    const auto t3 = clock_type::now();
    if (got != std::vector<long long>{0, 1, 2, 3, 4})
        fail("bad result");
    const auto secs = [](clock_type::duration d) {
        return std::chrono::duration<double>(d).count();
    };
    emit("pool_sleep5_s", secs(t3 - t0), "s");
    emit("pool_sleep5_tasks_s", secs(t2 - t1), "s");
}

// ------------------------------------------------------------------------------------------
// The table of metrics: name (as printed, and as bench_mp.py names it) and function. One
// function may print several metrics; give it one row per name it answers to if needed.

struct bench_entry
{
    const char* name;
    void (*run)(const context&);
};

const bench_entry benches[] = {
    {"spawn_join_fork_ms", bench_spawn_join_fork},
    {"spawn_join_spawn_ms", bench_spawn_join_spawn},
    {"pipe_pingpong_us", bench_pipe_pingpong},
    {"queue_small_tput", bench_queue_small},
    {"queue_large_MBps", bench_queue_large},
    {"pool_apply_rtt_us", bench_pool_apply_rtt},
    {"pool_apply_async_tput", bench_pool_apply_async},
    {"pool_map_tput", bench_pool_map},
    {"pool_imap_unordered_tput", bench_pool_imap_unordered},
    {"shm_value_incr", bench_shm_value_incr},
    {"pool_sleep5_s", bench_pool_sleep5}, // also prints pool_sleep5_tasks_s, as bench_mp.py
};

const bench_entry* find_bench(std::string_view name)
{
    for (const bench_entry& b : benches)
        if (name == b.name)
            return &b;
    return nullptr;
}

double env_double(const char* name, double fallback)
{
    const char* v = std::getenv(name);
    if (!v || !*v)
        return fallback;
    char* end = nullptr;
    const double d = std::strtod(v, &end);
    return end == v ? fallback : d;
}

} // namespace

int main(int argc, char* argv[])
{
    mp::init(argc, argv);

    std::vector<const bench_entry*> selected;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--list") {
            for (const bench_entry& b : benches)
                std::printf("%s\n", b.name);
            return 0;
        }
        if (arg == "-h" || arg == "--help") {
            std::printf("usage: %s [--list] [metric...]\n", argv[0]);
            return 0;
        }
        const bench_entry* b = find_bench(arg);
        if (!b) {
            std::fprintf(stderr, "%s: unknown metric '%s'; try --list\n", argv[0], argv[i]);
            return 2;
        }
        selected.push_back(b);
    }
    if (selected.empty())
        for (const bench_entry& b : benches)
            selected.push_back(&b);

    context ctx;
    ctx.min_time = env_double("BENCH_MIN_TIME", 1.0);

    int status = 0;
    for (const bench_entry* b : selected) {
        try {
            b->run(ctx);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s: %s: FAILED: %s\n", argv[0], b->name, e.what());
            status = 1;
        }
    }
    return status;
}
