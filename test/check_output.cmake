# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
# Runs COMMAND ARGS with stdout captured through a pipe and checks each line against the
# regular expression on the same line of EXPECTED; the counts must match too.
# Usage: cmake -DCOMMAND=exe "-DARGS=a;b" -DEXPECTED=file [-DEMULATOR=wine] -P check_output.cmake
#        cmake -DCOMMAND=exe "-DARGS=a;b" -DEXPECT_FAILURE=regex -P check_output.cmake
# Windows line ends (\r\n) count as plain ones.

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
message(STATUS "${COMMAND} ${ARGS}: ${actual_count} lines as expected")
