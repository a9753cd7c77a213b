// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Seed program 3 inside an Asio program: a pool of 2 workers run on the application's own
// io_context, its results taken through completion tokens. The nearest Python:
//
//     def square(x):
//         return x * x
//
//     def cube(x):
//         return x * x * x
//
//     if __name__ == '__main__':
//         with Pool(2) as p:
//             print('apply_async, get: square(7) = %d' % p.apply_async(square, (7,)).get())
//             done = threading.Event()
//             def on_result(value):
//                 print('apply_async, callback: square(8) = %d' % value)
//                 done.set()
//             p.apply_async(square, (8,), callback=on_result)
//             done.wait()
//             async def coroutine():          # asyncio instead of an io_context
//                 loop = asyncio.get_running_loop()
//                 value = await loop.run_in_executor(None, p.apply, square, (9,))
//                 print('apply_async, co_await: square(9) = %d' % value)
//             asyncio.run(coroutine())
//             print('map: ' + ' '.join(str(v) for v in p.map(square, range(10))))
//             print('imap_unordered, sorted: ' +
//                   ' '.join(str(v) for v in sorted(p.imap_unordered(cube, range(10)))))
//
// Output (always the same: imap_unordered's results are sorted before they are printed):
//
//     apply_async, use_future: square(7) = 49
//     apply_async, callback: square(8) = 64
//     apply_async, co_await: square(9) = 81
//     map: 0 1 4 9 16 25 36 49 64 81
//     imap_unordered, sorted: 0 1 8 27 64 125 216 343 512 729
//     done
//
// The pool starts no thread of its own here: its workers start, and its results arrive, while
// the io_context runs, which is on the `runner` thread. Callbacks run there too.
// Needs C++20 (coroutines).

#include <multiproc/init.hpp>
#include <multiproc/pool.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#if !defined(BOOST_ASIO_HAS_CO_AWAIT)
#error "example/pool_asio.cpp needs C++20 coroutines"
#endif

#include <algorithm>
#include <future>
#include <iostream>
#include <thread>
#include <vector>

namespace mp = multiproc;
namespace asio = boost::asio;

int square(int x)
{
    return x * x;
}
MULTIPROC_TASK(square)

int cube(int x)
{
    return x * x * x;
}
MULTIPROC_TASK(cube)

namespace {
void print(const char* label, const std::vector<int>& values)
{
    std::cout << label << ":";
    for (int v : values)
        std::cout << ' ' << v;
    std::cout << std::endl;
}
} // namespace

int main(int argc, char* argv[])
{
    mp::init(argc, argv); // in a worker: runs its tasks and exits; here: returns

    asio::io_context io;
    auto work = asio::make_work_guard(io); // keep running while the pool is idle
    std::thread runner([&io] { io.run(); });
    {
        mp::pool p(io, 2);

        // use_future: a std::future, waited for on this thread.
        std::future<int> f = p.apply_async(square, 7, asio::use_future);
        std::cout << "apply_async, use_future: square(7) = " << f.get() << std::endl;

        // A callback, run on the io_context's thread; (error_code, value).
        std::promise<void> printed;
        p.apply_async(square, 8, [&printed](mp::error_code ec, int value) {
            if (ec)
                std::cout << "apply_async, callback: failed: " << ec.message() << std::endl;
            else
                std::cout << "apply_async, callback: square(8) = " << value << std::endl;
            printed.set_value();
        });
        printed.get_future().wait();

        // A coroutine on the io_context; a failed task would throw system_error at co_await.
        asio::co_spawn(
            io,
            [&p]() -> asio::awaitable<void> {
                const int value = co_await p.apply_async(square, 9, asio::use_awaitable);
                std::cout << "apply_async, co_await: square(9) = " << value << std::endl;
            },
            asio::use_future)
            .get();

        // map: every result, in order.
        std::vector<int> items;
        for (int i = 0; i < 10; ++i)
            items.push_back(i);
        print("map", p.map(square, items));

        // imap_unordered: results as they finish; sorted here so that the output is fixed.
        std::vector<int> cubes;
        for (int v : p.imap_unordered(cube, items))
            cubes.push_back(v);
        std::sort(cubes.begin(), cubes.end());
        print("imap_unordered, sorted", cubes);

        p.close(); // no more tasks
        p.join();  // the workers exit
    }
    work.reset(); // the pool is gone: let run() return once nothing is left
    runner.join();
    std::cout << "done" << std::endl;
}
