// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Seed program 2: multiprocessing.Process. The Python original:
//
//     def run_proc(name):
//         print('Run child process %s (%s)...' % (name, os.getpid()))
//
//     if __name__ == '__main__':
//         print('Parent process is (%s).' % os.getpid())
//         p = Process(target=run_proc, args=('test',))
//         print('Process start.')
//         p.start()
//         p.join()
//         print('Process end.')
//
// Expected output (pids differ):
//
//     Parent process is (3816).
//     Process start.
//     Run child process test (10916)...
//     Process end.
//
// `process --no-join` leaves out p.join(), the tutorial's second run: the parent finishes
// first, then the child prints (the parent still waits for it at exit, as Python does):
//
//     Parent process is (8304).
//     Process start.
//     Process end.
//     Run child process test (10024)...

#include <multiproc/init.hpp>
#include <multiproc/process.hpp>

#include <cstring>
#include <iostream>
#include <string>

namespace mp = multiproc;

// The function the child process runs.
void run_proc(std::string name)
{
    std::cout << "Run child process " << name << " (" << mp::this_process::id() << ")..."
              << std::endl;
}
MULTIPROC_TASK(run_proc) // lets the spawned child find run_proc by name

int main(int argc, char* argv[])
{
    mp::init(argc, argv); // in the child: runs run_proc and exits; here: returns
    const bool join = !(argc > 1 && std::strcmp(argv[1], "--no-join") == 0);

    std::cout << "Parent process is (" << mp::this_process::id() << ")." << std::endl;

    mp::process p(run_proc, "test");
    std::cout << "Process start." << std::endl;
    p.start();
    if (join)
        p.join(); // wait for the child to finish
    std::cout << "Process end." << std::endl;
}
