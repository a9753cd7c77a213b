// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_NAMED_HANDLE_HPP
#define MULTIPROC_DETAIL_NAMED_HANDLE_HPP

// What shared memory and the synchronisation objects have in common: a handle on one named
// block of shared memory, created with `create_only` or attached with `open_only` (the tags
// of Boost.Interprocess), passed to child processes through Boost.Serialization by name.

#include <multiproc/detail/config.hpp>

#include <multiproc/creation_tags.hpp>
#include <multiproc/error.hpp>

#include <multiproc/detail/handles.hpp>

#include <boost/serialization/string.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace multiproc {
namespace detail {

class segment;

/// What a named block holds; opening it as another kind fails with `errc::invalid_argument`.
enum class segment_kind : std::uint32_t
{
    memory = 1,
    mutex,
    recursive_mutex,
    semaphore,
    bounded_semaphore,
    event,
    condition,
    barrier,
    worker_rings, // a pool worker's task and result rings (internal)
    queue,        // a queue's slots (internal)
};

/// A handle on one named block. Copies share it. The process that created the block removes
/// its name when its last handle goes; other processes' handles only unmap.
class MULTIPROC_DECL named_handle : public plain_serialization<named_handle>
{
public:
    /// The system-wide name (`mp_<pid>_<hex>_<n>`); empty for an empty handle.
    const std::string& name() const noexcept;
    /// False for a default-constructed (empty) handle.
    explicit operator bool() const noexcept { return segment_ != nullptr; }

    /// Removes a name now, so that nobody can attach any more; mappings stay valid. False if
    /// there was no such name. On Windows a name lives exactly as long as some process has it
    /// open: this does nothing and returns false.
    static bool remove(const std::string& name) noexcept;

    /// Saves the name; loading attaches to the object by that name (throws `system_error` if
    /// it is gone). This is how a handle reaches a spawned child.
    template <class Archive>
    void serialize(Archive& ar, unsigned)
    {
        std::string saved = name();
        ar& saved;
        if constexpr (Archive::is_loading::value) {
            error_code ec;
            if (saved.empty())
                segment_.reset();
            else
                open(saved, ec);
            throw_if(ec, "multiproc: attaching to a shared object by name");
        }
    }

protected:
    explicit named_handle(segment_kind kind) noexcept : kind_(kind) {}
    /// Attaches to the block called `name`.
    void open(const std::string& name, error_code& ec);
    void* payload() const noexcept;
    std::size_t payload_size() const noexcept;

    std::shared_ptr<segment> segment_;
    segment_kind kind_;
};

} // namespace detail
} // namespace multiproc

#endif
