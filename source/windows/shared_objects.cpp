// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

// Named shared memory on Windows: pagefile-backed named file mappings for segments, and the
// files in a directory of their own that Boost.Interprocess makes its POSIX-style objects of.

#include "../detail/os.hpp"

#include <boost/interprocess/detail/shared_dir_helpers.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <boost/interprocess/windows_shared_memory.hpp>

#include <filesystem>

namespace multiproc::detail::os {

namespace bip = boost::interprocess;

namespace {

class windows_mapping final : public shared_mapping
{
public:
    // Made in place: moving a windows_shared_memory swaps a member it leaves uninitialised.
    template <class... Arguments>
    explicit windows_mapping(Arguments&&... arguments)
        : object_(std::forward<Arguments>(arguments)...), region_(object_, bip::read_write)
    {}
    void* address() const noexcept override { return region_.get_address(); }
    std::size_t size() const noexcept override { return region_.get_size(); }

private:
    bip::windows_shared_memory object_;
    bip::mapped_region region_;
};

} // namespace

std::unique_ptr<shared_mapping> create_shared_mapping(const std::string& name, std::size_t size)
{
    // The default security descriptor: the creating user's.
    return std::make_unique<windows_mapping>(bip::create_only, name.c_str(), bip::read_write, size);
}

std::unique_ptr<shared_mapping> open_shared_mapping(const std::string& name)
{
    return std::make_unique<windows_mapping>(bip::open_only, name.c_str(), bip::read_write);
}

bool remove_shared_mapping(const std::string&) noexcept
{
    return false; // the system removes it with its last handle
}

std::string shared_object_directory() noexcept
{
    try {
        std::string directory;
        bip::ipcdetail::get_shared_dir(directory);
        return directory;
    } catch (...) {
        return {};
    }
}

bool remove_shared_object(const std::string& name) noexcept
{
    if (bip::shared_memory_object::remove(name.c_str()))
        return true;
    // Boost renames the file before deleting it, which fails under Wine; nobody has it open
    // here (its last reader or writer just closed it), so a plain delete does.
    const std::string directory = shared_object_directory();
    std::error_code ignored;
    return !directory.empty() &&
           std::filesystem::remove(std::filesystem::path(directory) / name, ignored);
}

} // namespace multiproc::detail::os
