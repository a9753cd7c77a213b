// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_CONFIG_HPP
#define MULTIPROC_DETAIL_CONFIG_HPP

// Platform switches used by the public headers. No system header is included here (Boost.Config
// includes none): public headers stay free of <windows.h> and <unistd.h>.
// Every platform choice of the public headers is made here: the platform, the features it has,
// and MULTIPROC_OS_HEADER(name.hpp), the platform's own detail header of that name
// (multiproc/detail/posix/ or multiproc/detail/windows/), for `#include MULTIPROC_OS_HEADER(...)`.
#if defined(_WIN32)
#define MULTIPROC_WINDOWS 1
#define MULTIPROC_OS_HEADER(name) <multiproc/detail/windows/name>
#else
#define MULTIPROC_POSIX 1
#define MULTIPROC_OS_HEADER(name) <multiproc/detail/posix/name>
/// fork() without exec: multiproc::fork and start_method::fork.
#define MULTIPROC_HAS_FORK 1
#endif

#include <boost/config.hpp>

// MULTIPROC_DECL marks the compiled API, the Boost way: exported while the library itself is
// built (MULTIPROC_SOURCE), imported by its users, and empty unless the library is a shared one
// (MULTIPROC_DYN_LINK or BOOST_ALL_DYN_LINK), so a DLL exports exactly the API and a
// -fvisibility=hidden build keeps the rest hidden.
#if defined(MULTIPROC_DYN_LINK) || defined(BOOST_ALL_DYN_LINK)
#if defined(MULTIPROC_SOURCE)
#define MULTIPROC_DECL BOOST_SYMBOL_EXPORT
#else
#define MULTIPROC_DECL BOOST_SYMBOL_IMPORT
#endif
#else
#define MULTIPROC_DECL
#endif

namespace multiproc::detail {
#if defined(MULTIPROC_WINDOWS)
inline constexpr bool on_windows = true;
#else
inline constexpr bool on_windows = false;
#endif
} // namespace multiproc::detail

#if __cplusplus >= 202002L && defined(__cpp_impl_coroutine)
#define MULTIPROC_HAS_COROUTINES 1
#endif

#endif
