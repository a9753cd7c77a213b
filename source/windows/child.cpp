// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// Windows children on Boost.Process v2 (CreateProcessW). Each child is created suspended,
// put in a kill-on-close Job Object (so it dies with this process), then resumed.

#include "util.hpp"

#include <boost/asio/io_context.hpp>
// Process v2 of Boost 1.81 with BOOST_PROCESS_USE_STD_FS misses these two includes.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>

namespace multiproc::detail::os {

namespace bp = boost::process::v2;

namespace {

// TerminateProcess codes that read back as Python's negative signal numbers.
constexpr DWORD signal_base = 0x10000;
constexpr DWORD sigterm_code = signal_base + 15;
constexpr DWORD sigkill_code = signal_base + 9;

int python_exit_code(DWORD code) noexcept
{
    if (code > signal_base && code < signal_base + 64)
        return -static_cast<int>(code - signal_base);
    return static_cast<int>(code);
}

// Closed only when this process ends: then Windows kills every child still in it.
HANDLE kill_on_close_job()
{
    static HANDLE job = [] {
        HANDLE j = ::CreateJobObjectW(nullptr, nullptr);
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        if (j)
            ::SetInformationJobObject(j, JobObjectExtendedLimitInformation, &limits, sizeof limits);
        return j;
    }();
    return job;
}

// This process's environment with the spawned marker and the parent's id and name added, as
// a CreateProcessW block.
std::wstring child_environment()
{
    const std::wstring marker = from_utf8(std::string(spawned_marker) + "=");
    const std::wstring parent_entry = from_utf8(std::string(parent_variable) + "=");
    std::wstring block;
    if (wchar_t* strings = ::GetEnvironmentStringsW()) {
        for (const wchar_t* e = strings; *e; e += std::wcslen(e) + 1) {
            const std::wstring entry(e);
            if (entry.compare(0, marker.size(), marker) != 0 &&
                entry.compare(0, parent_entry.size(), parent_entry) != 0)
                block.append(entry).push_back(L'\0');
        }
        ::FreeEnvironmentStringsW(strings);
    }
    block.append(marker + L"1").push_back(L'\0');
    block
        .append(parent_entry +
                from_utf8(std::to_string(current_pid()) + ':' + this_process::name()))
        .push_back(L'\0');
    block.push_back(L'\0');
    return block;
}

// Initializer for the Process v2 launcher: passes the channel on, marks the environment and
// puts the child in the job before it runs.
//
// bInheritHandles alone would give the child every inheritable handle of this process (those
// another thread marked for its own child meanwhile too): the handle list attribute limits it
// to stdio and `inherit`.
struct child_setup
{
    const std::vector<HANDLE>& inherit;
    std::wstring environment;
    std::vector<HANDLE> listed;
    std::vector<char> attribute_storage;
    LPPROC_THREAD_ATTRIBUTE_LIST attributes = nullptr;

    child_setup(const std::vector<HANDLE>& handles, std::wstring env)
        : inherit(handles), environment(std::move(env))
    {}
    child_setup(const child_setup&) = delete;
    child_setup& operator=(const child_setup&) = delete;
    ~child_setup()
    {
        if (attributes)
            ::DeleteProcThreadAttributeList(attributes);
    }

    template <class Launcher>
    error_code on_setup(Launcher& launcher, const bp::filesystem::path&, std::wstring&)
    {
        for (HANDLE h : inherit)
            if (!::SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT))
                return last_error();
        // process_stdio has set (and marked inheritable) the three standard handles by now.
        const auto& startup = launcher.startup_info.StartupInfo;
        // The list must name each handle once (a connection may be passed twice).
        listed.clear();
        auto list = [this](HANDLE h) {
            if (h && h != INVALID_HANDLE_VALUE &&
                std::find(listed.begin(), listed.end(), h) == listed.end())
                listed.push_back(h);
        };
        for (HANDLE h : inherit)
            list(h);
        for (HANDLE h : {startup.hStdInput, startup.hStdOutput, startup.hStdError})
            list(h);
        if (!listed.empty()) {
            if (error_code ec = make_handle_list())
                return ec;
            launcher.startup_info.lpAttributeList = attributes;
        }
        launcher.inherit_handles = true;
        launcher.creation_flags |= CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT;
        launcher.environment = environment.data();
        return {};
    }

    error_code make_handle_list()
    {
        SIZE_T size = 0;
        ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
        attribute_storage.resize(size);
        auto list = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attribute_storage.data());
        if (!::InitializeProcThreadAttributeList(list, 1, 0, &size))
            return last_error();
        attributes = list;
        if (!::UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, listed.data(),
                                         listed.size() * sizeof(HANDLE), nullptr, nullptr))
            return last_error();
        return {};
    }

    template <class Launcher>
    void on_success(Launcher& launcher, const bp::filesystem::path&, std::wstring&)
    {
        if (HANDLE job = kill_on_close_job())
            ::AssignProcessToJobObject(job, launcher.process_information.hProcess);
        ::ResumeThread(launcher.process_information.hThread);
    }
};

} // namespace

using process_type = bp::basic_process<boost::asio::io_context::executor_type>;

struct child::impl
{
    process_type process;
    std::optional<int> exit_code;
};

child::child() = default;
child::child(child&&) noexcept = default;
child& child::operator=(child&&) noexcept = default;
child::~child() = default;

