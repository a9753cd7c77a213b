# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
# The rule for Asio in the public headers: only the headers whose operations take an executor
# or a completion token compile Asio (ASIO below); every other one (NO_ASIO) compiles without
# it, so a program that does not use Asio does not pay for it. Every public header is in one of
# the two lists: a new header must take a side. Run with -DROOT=<repo> -DCXX=<compiler>.

cmake_policy(SET CMP0057 NEW) # if(IN_LIST)
include(${CMAKE_CURRENT_LIST_DIR}/check_util.cmake)

set(ASIO async_pipe async_process async_queue async_result basic_pool imap_stream pool)
set(NO_ASIO config creation_tags error fork init listener pipe process queue shared_memory
    start_method sync task this_process wait)

file(GLOB headers RELATIVE ${ROOT}/include/multiproc ${ROOT}/include/multiproc/*.hpp)
set(failures "")
foreach(header ${headers})
  get_filename_component(name ${header} NAME_WE)
  if(name IN_LIST ASIO)
    continue()
  endif()
  if(NOT name IN_LIST NO_ASIO)
    list(APPEND failures "${header}: in neither list of test/header_rules.cmake")
    continue()
  endif()
  # -M: the files the header includes, after the preprocessor (nothing is compiled).
  execute_process(
    COMMAND ${CXX} -std=c++17 -M -I${ROOT}/include -x c++ ${ROOT}/include/multiproc/${header}
    OUTPUT_VARIABLE included ERROR_VARIABLE error RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    list(APPEND failures "${header}: does not preprocess on its own: ${error}")
  elseif(included MATCHES "boost/asio/")
    list(APPEND failures "${header}: includes Asio")
  endif()
endforeach()
# config.hpp first in every header: the platform and feature switches hold before anything.
file(GLOB_RECURSE all_headers ${ROOT}/include/*.hpp)
list(FILTER all_headers EXCLUDE REGEX "/detail/config.hpp$")
foreach(header ${all_headers})
  file(STRINGS ${header} includes REGEX "^#include ")
  if(NOT includes)
    continue() # a body included by its detail header (impl/)
  endif()
  list(GET includes 0 first)
  if(NOT first STREQUAL "#include <multiproc/detail/config.hpp>")
    list(APPEND failures "${header}: includes ${first} before multiproc/detail/config.hpp")
  endif()
endforeach()
fail_if_any(failures "header rules")
