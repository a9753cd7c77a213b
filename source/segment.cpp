// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "detail/segment.hpp"
#include "detail/names.hpp"
#include "detail/os.hpp"

#include <cstdint>

namespace multiproc::detail {

namespace bip = boost::interprocess;

namespace {

// Written at the start of every block, so that attaching checks what it attaches to.
struct segment_header
{
    std::uint64_t magic;
    std::uint32_t kind;
    std::uint32_t reserved;
    std::uint64_t payload_size;
};
constexpr std::uint64_t segment_magic = 0x316d68732d706d00; // "\0mp-shm1"
// The payload starts a cache line in: aligned for anything a user puts there.
constexpr std::size_t payload_offset = 64;
static_assert(sizeof(segment_header) <= payload_offset);

} // namespace

error_code to_error_code(const bip::interprocess_exception& e) noexcept
{
    if (e.get_error_code() == bip::not_recoverable)
        return make_error_code(error::lock_broken);
    if (e.get_native_error() != 0)
        return {e.get_native_error(), boost::system::system_category()};
    switch (e.get_error_code()) {
    case bip::not_found_error:
        return make_error_code(boost::system::errc::no_such_file_or_directory);
    case bip::already_exists_error:
        return make_error_code(boost::system::errc::file_exists);
    case bip::security_error:
        return make_error_code(boost::system::errc::permission_denied);
    case bip::out_of_space_error:
        return make_error_code(boost::system::errc::no_space_on_device);
    default:
        return make_error_code(boost::system::errc::io_error);
    }
}

std::shared_ptr<segment> segment::create(segment_kind kind, std::size_t payload_size,
                                         error_code& ec)
{
    ec.clear();
    std::shared_ptr<segment> s(new segment);
    try {
        s->name_ = unique_name();
        s->mapping_ = os::create_shared_mapping(s->name_, payload_offset + payload_size);
        s->owner_ = os::current_pid(); // from here on, the destructor removes the name
    } catch (const bip::interprocess_exception& e) {
        ec = to_error_code(e);
        return nullptr;
    } catch (const std::bad_alloc&) {
        ec = make_error_code(boost::system::errc::not_enough_memory);
        return nullptr;
    }
    auto* header = static_cast<segment_header*>(s->mapping_->address());
    header->kind = static_cast<std::uint32_t>(kind);
    header->payload_size = payload_size;
    header->magic = segment_magic;
    s->payload_ = static_cast<char*>(s->mapping_->address()) + payload_offset;
    s->payload_size_ = payload_size;
    return s;
}

std::shared_ptr<segment> segment::open(segment_kind kind, const std::string& name, error_code& ec)
{
    ec.clear();
    std::shared_ptr<segment> s(new segment);
    try {
        s->name_ = name;
        s->mapping_ = os::open_shared_mapping(name);
    } catch (const bip::interprocess_exception& e) {
        ec = to_error_code(e);
        return nullptr;
    }
    const auto* header = static_cast<const segment_header*>(s->mapping_->address());
    const std::size_t mapped = s->mapping_->size();
    if (mapped < payload_offset || header->magic != segment_magic ||
        header->kind != static_cast<std::uint32_t>(kind) ||
        header->payload_size > mapped - payload_offset) {
        ec = make_error_code(boost::system::errc::invalid_argument);
        return nullptr;
    }
    s->payload_ = static_cast<char*>(s->mapping_->address()) + payload_offset;
    s->payload_size_ = header->payload_size;
    return s;
}

bool segment::remove(const std::string& name) noexcept
{
    // A NUL inside would remove the object named by what precedes it.
    return name.find('\0') == std::string::npos && os::remove_shared_mapping(name);
}

segment::~segment()
{
    // Only the creator removes the name; a forked child holds a copy of its handles.
    if (owner_ != 0 && owner_ == os::current_pid())
        remove(name_);
}

const std::string& named_handle::name() const noexcept
{
    static const std::string none;
    return segment_ ? segment_->name() : none;
}

bool named_handle::remove(const std::string& name) noexcept
{
    return segment::remove(name);
}

void named_handle::open(const std::string& name, error_code& ec)
{
    ec.clear();
    segment_.reset();
    // No object has an empty name, nor one with a NUL inside (the system would read less).
    if (name.empty() || name.find('\0') != std::string::npos)
        ec = make_error_code(boost::system::errc::invalid_argument);
    else
        segment_ = segment::open(kind_, name, ec);
}

void* named_handle::payload() const noexcept
{
    return segment_ ? segment_->payload() : nullptr;
}

std::size_t named_handle::payload_size() const noexcept
{
    return segment_ ? segment_->payload_size() : 0;
}

} // namespace multiproc::detail
