// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_INHERITANCE_HPP
#define MULTIPROC_DETAIL_INHERITANCE_HPP

// The handles a spawned child inherits: what the encoding of its arguments records.

#include <multiproc/detail/config.hpp>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace multiproc::detail {

/// OS handles that arguments encoded for a spawned child need there (a pipe's connection), with
/// what keeps each open until the child has been started.
struct inherited_handles
{
    std::vector<std::intptr_t> handles;
    std::vector<std::shared_ptr<const void>> keep_alive;
};

/// While one lives on this thread, `inherit_handle` records into it: the process constructor
/// opens one around the encoding of its arguments.
class MULTIPROC_DECL inheritance_scope
{
public:
    inheritance_scope() noexcept;
    ~inheritance_scope();
    inheritance_scope(const inheritance_scope&) = delete;
    inheritance_scope& operator=(const inheritance_scope&) = delete;
    inherited_handles take() noexcept { return std::move(collected_); }

private:
    friend bool inherit_handle(std::intptr_t, std::shared_ptr<const void>);
    inherited_handles collected_;
    inheritance_scope* previous_;
};

/// Records a handle the child being encoded for needs; false outside an inheritance scope.
MULTIPROC_DECL bool inherit_handle(std::intptr_t handle, std::shared_ptr<const void> keep_alive);

} // namespace multiproc::detail

#endif
