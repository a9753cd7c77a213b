// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Seed program 3: a Pool of worker processes. The Python original:
//
//     def long_time_task(name):
//         print('Run task %s (%s)...' % (name, os.getpid()))
//         start = time.time()
//         time.sleep(random.random() * 3)
//         end = time.time()
//         print('Task %s runs %0.2f seconds.' % (name, (end - start)))
//
//     if __name__ == '__main__':
//         start = time.time()
//         print('Parent process %s.' % os.getpid())
//         p = Pool()                      # Pool(5) with --size 5
//         for i in range(5):
//             p.apply_async(long_time_task, args=(i,))
//             # p.apply(long_time_task, args=(i,))   # --blocking
//         print('Waiting for all subprocesses done...')
//         p.close()
//         p.join()
//         print('All subprocesses done.')
//         print('Total time %0.2f seconds' % (time.time() - start))
//
// Expected output (pids and times vary; with 4 CPUs, task 4 waits for a free worker):
//
//     Parent process 9532.
//     Waiting for all subprocesses done...
//     Run task 0 (9620)...
//     Run task 1 (9232)...
//     Run task 2 (5884)...
//     Run task 3 (9740)...
//     Task 3 runs 0.31 seconds.
//     Run task 4 (9740)...
//     Task 4 runs 0.23 seconds.
//     Task 1 runs 0.72 seconds.
//     Task 2 runs 0.79 seconds.
//     Task 0 runs 1.79 seconds.
//     All subprocesses done.
//     Total time 1.99 seconds
//
// `pool --size 5` starts all five at once; `pool --blocking` runs them one after the other
// with apply(), and prints "Waiting..." after them.

#include <multiproc/init.hpp>
#include <multiproc/pool.hpp>

#include "long_time_task.hpp" // the Python long_time_task above, shared with mpi_pool.cpp

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace mp = multiproc;

int main(int argc, char* argv[])
{
    mp::init(argc, argv);
    std::size_t size = 0; // cpu_count()
    bool blocking = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            size = static_cast<std::size_t>(std::atoi(argv[++i]));
        else if (std::strcmp(argv[i], "--blocking") == 0)
            blocking = true;
    }

    const auto start = clock_type::now();
    std::cout << "Parent process " << mp::this_process::id() << "." << std::endl;

    mp::pool p(size);
    for (int i = 0; i < 5; ++i) {
        if (blocking)
            p.apply(long_time_task, i); // waits for the task
        else
            p.apply_async(long_time_task, i); // returns at once
    }
    std::cout << "Waiting for all subprocesses done..." << std::endl;
    p.close(); // no more tasks
    p.join();  // wait for the workers
    std::cout << "All subprocesses done." << std::endl;

    const std::chrono::duration<double> took = clock_type::now() - start;
    std::printf("Total time %0.2f seconds\n", took.count());
}
