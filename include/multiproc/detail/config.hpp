// Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#ifndef MULTIPROC_DETAIL_CONFIG_HPP
#define MULTIPROC_DETAIL_CONFIG_HPP

// Platform switches used by the public headers. No system header is included here: public
// headers stay free of <windows.h> and <unistd.h>.
#if defined(_WIN32)
#define MULTIPROC_WINDOWS 1
#else
#define MULTIPROC_POSIX 1
#endif

#if __cplusplus >= 202002L && defined(__cpp_impl_coroutine)
#define MULTIPROC_HAS_COROUTINES 1
#endif

#endif
