// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
//
// Ping-pong over a pipe, the tutorial's "Pipes" (multiprocessing.Pipe). In Python:
//
//     def pong(conn):
//         while (msg := conn.recv()) != 'bye':
//             print('Child (%s) got %s' % (os.getpid(), msg), flush=True)
//             conn.send(msg.replace('ping', 'pong'))
//
//     if __name__ == '__main__':
//         parent_end, child_end = Pipe()
//         p = Process(target=pong, args=(child_end,))
//         p.start()
//         for i in range(1, 4):
//             parent_end.send('ping %d' % i)
//             print('Parent got %s' % parent_end.recv())
//         parent_end.send('bye')
//         p.join()
//         print('Done')
//
// Expected output (pid differs):
//
//     Child (10916) got ping 1
//     Parent got pong 1
//     Child (10916) got ping 2
//     Parent got pong 2
//     Child (10916) got ping 3
//     Parent got pong 3
//     Done

#include <multiproc/init.hpp>
#include <multiproc/pipe.hpp>
#include <multiproc/process.hpp>

#include <iostream>
#include <string>

namespace mp = multiproc;

// The child: answers each ping with a pong until "bye".
void pong(mp::connection conn)
{
    for (std::string message; (message = conn.recv<std::string>()) != "bye";) {
        std::cout << "Child (" << mp::this_process::id() << ") got " << message << std::endl;
        conn.send("pong" + message.substr(4));
    }
}
MULTIPROC_TASK(pong)

int main(int argc, char* argv[])
{
    mp::init(argc, argv);
    auto [parent_end, child_end] = mp::pipe();
    mp::process p(pong, child_end); // the child gets its own copy of child_end
    p.start();
    for (int i = 1; i <= 3; ++i) {
        parent_end.send("ping " + std::to_string(i));
        std::cout << "Parent got " << parent_end.recv<std::string>() << std::endl;
    }
    parent_end.send(std::string("bye"));
    p.join();
    std::cout << "Done" << std::endl;
}
