// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Shared memory with its lock: multiprocessing.Value. The Python original:
//
//     def add(counter):
//         for _ in range(100000):
//             with counter.get_lock():
//                 counter.value += 1
//
//     if __name__ == '__main__':
//         counter = Value('i', 0)
//         ps = [Process(target=add, args=(counter,)) for _ in range(2)]
//         for p in ps:
//             p.start()
//         for p in ps:
//             p.join()
//         print(counter.value)
//
// Expected output: every increment counts, whatever the interleaving:
//
//     200000

#include <multiproc/init.hpp>
#include <multiproc/process.hpp>
#include <multiproc/shared_memory.hpp>

#include <iostream>
#include <mutex>
#include <vector>

namespace mp = multiproc;

// The function each child runs: the handle reaches it by name and attaches to the same memory.
void add(mp::shared_value<int> counter)
{
    for (int i = 0; i < 100000; ++i) {
        std::lock_guard<mp::recursive_lock> guard(counter.get_lock()); // with counter.get_lock():
        ++counter.value();
    }
}
MULTIPROC_TASK(add)

int main(int argc, char* argv[])
{
    mp::init(argc, argv);
    mp::shared_value<int> counter(mp::create_only, 0);
    std::vector<mp::process> ps;
    for (int i = 0; i < 2; ++i)
        ps.emplace_back(add, counter);
    for (auto& p : ps)
        p.start();
    for (auto& p : ps)
        p.join();
    std::cout << counter.load() << std::endl;
}
