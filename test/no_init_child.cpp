// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// A program that forgets multiproc::init. What it does is chosen by NO_INIT_MODE:
//   exit (default): returns at once;  hang: runs for a minute;  late: returns after 300 ms;
//   spawn: tries to start a process itself, and exits 3 when that is refused;
//   fail: exits with 1 at once (as a crash in a static initializer would);
//   killed: kills itself at once (SIGKILL; on Windows, the code TerminateProcess gives a kill).

#include <multiproc/process.hpp>

#include "test_os.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {
void nothing() {}
} // namespace
MULTIPROC_TASK(nothing)

int main()
{
    const char* mode = std::getenv("NO_INIT_MODE");
    if (mode && std::strcmp(mode, "hang") == 0)
        std::this_thread::sleep_for(std::chrono::minutes(1));
    if (mode && std::strcmp(mode, "late") == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    if (mode && std::strcmp(mode, "spawn") == 0) {
        multiproc::process p(nothing);
        multiproc::error_code ec;
        p.start(ec);
        return ec == multiproc::error::not_initialized ? 3 : 4;
    }
    if (mode && std::strcmp(mode, "fail") == 0)
        return 1;
    if (mode && std::strcmp(mode, "killed") == 0)
        test_util::die_abruptly();
    return 0;
}
