// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// test_os.hpp on POSIX: /proc for other processes (Linux), signals for kills.

#include "../test_os.hpp"

#include "../test_util.hpp"

#include "../../source/detail/os.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace test_util {

const bool slow_process_start = false;
const bool slow_pipes = false;
const bool has_fork_method = true;
const bool counts_threads_and_memory = true;
const bool names_in_dev_shm = true;
const bool names_go_with_last_handle = false;
const std::optional<int> kill_exit_code = -SIGKILL;
const std::optional<int> terminate_exit_code = -SIGTERM;

bool under_wine()
{
    return false;
}

int system_process_id()
{
    return ::getpid();
}

std::optional<int> system_parent_id()
{
    return ::getppid();
}

long long peak_rss_kb()
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::atoll(line.c_str() + 6);
    return -1;
}

long thread_count()
{
    long n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/task");
         it != std::filesystem::directory_iterator(); ++it)
        ++n;
    return n;
}

void reset_peak_rss()
{
    std::ofstream out("/proc/self/clear_refs");
    out << "5" << std::flush;
}

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
    std::raise(SIGKILL);
}

void default_crash_handling()
{
    std::signal(SIGSEGV, SIG_DFL);
    std::signal(SIGBUS, SIG_DFL);
}

void* inaccessible_page()
{
    return ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

void close_std_stream(int stream)
{
    ::close(stream);
}

void close_stdin_descriptor()
{
    ::close(0);
}

bool wait_for_sentinel(std::intptr_t sentinel, std::chrono::milliseconds timeout)
{
    pollfd p{static_cast<int>(sentinel), POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

std::intptr_t inheritable_socket()
{
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    const int fd = ::fcntl(s, F_DUPFD, 50); // no FD_CLOEXEC: inheritable
    ::close(s);
    return fd >= 50 ? fd : -1;
}

void close_socket(std::intptr_t socket)
{
    ::close(static_cast<int>(socket));
}

std::string socket_probe(std::intptr_t socket)
{
    int type = 0;
    socklen_t size = sizeof type;
    const bool open =
        ::getsockopt(static_cast<int>(socket), SOL_SOCKET, SO_TYPE, &type, &size) == 0;
    return open ? "none" : (errno == EBADF ? "EBADF" : "other");
}

std::intptr_t open_for_writing(const std::string& path)
{
    return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

bool write_handle(std::intptr_t handle, const std::string& text)
{
    return ::write(static_cast<int>(handle), text.data(), text.size()) ==
           static_cast<ssize_t>(text.size());
}

void close_handle(std::intptr_t handle)
{
    ::close(static_cast<int>(handle));
}

void fill_descriptors_below(int n)
{
    const int filler = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    for (int i = 0; i < n; ++i)
        if (::fcntl(i, F_GETFD) < 0)
            ::dup2(filler, i);
}

std::vector<multiproc::address> every_family()
{
    return {multiproc::address::unix_socket(), multiproc::address::tcp()};
}

multiproc::address foreign_family_address()
{
    return multiproc::address::named_pipe("\\\\.\\pipe\\x");
}

/// The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 if there is no such process.
char process_state(int pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line))
        return 0;
    const auto close = line.rfind(')');
    return close == std::string::npos || close + 2 >= line.size() ? 0 : line[close + 2];
}

namespace {
int parent_of(int pid)
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
} // namespace

/// This process's children, found through /proc, with their process_state.
std::vector<std::pair<int, char>> child_states()
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

std::pair<int, int> count_children()
{
    int zombies = 0;
    const auto children = child_states();
    for (const auto& child : children)
        zombies += child.second == 'Z';
    return {static_cast<int>(children.size()), zombies};
}

void become_subreaper()
{
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void reap(int pid)
{
    ::waitpid(pid, nullptr, 0);
}

bool is_joined(int pid)
{
    return process_state(pid) == 0;
}

void kill_process(int pid)
{
    ::kill(pid, SIGKILL);
}

std::vector<multiproc::start_method> all_methods()
{
    return {multiproc::start_method::spawn, multiproc::start_method::fork};
}

multiproc::start_method fork_if_any(bool fork)
{
    return fork ? multiproc::start_method::fork : multiproc::start_method::spawn;
}

int dev_shm_mode(const std::string& name)
{
    struct stat status;
    if (::stat(("/dev/shm/" + name).c_str(), &status) != 0)
        return -1;
    return static_cast<int>(status.st_mode & 0777);
}

std::filesystem::path shared_names_directory()
{
    return "/dev/shm";
}

bool in_dev_shm(const std::string& name)
{
    return std::filesystem::exists("/dev/shm/" + name);
}

std::vector<std::string> shm_names_of(int pid)
{
    std::vector<std::string> found;
    const std::string prefix = "mp_" + std::to_string(pid) + "_";
    for (const auto& entry : std::filesystem::directory_iterator("/dev/shm")) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) == 0 || name.rfind("sem." + prefix, 0) == 0)
            found.push_back(name);
    }
    return found;
}

stderr_capture::stderr_capture(const temp_file& file)
{
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(file.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
}

stderr_capture::~stderr_capture()
{
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
}

} // namespace test_util
