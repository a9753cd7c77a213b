// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TEST_UTIL_HPP
#define MULTIPROC_TEST_UTIL_HPP

// Helpers shared by the tests: temporary files, stderr capture, and looking at processes
// through /proc (Linux).

#include <multiproc/this_process.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace test_util {

/// A path in the temporary directory, unique to this process and `tag`; removed on scope exit.
class temp_file
{
public:
    explicit temp_file(const std::string& tag)
        : path_("/tmp/multiproc_test_" + std::to_string(::getpid()) + "_" + tag)
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
    std::rename(partial.c_str(), path.c_str()); // readers never see half a file
}

/// Sends what this process (and children started meanwhile) write on stderr to a file.
class stderr_capture
{
public:
    explicit stderr_capture(const temp_file& file) : saved_(::dup(2))
    {
        std::fflush(stderr);
        const int fd = ::open(file.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 2);
        ::close(fd);
    }
    ~stderr_capture()
    {
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
    }
    stderr_capture(const stderr_capture&) = delete;
    stderr_capture& operator=(const stderr_capture&) = delete;

private:
    int saved_;
};

/// The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 if there is no such process.
inline char process_state(int pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line))
        return 0;
    const auto close = line.rfind(')');
    return close == std::string::npos || close + 2 >= line.size() ? 0 : line[close + 2];
}

inline int parent_of(int pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line))
        return 0;
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    char state;
    int ppid = 0;
    rest >> state >> ppid;
    return ppid;
}

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

/// Children of this process, counted through /proc: (all, zombies).
inline std::pair<int, int> count_children()
{
    int all = 0, zombies = 0;
    const int self = ::getpid();
    if (DIR* dir = ::opendir("/proc")) {
        while (dirent* entry = ::readdir(dir)) {
            const int pid = std::atoi(entry->d_name);
            if (pid <= 0 || parent_of(pid) != self)
                continue;
            ++all;
            zombies += process_state(pid) == 'Z';
        }
        ::closedir(dir);
    }
    return {all, zombies};
}

/// Orphaned descendants become children of this process instead of init's.
inline void become_subreaper()
{
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/// Reaps a (grand)child that was re-parented to this process.
inline void reap(int pid)
{
    ::waitpid(pid, nullptr, 0);
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

} // namespace test_util

#endif
