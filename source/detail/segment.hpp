// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_SOURCE_DETAIL_SEGMENT_HPP
#define MULTIPROC_SOURCE_DETAIL_SEGMENT_HPP

// One named block of shared memory, mapped (os::shared_mapping), with a header that says what
// it holds: the body of every shared_memory and synchronisation handle.

#include <multiproc/detail/named_handle.hpp>
#include <multiproc/this_process.hpp>

#include "os.hpp"

#include <boost/interprocess/exceptions.hpp>

#include <memory>
#include <string>

namespace multiproc::detail {

class segment
{
public:
    /// A new block under a fresh name, with `payload_size` zero bytes after its header.
    static std::shared_ptr<segment> create(segment_kind kind, std::size_t payload_size,
                                           error_code& ec);
    /// Attaches to `name`; `errc::invalid_argument` if it is not a block of this kind.
    static std::shared_ptr<segment> open(segment_kind kind, const std::string& name,
                                         error_code& ec);
    static bool remove(const std::string& name) noexcept;

    segment(const segment&) = delete;
    segment& operator=(const segment&) = delete;
    /// Unmaps; in the creating process, also removes the name.
    ~segment();

    const std::string& name() const noexcept { return name_; }
    void* payload() const noexcept { return payload_; }
    std::size_t payload_size() const noexcept { return payload_size_; }

private:
    segment() = default;

    std::string name_;
    pid_type owner_ = 0; // the creating process; 0 if attached by name
    std::unique_ptr<os::shared_mapping> mapping_;
    void* payload_ = nullptr; // in mapping_: every lock and unlock asks for it
    std::size_t payload_size_ = 0;
};

/// The error code of a Boost.Interprocess exception: the system's when it has one; a lock
/// whose holder died (`not_recoverable`, from the queue's arena) is `error::lock_broken`.
error_code to_error_code(const boost::interprocess::interprocess_exception& e) noexcept;

} // namespace multiproc::detail

#endif
