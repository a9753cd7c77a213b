# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
# Fails, naming the files, if any C++ file is not as clang-format would write it.

file(GLOB_RECURSE files RELATIVE ${ROOT}
  ${ROOT}/include/*.hpp ${ROOT}/source/*.hpp ${ROOT}/source/*.cpp ${ROOT}/test/*.hpp
  ${ROOT}/test/*.cpp ${ROOT}/example/*.cpp ${ROOT}/bench/*.cpp ${ROOT}/fuzz/*.cpp)
set(unformatted "")
foreach(file ${files})
  execute_process(COMMAND ${CLANG_FORMAT} --dry-run -Werror ${file}
    WORKING_DIRECTORY ${ROOT} RESULT_VARIABLE result OUTPUT_QUIET ERROR_QUIET)
  if(NOT result EQUAL 0)
    list(APPEND unformatted ${file})
  endif()
endforeach()
if(unformatted)
  message(FATAL_ERROR "not clang-formatted (run clang-format -i on them):\n${unformatted}")
endif()
