// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// Windows facts about the running process.

#include "util.hpp"

#include <boost/interprocess/permissions.hpp>

#include <tlhelp32.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace multiproc::detail::os {

// Native named mappings go with their last handle: a killed process leaves none behind.
void start_name_reaper(const std::string&) noexcept {}

boost::interprocess::permissions owner_only_permissions()
{
    return boost::interprocess::permissions(); // the creating user's
}

pid_type current_pid() noexcept
{
    return static_cast<pid_type>(::GetCurrentProcessId());
}

bool process_ended(pid_type pid) noexcept
{
    HANDLE process = ::OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(pid));
    if (process == nullptr)
        return ::GetLastError() == ERROR_INVALID_PARAMETER; // no such process
    const bool ended = ::WaitForSingleObject(process, 0) == WAIT_OBJECT_0;
    ::CloseHandle(process);
    return ended;
}

pid_type parent_pid() noexcept
{
    // Windows keeps no parent link but the creator's id in the process snapshot (as Python's
    // os.getppid does).
    const DWORD self = ::GetCurrentProcessId();
    pid_type parent = 0;
    HANDLE snapshot = ::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snapshot == INVALID_HANDLE_VALUE)
        return 0;
    PROCESSENTRY32W entry{};
    entry.dwSize = sizeof entry;
    for (BOOL ok = ::Process32FirstW(snapshot, &entry); ok; ok = ::Process32NextW(snapshot, &entry))
        if (entry.th32ProcessID == self) {
            parent = static_cast<pid_type>(entry.th32ParentProcessID);
            break;
        }
    ::CloseHandle(snapshot);
    return parent;
}

unsigned cpu_count() noexcept
{
    const DWORD n = ::GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    return n > 0 ? static_cast<unsigned>(n) : 1u;
}

std::string program_path()
{
    std::wstring path(32768, L'\0');
    const DWORD n = ::GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    path.resize(n);
    return to_utf8(path);
}

void quick_exit(int code) noexcept
{
    std::_Exit(code);
}

void set_env(const char* name, const char* value)
{
    // Both copies, as unset_env: children get the Windows one.
    ::_putenv_s(name, value);
    ::SetEnvironmentVariableA(name, value);
}

void unset_env(const char* name)
{
    // The C runtime and Windows keep separate copies: children get the Windows one.
    ::_putenv_s(name, "");
    ::SetEnvironmentVariableA(name, nullptr);
}

} // namespace multiproc::detail::os
