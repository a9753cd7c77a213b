// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

// Named shared memory on POSIX: shm_open objects, shown by Linux under /dev/shm.

#include "../detail/os.hpp"

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

namespace multiproc::detail::os {

namespace bip = boost::interprocess;

namespace {

class posix_mapping final : public shared_mapping
{
public:
    posix_mapping(bip::shared_memory_object object)
        : object_(std::move(object)), region_(object_, bip::read_write)
    {}
    void* address() const noexcept override { return region_.get_address(); }
    std::size_t size() const noexcept override { return region_.get_size(); }

private:
    bip::shared_memory_object object_;
    bip::mapped_region region_;
};

} // namespace

std::unique_ptr<shared_mapping> create_shared_mapping(const std::string& name, std::size_t size)
{
    bip::shared_memory_object object(bip::create_only, name.c_str(), bip::read_write,
                                     owner_only_permissions());
    try {
        object.truncate(static_cast<bip::offset_t>(size));
        return std::make_unique<posix_mapping>(std::move(object));
    } catch (...) {
        bip::shared_memory_object::remove(name.c_str());
        throw;
    }
}

std::unique_ptr<shared_mapping> open_shared_mapping(const std::string& name)
{
    return std::make_unique<posix_mapping>(
        bip::shared_memory_object(bip::open_only, name.c_str(), bip::read_write));
}

bool remove_shared_mapping(const std::string& name) noexcept
{
    return bip::shared_memory_object::remove(name.c_str());
}

std::string shared_object_directory() noexcept
{
#if defined(__linux__)
    return "/dev/shm";
#else
    return {};
#endif
}

bool remove_shared_object(const std::string& name) noexcept
{
    return bip::shared_memory_object::remove(name.c_str());
}

} // namespace multiproc::detail::os
