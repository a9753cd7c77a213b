# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
# Runs COMMAND ARGS with stdout captured through a pipe and checks each line against the
# regular expression on the same line of EXPECTED; the counts must match too.
# Usage: cmake -DCOMMAND=exe "-DARGS=a;b" -DEXPECTED=file [-DEMULATOR=wine] [-DWORKERS=n|cpu]
#              -P check_output.cmake
#        cmake -DCOMMAND=exe "-DARGS=a;b" -DEXPECT_FAILURE=regex -P check_output.cmake
# Windows line ends (\r\n) count as plain ones.
cmake_minimum_required(VERSION 3.16)

if(DEFINED EXPECT_FAILURE)
  # -DEXPECT_FAILURE=regex: the command must exit with a non-zero status (not time out) and
  # say something its stdout or stderr matches.
  execute_process(COMMAND ${EMULATOR} ${COMMAND} ${ARGS}
    OUTPUT_VARIABLE output ERROR_VARIABLE errors RESULT_VARIABLE result TIMEOUT 50)
  if(NOT result MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "${COMMAND} ${ARGS}: expected a failure, got '${result}':\n${output}${errors}")
  endif()
  if(NOT "${output}${errors}" MATCHES "${EXPECT_FAILURE}")
    message(FATAL_ERROR "${COMMAND} ${ARGS} failed without saying '${EXPECT_FAILURE}':\n${output}${errors}")
  endif()
  message(STATUS "${COMMAND} ${ARGS} failed as expected (${result})")
  return()
endif()

execute_process(COMMAND ${EMULATOR} ${COMMAND} ${ARGS}
  OUTPUT_VARIABLE output RESULT_VARIABLE result TIMEOUT 50)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${COMMAND} ${ARGS} exited with ${result}; output:\n${output}")
endif()
file(STRINGS ${EXPECTED} patterns)
string(REPLACE "\r" "" output "${output}")
string(REGEX REPLACE "\n$" "" output "${output}")
string(REPLACE ";" "\\;" output "${output}")
string(REPLACE "\n" ";" lines "${output}")
list(LENGTH patterns expected_count)
list(LENGTH lines actual_count)
if(NOT expected_count EQUAL actual_count)
  message(FATAL_ERROR "expected ${expected_count} lines, got ${actual_count}:\n${output}")
endif()
math(EXPR last "${expected_count} - 1")
foreach(i RANGE ${last})
  list(GET patterns ${i} pattern)
  list(GET lines ${i} line)
  if(NOT line MATCHES "${pattern}")
    message(FATAL_ERROR "line ${i}: '${line}' does not match '${pattern}'; output:\n${output}")
  endif()
endforeach()

# The seed's pool tasks, whose lines interleave by timing: each task runs once and says so
# before it says how long it ran. With -DWORKERS=n (cpu: this machine's count, the size of a
# default pool), at most n run at a time, and tasks 0 to n-1 each in a worker of its own.
if(WORKERS STREQUAL "cpu")
  execute_process(COMMAND getconf _NPROCESSORS_ONLN OUTPUT_VARIABLE WORKERS
    OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    cmake_host_system_information(RESULT WORKERS QUERY NUMBER_OF_LOGICAL_CORES)
  endif()
endif()
set(running 0)
set(first_workers "")
foreach(line IN LISTS lines)
  if(line MATCHES "^Run task ([0-9]+) \\(([0-9]+)\\)")
    set(task ${CMAKE_MATCH_1})
    set(pid ${CMAKE_MATCH_2})
    if(DEFINED ran_${task})
      message(FATAL_ERROR "task ${task} ran twice; output:\n${output}")
    endif()
    set(ran_${task} 1)
    math(EXPR running "${running} + 1")
    if(DEFINED WORKERS AND task LESS WORKERS)
      if(pid IN_LIST first_workers)
        message(FATAL_ERROR "task ${task} shared a worker with an earlier one; output:\n${output}")
      endif()
      list(APPEND first_workers ${pid})
    endif()
  elseif(line MATCHES "^Task ([0-9]+) runs")
    if(NOT DEFINED ran_${CMAKE_MATCH_1} OR DEFINED ended_${CMAKE_MATCH_1})
      message(FATAL_ERROR "task ${CMAKE_MATCH_1} ended without running once; output:\n${output}")
    endif()
    set(ended_${CMAKE_MATCH_1} 1)
    math(EXPR running "${running} - 1")
  endif()
  if(DEFINED WORKERS AND running GREATER WORKERS)
    message(FATAL_ERROR "more than ${WORKERS} tasks ran at once; output:\n${output}")
  endif()
endforeach()
message(STATUS "${COMMAND} ${ARGS}: ${actual_count} lines as expected")
