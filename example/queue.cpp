// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Seed program 4: a Queue between a writer and a reader process. The Python original:
//
//     def write(q):
//         for value in ['value_1', 'value_2', 'value_3']:
//             print('Put %s to queue...' % value)
//             q.put(value)
//             time.sleep(random.random() * 2)
//
//     def read(q):
//         while True:
//             value = q.get(True)
//             print('Get %s from queue.' % value)
//
//     if __name__ == '__main__':
//         start = time.time()
//         queue = Queue()
//         p_write = Process(target=write, args=(queue,))
//         p_read = Process(target=read, args=(queue,))
//         p_write.start()
//         p_read.start()
//         p_write.join()
//         p_read.terminate()   # the reader loops for ever: stop it
//         print('Done %0.2f seconds' % (time.time() - start))
//
// Expected output (the time varies with the random pauses):
//
//     Put value_1 to queue...
//     Get value_1 from queue.
//     Put value_2 to queue...
//     Get value_2 from queue.
//     Put value_3 to queue...
//     Get value_3 from queue.
//     Done 4.04 seconds

#include <multiproc/init.hpp>
#include <multiproc/process.hpp>
#include <multiproc/queue.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <thread>

namespace mp = multiproc;

// In a namespace of their own: POSIX has ::write and ::read.
namespace seed {

// The writer process: puts three values, pausing a random 0-2 s after each.
void write(mp::queue<std::string> q)
{
    std::mt19937 random(std::random_device{}());
    std::uniform_real_distribution<double> pause(0.0, 2.0);
    for (const char* value : {"value_1", "value_2", "value_3"}) {
        std::cout << "Put " << value << " to queue..." << std::endl;
        q.put(value);
        std::this_thread::sleep_for(std::chrono::duration<double>(pause(random)));
    }
}

// The reader process: gets values for ever.
void read(mp::queue<std::string> q)
{
    for (;;) {
        const std::string value = q.get(); // blocks until a value is there
        std::cout << "Get " << value << " from queue." << std::endl;
    }
}

} // namespace seed
MULTIPROC_TASK(seed::write)
MULTIPROC_TASK(seed::read)

int main(int argc, char* argv[])
{
    mp::init(argc, argv);
    const auto start = std::chrono::steady_clock::now();

    // The parent makes the queue and passes it to both children.
    mp::queue<std::string> queue;
    mp::process p_write(seed::write, queue);
    mp::process p_read(seed::read, queue);
    p_write.start();
    p_read.start();
    p_write.join();
    p_read.terminate(); // the reader loops for ever: stop it

    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::printf("Done %0.2f seconds\n", took.count());
}
