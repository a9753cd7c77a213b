// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Seed program 1: os.fork() returns twice. The Python original:
//
//     print('Process (%s) start ...' % os.getpid())
//     pid = os.fork()
//     if pid == 0:
//         print('i am a child proccess (%s) and my parent is (%s)' % (os.getpid(), os.getppid()))
//     else:
//         print('i (%s) just created a child process (%s)' % (os.getpid(), pid))
//
// Expected output (pids differ; the parent's line usually comes first, as in the tutorial):
//
//     Process (6588) start ...
//     i (6588) just created a child process (6589)
//     i am a child proccess (6589) and my parent is (6588)
//
// POSIX only: Windows has no fork(), and multiproc::fork() does not compile there.

#include <multiproc/fork.hpp>
#include <multiproc/init.hpp>

#include <iostream>

namespace mp = multiproc;

int main(int argc, char* argv[])
{
    mp::init(argc, argv);
    std::cout << "Process (" << mp::this_process::id() << ") start ..." << std::endl;

    const mp::pid_type pid = mp::fork(); // 0 in the child, the child's pid in the parent

    if (pid == 0) {
        std::cout << "i am a child proccess (" << mp::this_process::id() << ") and my parent is ("
                  << mp::this_process::parent_id() << ")" << std::endl;
    } else {
        std::cout << "i (" << mp::this_process::id() << ") just created a child process (" << pid
                  << ")" << std::endl;
        mp::wait_pid(pid); // reap the child (Python would leave it to init)
    }
}
