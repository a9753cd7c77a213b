# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
# Cross build for 64-bit Windows with Debian's mingw-w64 (posix thread model: std::thread and
# std::mutex work) and Boost from scripts/mingw-boost:
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake \
#         -DMULTIPROC_MINGW_BOOST=$(scripts/mingw-boost)
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

set(MULTIPROC_MINGW_BOOST "" CACHE PATH "Prefix printed by scripts/mingw-boost")
# Only the mingw sysroot and that prefix: Linux headers and libraries are never picked up.
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 ${MULTIPROC_MINGW_BOOST})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
if(MULTIPROC_MINGW_BOOST)
  set(Boost_DIR ${MULTIPROC_MINGW_BOOST}/lib/cmake/Boost-1.81.0 CACHE PATH "" FORCE)
endif()

# Static runtime: Wine (and a bare Windows) need no MinGW DLLs next to the programs. A DLL build
# (-DBUILD_SHARED_LIBS=ON) keeps the runtime in its DLLs instead, so that the programs and
# libmultiproc.dll share one C++ runtime; they find them on PATH (WINEPATH under Wine).
if(NOT BUILD_SHARED_LIBS)
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
endif()
