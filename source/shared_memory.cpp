// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include <multiproc/shared_memory.hpp>

#include "detail/segment.hpp"
#include "detail/throwing.hpp"

#include <cstring>

namespace multiproc {

using boost::system::errc::make_error_code;
namespace errc = boost::system::errc;

shared_memory::shared_memory(create_only_t, std::size_t size)
    : shared_memory(
          detail::make_or_throw<shared_memory>("multiproc::shared_memory", create_only, size))
{}

shared_memory::shared_memory(create_only_t, std::size_t size, error_code& ec) : shared_memory()
{
    if (size == 0) {
        ec = make_error_code(errc::invalid_argument);
        return;
    }
    segment_ = detail::segment::create(kind_, size, ec);
}

shared_memory::shared_memory(open_only_t, const std::string& name)
    : shared_memory(
          detail::make_or_throw<shared_memory>("multiproc::shared_memory", open_only, name))
{}

shared_memory::shared_memory(open_only_t, const std::string& name, error_code& ec) : shared_memory()
{
    open(name, ec);
}

namespace detail {

namespace {
// The address of that range with `lock` held (unless null), or null with `ec` set.
char* acquire_range(const shared_memory& memory, acquirable* lock, std::size_t offset,
                    std::size_t size, error_code& ec)
{
    ec.clear();
    if (!memory) {
        ec = make_error_code(errc::invalid_argument);
        return nullptr;
    }
    if (offset > memory.size() || size > memory.size() - offset) {
        ec = make_error_code(errc::result_out_of_range);
        return nullptr;
    }
    if (lock)
        lock->acquire(ec);
    return ec ? nullptr : static_cast<char*>(memory.data()) + offset;
}
} // namespace

void load_bytes(const shared_memory& memory, acquirable* lock, void* to, std::size_t offset,
                std::size_t size, error_code& ec)
{
    if (const char* from = acquire_range(memory, lock, offset, size, ec)) {
        std::memcpy(to, from, size);
        if (lock)
            lock->release(ec);
    }
}

void store_bytes(const shared_memory& memory, acquirable* lock, const void* from,
                 std::size_t offset, std::size_t size, error_code& ec)
{
    if (char* to = acquire_range(memory, lock, offset, size, ec)) {
        std::memcpy(to, from, size);
        if (lock)
            lock->release(ec);
    }
}

} // namespace detail
} // namespace multiproc
