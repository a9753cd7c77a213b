// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_TEST_UTIL_HPP
#define MULTIPROC_TEST_UTIL_HPP

// Helpers shared by the tests: temporary files, stderr capture, environment, and looking at
// other processes (/proc on Linux, the process snapshot on Windows).

#include <multiproc/process.hpp>
#include <multiproc/sync.hpp>
#include <multiproc/this_process.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#include <tlhelp32.h>
#else
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace test_util {

/// Under ASan or TSan: their shadow memory and quarantine make resident sizes meaningless.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif
#else
inline constexpr bool sanitized = false;
#endif

/// Under Wine (the Windows CI harness), not Windows itself: Wine's ntdll exports
/// wine_get_version.
inline bool under_wine()
{
#if defined(_WIN32)
    const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
#else
    return false;
#endif
}

/// The peak resident set size of this process in kB (Linux VmHWM), or -1.
inline long long peak_rss_kb()
{
#if defined(__linux__)
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::atoll(line.c_str() + 6);
#endif
    return -1;
}

/// The threads of this process (Linux: /proc/self/task); -1 elsewhere, where tests do not count.
inline long thread_count()
{
#if defined(__linux__)
    long n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/task");
         it != std::filesystem::directory_iterator(); ++it)
        ++n;
    return n;
#else
    return -1;
#endif
}

/// Resets the peak to the current RSS where Linux allows it (clear_refs 5), so that a check
/// sees its own test's peak, not an earlier test's.
inline void reset_peak_rss()
{
#if defined(__linux__)
    std::ofstream out("/proc/self/clear_refs");
    out << "5" << std::flush;
#endif
}

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

inline void set_env(const char* name, const char* value)
{
#if defined(_WIN32)
    ::_putenv_s(name, value);
    ::SetEnvironmentVariableA(name, value); // what children inherit
#else
    ::setenv(name, value, 1);
#endif
}

inline void unset_env(const char* name)
{
#if defined(_WIN32)
    ::_putenv_s(name, "");
    ::SetEnvironmentVariableA(name, nullptr);
#else
    ::unsetenv(name);
#endif
}

/// Sends what this process (and children started meanwhile) write on stderr to a file.
class stderr_capture
{
public:
    explicit stderr_capture(const temp_file& file)
    {
        std::fflush(stderr);
#if defined(_WIN32)
        saved_ = ::_dup(2);
        const int fd = ::_open(file.path().c_str(), _O_WRONLY | _O_CREAT | _O_TRUNC, 0600);
        ::_dup2(fd, 2);
        ::_close(fd);
        saved_handle_ = ::GetStdHandle(STD_ERROR_HANDLE);
        ::SetStdHandle(STD_ERROR_HANDLE, reinterpret_cast<HANDLE>(::_get_osfhandle(2)));
#else
        saved_ = ::dup(2);
        const int fd = ::open(file.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 2);
        ::close(fd);
#endif
    }
    ~stderr_capture()
    {
        std::fflush(stderr);
#if defined(_WIN32)
        ::_dup2(saved_, 2);
        ::_close(saved_);
        ::SetStdHandle(STD_ERROR_HANDLE, saved_handle_);
#else
        ::dup2(saved_, 2);
        ::close(saved_);
#endif
    }
    stderr_capture(const stderr_capture&) = delete;
    stderr_capture& operator=(const stderr_capture&) = delete;

private:
    int saved_;
#if defined(_WIN32)
    HANDLE saved_handle_;
#endif
};

#if defined(_WIN32)
/// 'R' for a running process, 'Z' for one that has exited but is still known, 0 if none.
inline char process_state(int pid)
{
    HANDLE h = ::OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                             static_cast<DWORD>(pid));
    if (!h)
        return 0;
    const char state = ::WaitForSingleObject(h, 0) == WAIT_OBJECT_0 ? 'Z' : 'R';
    ::CloseHandle(h);
    return state;
}

/// When the process `pid` was created (0 if unknown), to compare with another's.
inline std::uint64_t creation_time(DWORD pid)
{
    std::uint64_t time = 0;
    if (HANDLE h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid)) {
        FILETIME created, exited, kernel, user;
        if (::GetProcessTimes(h, &created, &exited, &kernel, &user))
            time = (std::uint64_t(created.dwHighDateTime) << 32) | created.dwLowDateTime;
        ::CloseHandle(h);
    }
    return time;
}

/// This process's children that are still known, with their process_state. A parent id is
/// only a number: a process older than this one that names it is the orphan of an earlier
/// process that had this id (ids are reused at once, under Wine more so).
inline std::vector<std::pair<int, char>> child_states()
{
    std::vector<std::pair<int, char>> children;
    const DWORD self = ::GetCurrentProcessId();
    const std::uint64_t self_created = creation_time(self);
    HANDLE snapshot = ::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32W entry{};
    entry.dwSize = sizeof entry;
    for (BOOL ok = ::Process32FirstW(snapshot, &entry); ok; ok = ::Process32NextW(snapshot, &entry))
        if (entry.th32ParentProcessID == self && entry.th32ProcessID != self &&
            creation_time(entry.th32ProcessID) >= self_created)
            if (const char state = process_state(static_cast<int>(entry.th32ProcessID)))
                children.emplace_back(static_cast<int>(entry.th32ProcessID), state);
    ::CloseHandle(snapshot);
    return children;
}

/// Children of this process that still run: (all, zombies); Windows has no zombies.
inline std::pair<int, int> count_children()
{
    int all = 0;
    for (const auto& child : child_states())
        all += child.second == 'R';
    return {all, 0};
}

inline void become_subreaper() {}
inline void reap(int) {}
#else
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

/// This process's children, found through /proc, with their process_state.
inline std::vector<std::pair<int, char>> child_states()
{
    std::vector<std::pair<int, char>> children;
    const int self = ::getpid();
    if (DIR* dir = ::opendir("/proc")) {
        while (dirent* entry = ::readdir(dir)) {
            const int pid = std::atoi(entry->d_name);
            if (pid > 0 && parent_of(pid) == self)
                children.emplace_back(pid, process_state(pid));
        }
        ::closedir(dir);
    }
    return children;
}

/// Children of this process: (all, zombies).
inline std::pair<int, int> count_children()
{
    int zombies = 0;
    const auto children = child_states();
    for (const auto& child : children)
        zombies += child.second == 'Z';
    return {static_cast<int>(children.size()), zombies};
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
#endif

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

/// The start methods this platform has: spawn, and fork on POSIX.
inline std::vector<multiproc::start_method> all_methods()
{
#if defined(_WIN32)
    return {multiproc::start_method::spawn};
#else
    return {multiproc::start_method::spawn, multiproc::start_method::fork};
#endif
}

inline multiproc::process_options with_method(multiproc::start_method method)
{
    multiproc::process_options options;
    options.method = method;
    return options;
}

/// True if /dev/shm holds `name` (Linux). Elsewhere false: a name there goes with its last
/// handle, so tests check that attaching fails instead.
inline bool in_dev_shm(const std::string& name)
{
#if defined(__linux__)
    return std::filesystem::exists("/dev/shm/" + name);
#else
    (void)name;
    return false;
#endif
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
    if (die) {
#if defined(_WIN32)
        ::TerminateProcess(::GetCurrentProcess(), 0x10009);
#else
        std::raise(SIGKILL);
#endif
    }
    return x * x;
}

} // namespace test_util

// Registered in each test file that includes this (the same function: allowed).
MULTIPROC_TASK(test_util::square_or_die)

#endif
