// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// A progress bar over a long imap_unordered: the results are counted as they arrive, against
// the number of items, and the pool's counts (pool::stats) are shown beside the bar. The
// nearest Python:
//
//     def work(item):
//         time.sleep(0.01)            # a task that takes a while
//         return item * item
//
//     if __name__ == '__main__':
//         items = range(200)
//         with Pool(2) as p:
//             total = 0
//             for received, value in enumerate(p.imap_unordered(work, items), 1):
//                 total += value
//                 bar = '#' * (30 * received // len(items))
//                 print('\r[%-30s] %3d%% %d/%d' % (bar, 100 * received // len(items),
//                                                   received, len(items)), end='')
//             print()
//             print('done: %d results, sum %d' % (len(items), total))
//
// Output (the bar is redrawn in place with '\r' whenever its percentage changes):
//
//     progress: 200 items on 2 workers
//     [##############################] 100% 200/200 | queued 0, running 0, done 200, failed 0
//     done: 200 results, sum 2646700; pool: 200 done, 0 failed, 0 worker restarts
//
// Usage: progress [--items N] (default 200).

#include <multiproc/init.hpp>
#include <multiproc/pool.hpp>

#include <boost/range/irange.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

namespace mp = multiproc;

// One item's work: it takes a while (10 ms here), as the tasks a progress bar is for do.
std::int64_t work(int item)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return std::int64_t{item} * item;
}
MULTIPROC_TASK(work)

namespace {

// Redraws the bar in place: '\r' goes back to the start of the line, and spaces cover what
// a longer previous line left.
void draw(std::size_t received, std::size_t total, const mp::pool_stats& s)
{
    static std::size_t widest = 0;
    const std::size_t width = 30;
    const std::size_t filled = total ? width * received / total : width;
    const std::size_t percent = total ? 100 * received / total : 100;
    std::ostringstream line;
    line << '[' << std::string(filled, '#') << std::string(width - filled, '.') << "] ";
    line.width(3);
    line << percent << "% " << received << '/' << total << " | queued " << s.queued << ", running "
         << s.running << ", done " << s.done << ", failed " << s.failed;
    const std::string text = line.str();
    widest = std::max(widest, text.size());
    std::cout << '\r' << text << std::string(widest - text.size(), ' ') << std::flush;
}

} // namespace

int main(int argc, char* argv[])
{
    mp::init(argc, argv); // in a worker: runs its tasks and exits; here: returns

    int items = 200;
    if (argc == 3 && std::strcmp(argv[1], "--items") == 0) {
        items = std::stoi(argv[2]);
    } else if (argc != 1) {
        std::cerr << "usage: progress [--items N]\n";
        return 2;
    }
    const auto total = static_cast<std::size_t>(items < 0 ? 0 : items);

    mp::pool pool(2);
    std::cout << "progress: " << total << " items on " << pool.size() << " workers" << std::endl;
    std::int64_t sum = 0;
    std::size_t received = 0;
    std::size_t drawn_percent = 101; // none yet
    draw(0, total, pool.stats());
    // The items are read lazily (boost::irange), and sent a bounded number ahead.
    for (std::int64_t value : pool.imap_unordered(work, boost::irange(0, items))) {
        sum += value;
        ++received;
        const std::size_t percent = 100 * received / total;
        if (percent != drawn_percent || received == total) { // at most 101 redraws
            draw(received, total, pool.stats());
            drawn_percent = percent;
        }
    }
    std::cout << '\n';

    const mp::pool_stats s = pool.stats(); // every task has ended: nothing queued or running
    std::cout << "done: " << received << " results, sum " << sum << "; pool: " << s.done
              << " done, " << s.failed << " failed, " << s.worker_restarts << " worker restarts"
              << std::endl;
    pool.close();
    pool.join();
}