child child::spawn(const std::string& executable, const std::vector<std::string>& args,
                   const std::vector<native_handle>& inherit, error_code& ec)
{
    child result;
    child_setup setup(inherit, child_environment());
    flush_stdio();
    bp::default_process_launcher launcher;
    // process_stdio{}: the child writes where this process's stdout and stderr go, even when
    // they are redirected to a file or a pipe. Wine's CreateProcessW fails now and then with
    // ERROR_INTERNAL_ERROR while many processes start; that passes: try again, a few times.
    const auto launch = [&] {
        return launcher(process_context().get_executor(), ec, std::filesystem::u8path(executable),
                        args, bp::process_stdio{}, setup);
    };
    auto process = launch();
    const error_code transient(ERROR_INTERNAL_ERROR, boost::system::system_category());
    for (int retry = 0; retry < 3 && ec == transient; ++retry) {
        ::Sleep(10);
        ec.clear();
        process = launch();
    }
    // Marked for this child only: no later child inherits them.
    for (HANDLE h : inherit)
        ::SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0);
    if (ec)
        return result;
    result.impl_.reset(new impl{std::move(process), std::nullopt});
    return result;
}

pid_type child::id() const noexcept
{
    return impl_ ? static_cast<pid_type>(impl_->process.id()) : 0;
}

native_handle child::exit_handle() const noexcept
{
    return impl_ ? impl_->process.native_handle() : INVALID_HANDLE_VALUE;
}

native_handle child::duplicate_exit_handle(error_code& ec) const
{
    ec.clear();
    HANDLE copy = nullptr;
    if (!impl_)
        return INVALID_HANDLE_VALUE;
    if (!::DuplicateHandle(::GetCurrentProcess(), impl_->process.native_handle(),
                           ::GetCurrentProcess(), &copy, SYNCHRONIZE, FALSE, 0)) {
        ec = last_error();
        return INVALID_HANDLE_VALUE;
    }
    return copy;
}

bool child::wait_exit(clock::time_point deadline, error_code& ec)
{
    ec.clear();
    if (!impl_ || impl_->exit_code)
        return true;
    switch (::WaitForSingleObject(impl_->process.native_handle(), wait_milliseconds(deadline))) {
    case WAIT_OBJECT_0:
        return true;
    case WAIT_TIMEOUT:
        return false;
    default:
        ec = last_error();
        return false;
    }
}

bool child::running(error_code& ec)
{
    ec.clear();
    if (!impl_ || impl_->exit_code)
        return false;
    HANDLE h = impl_->process.native_handle();
    if (::WaitForSingleObject(h, 0) != WAIT_OBJECT_0)
        return true;
    DWORD code = 0;
    if (!::GetExitCodeProcess(h, &code)) {
        ec = last_error();
        return false;
    }
    impl_->exit_code = python_exit_code(code);
    return false;
}

std::optional<int> child::exit_code() const noexcept
{
    return impl_ ? impl_->exit_code : std::nullopt;
}

// Windows has no signals: each ends the process, with the exit code the signal would give.
void child::end_with(unsigned long code, error_code& ec)
{
    ec.clear();
    if (impl_ && !impl_->exit_code && !::TerminateProcess(impl_->process.native_handle(), code) &&
        ::WaitForSingleObject(impl_->process.native_handle(), 0) != WAIT_OBJECT_0)
        ec = last_error();
}

void child::interrupt(error_code& ec)
{
    end_with(signal_base + 2, ec);
}

void child::terminate(error_code& ec)
{
    end_with(sigterm_code, ec);
}

void child::kill(error_code& ec)
{
    end_with(sigkill_code, ec);
}

native_handle invalid_handle() noexcept
{
    return INVALID_HANDLE_VALUE;
}

void close_handle(native_handle h) noexcept
{
    if (h && h != INVALID_HANDLE_VALUE)
        ::CloseHandle(h);
}

bool wait_any(const std::vector<native_handle>& handles, clock::time_point deadline, error_code& ec)
{
    ec.clear();
    const DWORD count =
        static_cast<DWORD>(std::min<std::size_t>(handles.size(), MAXIMUM_WAIT_OBJECTS));
    if (count == 0) {
        ::Sleep(wait_milliseconds(deadline));
        return false;
    }
    const DWORD r =
        ::WaitForMultipleObjects(count, handles.data(), FALSE, wait_milliseconds(deadline));
    if (r == WAIT_TIMEOUT)
        return false;
    if (r == WAIT_FAILED) {
        ec = last_error();
        return false;
    }
    return true;
}

namespace {
// When process `h` was created, in FILETIME units; 0 if unknown.
std::uint64_t creation_time(HANDLE h) noexcept
{
    FILETIME created{}, exited{}, kernel{}, user{};
    if (!::GetProcessTimes(h, &created, &exited, &kernel, &user))
        return 0;
    return (std::uint64_t(created.dwHighDateTime) << 32) | created.dwLowDateTime;
}
} // namespace

native_handle open_parent_exit_handle(pid_type parent, error_code& ec)
{
    ec.clear();
    HANDLE h = ::OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                             static_cast<DWORD>(parent));
    if (!h) {
        if (::GetLastError() != ERROR_INVALID_PARAMETER) // not "no such process"
            ec = last_error();
        return INVALID_HANDLE_VALUE;
    }
    // Ids are reused at once (under Wine more so): a process younger than this one that has
    // the parent's id is another process, and the parent has exited.
    const std::uint64_t theirs = creation_time(h);
    if (theirs == 0 || theirs > creation_time(::GetCurrentProcess())) {
        ::CloseHandle(h);
        return INVALID_HANDLE_VALUE;
    }
    return h;
}

bool parent_alive(pid_type parent) noexcept
{
    error_code ec;
    HANDLE h = open_parent_exit_handle(parent, ec);
    if (h == INVALID_HANDLE_VALUE)
        return false;
    const bool alive = ::WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
    ::CloseHandle(h);
    return alive;
}

} // namespace multiproc::detail::os
