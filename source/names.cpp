// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "detail/names.hpp"
#include "detail/os.hpp"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <vector>

namespace multiproc::detail {

namespace {

constexpr std::string_view name_start = "mp_";

std::string make_prefix(pid_type pid)
{
    std::random_device random;
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(random()));
    return std::string(name_start) + std::to_string(pid) + "_" + hex;
}

// The next name of this process's run, `mp_<pid>_<hex>_<n>`: the prefix is new on first use
// and in a forked child. With `watched`, a reaper (os::start_name_reaper) watches the prefix
// before the first such name is returned, so that no name of it outlives a killed process.
std::string next_name(bool watched)
{
    static std::mutex mutex;
    static pid_type prefix_pid = 0;
    static pid_type watched_pid = 0;
    static std::string prefix;
    static unsigned long long counter = 0;
    std::lock_guard<std::mutex> lock(mutex);
    const pid_type pid = os::current_pid();
    if (pid != prefix_pid) {
        prefix = make_prefix(pid);
        prefix_pid = pid;
        counter = 0;
    }
    if (watched && watched_pid != pid) {
        os::start_name_reaper(prefix + "_");
        watched_pid = pid;
    }
    return prefix + "_" + std::to_string(++counter);
}

} // namespace

std::string unique_name()
{
    return next_name(true);
}

std::string unique_suffix()
{
    return next_name(false).substr(name_start.size());
}

pid_type name_owner(std::string_view name) noexcept
{
    if (name.substr(0, 4) == "sem.")
        name.remove_prefix(4);
    if (name.substr(0, name_start.size()) != name_start)
        return 0;
    name.remove_prefix(name_start.size());
    long long pid = 0;
    std::size_t digits = 0;
    for (; digits < name.size() && digits < 10 && name[digits] >= '0' && name[digits] <= '9';
         ++digits)
        pid = pid * 10 + (name[digits] - '0');
    const bool followed_by_hex =
        name.size() > digits + 9 && name[digits] == '_' && name[digits + 9] == '_';
    if (digits == 0 || !followed_by_hex || pid <= 0 || pid > 0x7fffffff)
        return 0;
    return static_cast<pid_type>(pid);
}

std::size_t sweep_stale_names() noexcept
{
    namespace fs = std::filesystem;
    std::size_t removed = 0;
    const fs::path directory = os::shared_object_directory();
    if (directory.empty())
        return 0;
    std::error_code ec;
    for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
        const pid_type owner = name_owner(it->path().filename().string());
        std::error_code ignored; // another user's object, or already gone
        if (owner != 0 && os::process_ended(owner) && fs::remove(it->path(), ignored))
            ++removed;
    }
    return removed;
}

std::vector<std::string> names_starting_with(std::string_view prefix)
{
    std::vector<std::string> names;
    const std::filesystem::path directory = os::shared_object_directory();
    std::error_code ec;
    if (directory.empty())
        return names;
    for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
         it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0)
            names.push_back(std::move(name));
    }
    return names;
}

} // namespace multiproc::detail
