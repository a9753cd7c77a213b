// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// The program each consumer project (test/consumer/*/) builds against multiproc: a registered
// task run by a pool, and a queue filled by a child process. It checks its own results and
// prints one line that scripts/test-consumers.sh compares:
//
//     consumer: map 285, queue 0 1 4 9
//
// Exit status 1 if anything differs.

#include <multiproc.hpp> // the installed umbrella header: queue and pool among the rest

#include <chrono>
#include <iostream>
#include <numeric>
#include <sstream>
#include <vector>

namespace mp = multiproc;

int square(int x)
{
    return x * x;
}
MULTIPROC_TASK(square)

void put_squares(mp::queue<int> q, int n)
{
    for (int i = 0; i < n; ++i)
        q.put(square(i));
}
MULTIPROC_TASK(put_squares)

int main(int argc, char* argv[])
{
    mp::init(argc, argv);

    std::vector<int> items(10);
    std::iota(items.begin(), items.end(), 0);
    mp::pool pool(2);
    const std::vector<int> squares = pool.map(square, items);
    const int sum = std::accumulate(squares.begin(), squares.end(), 0);
    pool.close();
    pool.join();

    mp::queue<int> queue;
    mp::process child(put_squares, queue, 4);
    child.start();
    std::ostringstream got;
    for (int i = 0; i < 4; ++i) {
        const auto value = queue.get_for(std::chrono::seconds(30));
        if (!value) {
            std::cerr << "consumer: no value from the child's queue\n";
            return 1;
        }
        got << (i ? " " : "") << *value;
    }
    child.join();

    std::cout << "consumer: map " << sum << ", queue " << got.str() << std::endl;
    const bool right = sum == 285 && got.str() == "0 1 4 9" && child.exit_code() == 0;
    return right ? 0 : 1;
}
