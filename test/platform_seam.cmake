# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
# The one platform seam: no conditional on the operating system in a portable file. Such
# conditionals belong in the os.hpp and config.hpp headers, test/test_os.hpp and the posix/
# and windows/ folders. Feature tests (coroutines, sanitizers, MULTIPROC_HAS_FORK: whether the
# API has fork) are not the platform. Run with -DROOT=<repo>.
cmake_minimum_required(VERSION 3.16)
include(${CMAKE_CURRENT_LIST_DIR}/check_util.cmake)

set(platform_macros
  _WIN32 _WIN64 WIN32 __CYGWIN__ __MINGW32__ __MINGW64__ _MSC_VER __linux__ __linux
  __gnu_linux__ __unix__ __unix __APPLE__ __MACH__ __FreeBSD__ __NetBSD__ __OpenBSD__
  MULTIPROC_WINDOWS MULTIPROC_POSIX BOOST_WINDOWS BOOST_WINDOWS_API BOOST_POSIX_API
  "BOOST_OS_[A-Z0-9_]+" "BOOST_PLAT_[A-Z0-9_]+")
string(REPLACE ";" "|" platform_macros "${platform_macros}")
# A whole name: _WIN32, not MY_WIN32_FLAG.
set(platform_name "(^|[^A-Za-z0-9_])(${platform_macros})([^A-Za-z0-9_]|$)")

file(GLOB_RECURSE files RELATIVE ${ROOT}
  ${ROOT}/include/*.hpp ${ROOT}/include/*.ipp ${ROOT}/source/*.cpp ${ROOT}/source/*.hpp
  ${ROOT}/test/*.cpp ${ROOT}/test/*.hpp ${ROOT}/example/*.cpp ${ROOT}/example/*.hpp
  ${ROOT}/bench/*.cpp ${ROOT}/bench/*.hpp ${ROOT}/fuzz/*.cpp ${ROOT}/fuzz/*.hpp)
list(FILTER files EXCLUDE REGEX "(^|/)(posix|windows)/|(^|/)(os|config)\\.hpp$|^test/test_os\\.hpp$")
set(failures "")
foreach(file ${files})
  file(READ ${ROOT}/${file} text)
  # #if, #ifdef, #ifndef, #elif, #elifdef..., each with its continuation lines.
  string(REGEX MATCHALL "(^|\n)[ \t]*#[ \t]*(el)?if([^\\\\\n]|\\\\.)*" conditionals "${text}")
  set(searched 0) # where the next conditional is, in text: to give its line
  foreach(conditional ${conditionals})
    string(SUBSTRING "${text}" ${searched} -1 rest)
    string(FIND "${rest}" "${conditional}" at)
    string(LENGTH "${conditional}" length)
    math(EXPR start "${searched} + ${at}")
    math(EXPR searched "${start} + ${length}")
    if(conditional MATCHES "${platform_name}")
      math(EXPR start "${start} + 1") # with the newline the conditional may start with
      string(SUBSTRING "${text}" 0 ${start} before)
      string(REGEX MATCHALL "\n" newlines "${before}")
      list(LENGTH newlines line)
      math(EXPR line "${line} + 1")
      string(STRIP "${conditional}" conditional)
      list(APPEND failures "${file}:${line}: ${conditional}")
    endif()
  endforeach()
endforeach()
fail_if_any(failures "platform conditionals outside the seam (os.hpp, config.hpp, test_os.hpp, \
posix/, windows/)")
list(LENGTH files count)
message(STATUS "${count} files: no platform conditional outside the seam")
