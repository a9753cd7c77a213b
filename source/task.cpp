// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/task.hpp>

#include "detail/os.hpp"

// The members of Boost's binary input archive that its library compiles for its own archive
// only, for the bounded archive derived from it (the way Boost documents deriving an archive).
#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

// Declared, exported, in detail/codec.hpp.
template class boost::archive::detail::archive_serializer_map<multiproc::detail::bounded_iarchive>;
template class boost::archive::basic_binary_iarchive<multiproc::detail::bounded_iarchive>;
template class boost::archive::basic_binary_iprimitive<multiproc::detail::bounded_iarchive, char,
                                                       std::char_traits<char>>;

namespace multiproc::detail {

namespace {
// Filled during static initialisation (MULTIPROC_TASK), read afterwards.
struct registry
{
    std::mutex mutex;
    std::map<std::string_view, task_entry> by_name;
    std::map<generic_function, const task_entry*> by_function;
};

registry& tasks()
{
    static registry instance;
    return instance;
}
} // namespace

void register_task(generic_function function, const task_entry& entry)
{
    auto& r = tasks();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto [it, inserted] = r.by_name.emplace(entry.name, entry);
    if (!inserted && it->second.invoke != entry.invoke) {
        // Two functions under one name: the child could run the wrong one. Refuse to start.
        std::fprintf(stderr,
                     "multiproc: MULTIPROC_TASK(%s) names two different functions; "
                     "register one of them under a qualified name (MULTIPROC_TASK(ns::%s))\n",
                     entry.name, entry.name);
        std::abort();
    }
    r.by_function.emplace(function, &it->second);
}

const task_entry* find_task(generic_function function) noexcept
{
    auto& r = tasks();
    std::lock_guard<std::mutex> lock(r.mutex);
    const auto it = r.by_function.find(function);
    return it == r.by_function.end() ? nullptr : it->second;
}

const task_entry* find_task(std::string_view name) noexcept
{
    auto& r = tasks();
    std::lock_guard<std::mutex> lock(r.mutex);
    const auto it = r.by_name.find(name);
    return it == r.by_name.end() ? nullptr : &it->second;
}

void throw_unregistered(const char* what)
{
    throw system_error(make_error_code(error::unregistered_task),
                       std::string(what) +
                           ": add MULTIPROC_TASK(function) at namespace scope to run it in a "
                           "spawned child");
}

std::uint64_t type_tag(const char* type_name) noexcept
{
    std::uint64_t h = 14695981039346656037ull; // FNV-1a: the same in every process
    for (const char* p = type_name; *p; ++p)
        h = (h ^ static_cast<unsigned char>(*p)) * 1099511628211ull;
    return h == 0 ? 1 : h;
}

namespace {
thread_local inheritance_scope* current_scope = nullptr;

constexpr const char* message_limit_variable = "MULTIPROC_MESSAGE_LIMIT";

std::size_t limit_from_environment() noexcept
{
    const char* text = std::getenv(message_limit_variable);
    if (!text || !*text)
        return max_message_size;
    char* end = nullptr;
    const unsigned long long bytes = std::strtoull(text, &end, 10);
    if (*end != '\0' || bytes == 0 || bytes > max_message_size)
        return max_message_size; // not one set_message_limit wrote: the real limit
    return static_cast<std::size_t>(bytes);
}

std::atomic<std::size_t>& limit_in_force() noexcept
{
    static std::atomic<std::size_t> limit{limit_from_environment()};
    return limit;
}
} // namespace

std::size_t message_limit() noexcept
{
    return limit_in_force().load(std::memory_order_relaxed);
}

void set_message_limit(std::size_t bytes)
{
    if (bytes == 0 || bytes > max_message_size)
        bytes = max_message_size;
    if (bytes == max_message_size)
        os::unset_env(message_limit_variable);
    else
        os::set_env(message_limit_variable, std::to_string(bytes).c_str());
    limit_in_force().store(bytes, std::memory_order_relaxed);
}

bool fits_message_limit(std::size_t bytes, error_code& ec) noexcept
{
    if (bytes <= message_limit())
        return true;
    ec = make_error_code(error::message_too_large);
    return false;
}

void throw_message_too_large()
{
    throw_error(make_error_code(error::message_too_large),
                "multiproc: message larger than the limit (multiproc::max_message_size)");
}

inheritance_scope::inheritance_scope() noexcept : previous_(current_scope)
{
    current_scope = this;
}

inheritance_scope::~inheritance_scope()
{
    current_scope = previous_;
}

bool inherit_handle(std::intptr_t handle, std::shared_ptr<const void> keep_alive)
{
    if (!current_scope)
        return false;
    current_scope->collected_.handles.push_back(handle);
    current_scope->collected_.keep_alive.push_back(std::move(keep_alive));
    return true;
}

} // namespace multiproc::detail
