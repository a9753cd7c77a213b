// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// test_os.hpp on Windows (and Wine): the process snapshot for other processes,
// TerminateProcess for kills.

#include <winsock2.h> // before windows.h

#include "../test_os.hpp"

#include "../test_util.hpp"

#include "../../source/detail/os.hpp"

#include <boost/interprocess/detail/shared_dir_helpers.hpp>

#include <cstdio>

#include <fcntl.h>
#include <io.h>
#include <windows.h>
#include <tlhelp32.h>

namespace test_util {

namespace {
// The exit code TerminateProcess gives a kill here (multiproc's process::kill uses it too).
constexpr UINT kill_code = 0x10009;
} // namespace

const bool slow_process_start = true;
const bool slow_pipes = true;
const bool has_fork_method = false;
const bool counts_threads_and_memory = false;
const bool names_in_dev_shm = false;
const bool names_go_with_last_handle = true;
const std::optional<int> kill_exit_code = std::nullopt;
const std::optional<int> terminate_exit_code = std::nullopt;

/// Wine's ntdll exports wine_get_version.
bool under_wine()
{
    const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

int system_process_id()
{
    return static_cast<int>(::GetCurrentProcessId());
}

std::optional<int> system_parent_id()
{
    return std::nullopt;
}

long long peak_rss_kb()
{
    return -1;
}

long thread_count()
{
    return -1;
}

void reset_peak_rss() {}

void set_env(const char* name, const char* value)
{
    multiproc::detail::os::set_env(name, value);
}

void unset_env(const char* name)
{
    multiproc::detail::os::unset_env(name);
}

void die_abruptly()
{
    ::TerminateProcess(::GetCurrentProcess(), kill_code);
}

void default_crash_handling() {}

void* inaccessible_page()
{
    return ::VirtualAlloc(nullptr, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS);
}

void close_std_stream(int stream)
{
    ::SetStdHandle(stream == 1 ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE, nullptr);
}

void close_stdin_descriptor() {}

bool wait_for_sentinel(std::intptr_t sentinel, std::chrono::milliseconds timeout)
{
    return ::WaitForSingleObject(reinterpret_cast<HANDLE>(sentinel),
                                 static_cast<DWORD>(timeout.count())) == WAIT_OBJECT_0;
}

namespace {
void start_winsock()
{
    WSADATA data;
    ::WSAStartup(MAKEWORD(2, 2), &data);
}
} // namespace

std::intptr_t inheritable_socket()
{
    start_winsock();
    const SOCKET s = ::WSASocketW(AF_INET, SOCK_STREAM, 0, nullptr, 0, 0);
    if (s == INVALID_SOCKET)
        return -1;
    ::SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    return static_cast<std::intptr_t>(s);
}

void close_socket(std::intptr_t socket)
{
    ::closesocket(static_cast<SOCKET>(socket));
}

std::string socket_probe(std::intptr_t socket)
{
    start_winsock();
    int type = 0;
    int size = sizeof type;
    const bool open = ::getsockopt(static_cast<SOCKET>(socket), SOL_SOCKET, SO_TYPE,
                                   reinterpret_cast<char*>(&type), &size) == 0;
    return open ? "none" : (::WSAGetLastError() == WSAENOTSOCK ? "WSAENOTSOCK" : "other");
}

std::intptr_t open_for_writing(const std::string& path)
{
    return reinterpret_cast<std::intptr_t>(::CreateFileA(path.c_str(), GENERIC_WRITE,
                                                         FILE_SHARE_READ | FILE_SHARE_WRITE,
                                                         nullptr, CREATE_ALWAYS, 0, nullptr));
}

bool write_handle(std::intptr_t handle, const std::string& text)
{
    DWORD written = 0;
    return ::WriteFile(reinterpret_cast<HANDLE>(handle), text.data(),
                       static_cast<DWORD>(text.size()), &written, nullptr) &&
           written == text.size();
}

void close_handle(std::intptr_t handle)
{
    ::CloseHandle(reinterpret_cast<HANDLE>(handle));
}

void fill_descriptors_below(int) {}

std::vector<multiproc::address> every_family()
{
    return {multiproc::address::named_pipe(), multiproc::address::tcp()};
}

multiproc::address foreign_family_address()
{
    return multiproc::address::unix_socket("/tmp/x.sock");
}

/// 'R' for a running process, 'Z' for one that has exited but is still known, 0 if none.
char process_state(int pid)
{
    HANDLE h = ::OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                             static_cast<DWORD>(pid));
    if (!h)
        return 0;
    const char state = ::WaitForSingleObject(h, 0) == WAIT_OBJECT_0 ? 'Z' : 'R';
    ::CloseHandle(h);
    return state;
}

namespace {
/// When the process `pid` was created (0 if unknown), to compare with another's.
std::uint64_t creation_time(DWORD pid)
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
} // namespace

/// A parent id is only a number: a process older than this one that names it is the orphan of
/// an earlier process that had this id (ids are reused at once, under Wine more so).
std::vector<std::pair<int, char>> child_states()
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

std::pair<int, int> count_children()
{
    int all = 0;
    for (const auto& child : child_states())
        all += child.second == 'R';
    return {all, 0};
}

void become_subreaper() {}
void reap(int) {}

bool is_joined(int pid)
{
    return process_state(pid) != 'R';
}

void kill_process(int pid)
{
    HANDLE h = ::OpenProcess(PROCESS_TERMINATE, FALSE, static_cast<DWORD>(pid));
    if (h) {
        ::TerminateProcess(h, kill_code);
        ::CloseHandle(h);
    }
}

std::vector<multiproc::start_method> all_methods()
{
    return {multiproc::start_method::spawn};
}

multiproc::start_method fork_if_any(bool)
{
    return multiproc::start_method::spawn;
}

int dev_shm_mode(const std::string&)
{
    return -1;
}

std::filesystem::path shared_names_directory()
{
    std::string shared_dir;
    boost::interprocess::ipcdetail::get_shared_dir(shared_dir);
    return shared_dir;
}

bool in_dev_shm(const std::string&)
{
    return false;
}

std::vector<std::string> shm_names_of(int)
{
    return {};
}

stderr_capture::stderr_capture(const temp_file& file)
{
    std::fflush(stderr);
    saved_ = ::_dup(2);
    const int fd = ::_open(file.path().c_str(), _O_WRONLY | _O_CREAT | _O_TRUNC, 0600);
    ::_dup2(fd, 2);
    ::_close(fd);
    saved_handle_ = reinterpret_cast<std::intptr_t>(::GetStdHandle(STD_ERROR_HANDLE));
    ::SetStdHandle(STD_ERROR_HANDLE, reinterpret_cast<HANDLE>(::_get_osfhandle(2)));
}

stderr_capture::~stderr_capture()
{
    std::fflush(stderr);
    ::_dup2(saved_, 2);
    ::_close(saved_);
    ::SetStdHandle(STD_ERROR_HANDLE, reinterpret_cast<HANDLE>(saved_handle_));
}

} // namespace test_util
