# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
# check_output.cmake's rules against recorded outputs: each check_output_cases/<name>_pass_*.txt
# must pass against expected/<name>.txt and each <name>_fail_*.txt must fail (the queue's case
# queue_pass_two_puts_first.txt is a CI run's output that the line-by-line check once refused).
# Run with -DROOT=<repo>.

file(GLOB cases ${ROOT}/test/check_output_cases/*.txt)
set(failures "")
foreach(case ${cases})
  get_filename_component(name ${case} NAME_WE)
  string(REGEX MATCH "^([a-z_]+)_(pass|fail)_" _ "${name}")
  set(expected ${ROOT}/test/expected/${CMAKE_MATCH_1}.txt)
  set(outcome ${CMAKE_MATCH_2})
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DCOMMAND=cat -DARGS=${case} -DEXPECTED=${expected}
            -P ${ROOT}/test/check_output.cmake
    OUTPUT_VARIABLE said ERROR_VARIABLE said RESULT_VARIABLE result)
  if(outcome STREQUAL "pass" AND NOT result EQUAL 0)
    list(APPEND failures "${name}: refused:\n${said}")
  elseif(outcome STREQUAL "fail" AND result EQUAL 0)
    list(APPEND failures "${name}: accepted")
  endif()
endforeach()
list(LENGTH cases count)
if(count EQUAL 0)
  message(FATAL_ERROR "no cases in ${ROOT}/test/check_output_cases")
endif()
if(failures)
  string(REPLACE ";" "\n" failures "${failures}")
  message(FATAL_ERROR "${failures}")
endif()
message(STATUS "${count} recorded outputs judged as expected")
