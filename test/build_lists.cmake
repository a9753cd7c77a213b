# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
# Both build systems build every .cpp file under source/, example/, test/ and bench/ (every
# folder, new ones too), and the same files into the test program.
#   cmake -DROOT=<repository> -DB2=<b2> [-DTARGET_OS=windows] -DCMAKE_FILES=<dir>
#         -P build_lists.cmake
# b2's side is what b2 would compile (b2 -n builds nothing). CMake's is the sources of the
# targets this build defines (<dir>/all.txt, <dir>/test_program.txt, written by
# test/CMakeLists.txt); a target behind an option that is off (the benchmarks, the MPI pool)
# counts when the nearest CMakeLists.txt names its file.
cmake_minimum_required(VERSION 3.16)
include(${CMAKE_CURRENT_LIST_DIR}/check_util.cmake)

file(GLOB_RECURSE tree RELATIVE ${ROOT}
  ${ROOT}/source/*.cpp ${ROOT}/example/*.cpp ${ROOT}/test/*.cpp ${ROOT}/bench/*.cpp)
# Projects of their own, built against an install (scripts/test-consumers.sh).
list(FILTER tree EXCLUDE REGEX "^test/consumer/")
file(READ ${CMAKE_FILES}/all.txt cmake_all)
file(READ ${CMAKE_FILES}/test_program.txt cmake_test_program)

if(NOT B2)
  message(FATAL_ERROR "b2 not found (Debian: libboost1.81-tools-dev)")
endif()
# The .cpp files b2 would compile for TARGETS, sorted.
function(b2_sources out)
  execute_process(COMMAND ${B2} -n -a --build-dir=${CMAKE_FILES}/b2 ${ARGN}
    WORKING_DIRECTORY ${ROOT} OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "b2 -n ${ARGN} failed:\n${output}")
  endif()
  string(REGEX MATCHALL "\"[^\"]*\\.cpp\"" files "${output}")
  string(REPLACE "\"" "" files "${files}")
  list(REMOVE_DUPLICATES files)
  list(SORT files)
  set(${out} ${files} PARENT_SCOPE)
endfunction()
b2_sources(b2_all . test mpi test//mpi multiproc_bench mpi_bench)
b2_sources(b2_windows target-os=windows multiproc test//multiproc_test)
list(APPEND b2_all ${b2_windows})
if(TARGET_OS)
  b2_sources(b2_test_program target-os=${TARGET_OS} test//multiproc_test)
else()
  b2_sources(b2_test_program test//multiproc_test)
endif()

set(missing "")
foreach(file ${tree})
  if(NOT file IN_LIST b2_all)
    list(APPEND missing "b2: ${file}")
  endif()
  if(NOT file IN_LIST cmake_all)
    # Named in the nearest CMakeLists.txt, by its path from there?
    get_filename_component(dir ${file} DIRECTORY)
    while(dir AND NOT EXISTS ${ROOT}/${dir}/CMakeLists.txt)
      get_filename_component(dir ${dir} DIRECTORY)
    endwhile()
    file(READ ${ROOT}/${dir}/CMakeLists.txt cmakelists)
    file(RELATIVE_PATH named ${ROOT}/${dir} ${ROOT}/${file})
    string(REPLACE "." "\\." named "${named}")
    if(NOT cmakelists MATCHES "(^|[ (\n])${named}[ )\n]")
      list(APPEND missing "CMake: ${file}")
    endif()
  endif()
endforeach()
fail_if_any(missing "files one build system does not build")

list(REMOVE_DUPLICATES cmake_test_program)
list(SORT cmake_test_program)
if(NOT cmake_test_program STREQUAL b2_test_program)
  set(only_cmake ${cmake_test_program})
  list(REMOVE_ITEM only_cmake ${b2_test_program})
  set(only_b2 ${b2_test_program})
  list(REMOVE_ITEM only_b2 ${cmake_test_program})
  message(FATAL_ERROR "the test program (with its library and the children it spawns) differs:\n"
                      "  only in CMake: ${only_cmake}\n  only in b2: ${only_b2}")
endif()
list(LENGTH tree count)
list(LENGTH b2_test_program test_count)
message(STATUS "${count} files in both builds; ${test_count} in the test program in both")
