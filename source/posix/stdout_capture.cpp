// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.

#include "../detail/os.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace multiproc::detail::os {

stdout_capture::stdout_capture(error_code& ec)
{
    ec.clear();
    int ends[2] = {-1, -1};
    original_ = ::dup(STDOUT_FILENO);
    if (original_ >= 0 && ::pipe(ends) == 0 && ::fcntl(ends[0], F_SETFL, O_NONBLOCK) == 0 &&
        ::dup2(ends[1], STDOUT_FILENO) >= 0) {
        ::close(ends[1]); // stdout is the write end now
        read_end_ = ends[0];
        return;
    }
    ec = error_code(errno, boost::system::system_category());
    for (const int fd : {ends[0], ends[1], original_})
        if (fd >= 0)
            ::close(fd);
    original_ = -1;
}

stdout_capture::~stdout_capture()
{
    if (original_ < 0)
        return;
    ::dup2(original_, STDOUT_FILENO);
    ::close(original_);
    ::close(read_end_);
}

std::size_t stdout_capture::read_some(char* data, std::size_t size) noexcept
{
    const ssize_t n = ::read(read_end_, data, size);
    return n > 0 ? static_cast<std::size_t>(n) : 0; // EAGAIN: nothing more for now
}

} // namespace multiproc::detail::os
