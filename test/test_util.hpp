// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TEST_UTIL_HPP
#define MULTIPROC_TEST_UTIL_HPP

// Helpers shared by the tests: temporary files, stderr capture, waiting for processes and
// files. What differs by platform is in test_os.hpp.

#include "test_os.hpp"

#include <multiproc/process.hpp>
#include <multiproc/sync.hpp>
#include <multiproc/this_process.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace test_util {

/// A path in the temporary directory, unique to this process and `tag`; removed on scope exit.
class temp_file
{
public:
    explicit temp_file(const std::string& tag)
        : path_((std::filesystem::temp_directory_path() /
                 ("multiproc_test_" + std::to_string(multiproc::this_process::id()) + "_" + tag))
                    .string())
    {
        std::remove(path_.c_str());
    }
    ~temp_file() { std::remove(path_.c_str()); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;

    const std::string& path() const { return path_; }
    std::string read() const
    {
        std::ifstream in(path_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

private:
    std::string path_;
};

inline void write_file(const std::string& path, const std::string& text)
{
    const std::string partial = path + ".part";
    {
        std::ofstream out(partial);
        out << text;
    }
    std::filesystem::rename(partial, path); // readers never see half a file
}

/// Sends what this process (and children started meanwhile) write on stderr to a file.
class stderr_capture
{
public:
    explicit stderr_capture(const temp_file& file);
    ~stderr_capture();
    stderr_capture(const stderr_capture&) = delete;
    stderr_capture& operator=(const stderr_capture&) = delete;

private:
    int saved_;
    std::intptr_t saved_handle_ = 0; // Windows: the standard handle, kept apart from the C one
};

/// True once `pid` has no running process (gone, or a zombie), waiting at most `timeout`.
inline bool wait_gone(int pid, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const char state = process_state(pid);
        if (state == 0 || state == 'Z')
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

/// Waits until `path` exists and returns its contents (empty on timeout).
inline std::string wait_for_file(const std::string& path, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(path);
        if (in) {
            std::stringstream s;
            s << in.rdbuf();
            return s.str();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return {};
}

inline multiproc::process_options with_method(multiproc::start_method method)
{
    multiproc::process_options options;
    options.method = method;
    return options;
}

/// True once nobody can attach to `name` as a `Handle` and /dev/shm has no such name.
template <class Handle>
bool is_gone(const std::string& name)
{
    multiproc::error_code ec;
    Handle attached(multiproc::open_only, name, ec);
    return ec.failed() && !in_dev_shm(name);
}

/// A pool task that squares x, or dies as abruptly as it can when asked to (SIGKILL; on
/// Windows, the exit code TerminateProcess gives a kill).
inline int square_or_die(int x, bool die)
{
    if (die)
        die_abruptly();
    return x * x;
}

} // namespace test_util

// Registered in each test file that includes this (the same function: allowed).
MULTIPROC_TASK(test_util::square_or_die)

#endif
