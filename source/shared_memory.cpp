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

locked_memory::locked_memory(std::size_t size, error_code& ec) : memory_(create_only, size, ec)
{
    if (!ec)
        lock_ = recursive_mutex(create_only, ec);
    if (ec)
        memory_ = shared_memory();
}

char* locked_memory::acquire_range(std::size_t offset, std::size_t size, error_code& ec) const
{
    ec.clear();
    if (!memory_) {
        ec = make_error_code(errc::invalid_argument);
        return nullptr;
    }
    if (offset > memory_.size() || size > memory_.size() - offset) {
        ec = make_error_code(errc::result_out_of_range);
        return nullptr;
    }
    lock_.acquire(ec);
    return ec ? nullptr : static_cast<char*>(memory_.data()) + offset;
}

void locked_memory::load_bytes(void* to, std::size_t offset, std::size_t size, error_code& ec) const
{
    if (const char* from = acquire_range(offset, size, ec)) {
        std::memcpy(to, from, size);
        lock_.release(ec);
    }
}

void locked_memory::store_bytes(const void* from, std::size_t offset, std::size_t size,
                                error_code& ec)
{
    if (char* to = acquire_range(offset, size, ec)) {
        std::memcpy(to, from, size);
        lock_.release(ec);
    }
}

} // namespace detail
} // namespace multiproc
