// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
// The parts of the OS interface that are the same on every platform.

#include "detail/os.hpp"

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace multiproc::detail::os {

channel::channel(channel&& other) noexcept : handle_(other.handle_)
{
    other.handle_ = invalid();
}

channel& channel::operator=(channel&& other) noexcept
{
    if (this != &other) {
        close();
        handle_ = other.handle_;
        other.handle_ = invalid();
    }
    return *this;
}

channel::~channel()
{
    close();
}

void channel::read_exact(void* data, std::size_t size, error_code& ec)
{
    auto p = static_cast<char*>(data);
    ec.clear();
    while (size > 0 && !ec) {
        const std::size_t n = read_some(p, size, ec);
        p += n;
        size -= n;
    }
}

void channel::read_exact(std::string& out, std::size_t size, error_code& ec)
{
    out.clear();
    ec.clear();
    while (out.size() < size && !ec) {
        const std::size_t have = out.size();
        out.resize(have + std::min(size - have, std::max<std::size_t>(have, 64 * 1024)));
        read_exact(out.data() + have, out.size() - have, ec);
    }
}

boost::asio::io_context& process_context()
{
    // Never destroyed: children still owned at exit close their handles through it.
    static auto* context = new boost::asio::io_context;
    return *context;
}

void flush_stdio() noexcept
{
    try {
        std::cout.flush();
        std::cerr.flush();
    } catch (...) {
    }
    std::fflush(nullptr);
}

std::optional<std::string> get_env(const char* name)
{
    const char* value = std::getenv(name);
    if (!value)
        return std::nullopt;
    return std::string(value);
}

} // namespace multiproc::detail::os
