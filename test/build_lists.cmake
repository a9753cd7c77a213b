# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
# Every .cpp file that CMakeLists.txt builds is named in Jamroot too, and the other way round.

foreach(dir source source/posix source/windows source/mpi example test test/posix test/windows)
  file(GLOB files RELATIVE ${ROOT} ${ROOT}/${dir}/*.cpp)
  list(APPEND all ${files})
endforeach()
file(READ ${ROOT}/Jamroot jamroot)
file(READ ${ROOT}/CMakeLists.txt cmakelists)
file(READ ${ROOT}/test/CMakeLists.txt test_cmakelists)
set(missing "")
foreach(file ${all})
  get_filename_component(name ${file} NAME_WE)
  get_filename_component(dir ${file} DIRECTORY)
  # Named as a path, or as a bare name in a list (test and example names).
  # Or as a path below test/ (test/CMakeLists.txt names posix/test_os.cpp).
  string(REGEX REPLACE "^test/" "" in_test "${file}")
  set(named "${file}|[^a-z_/]${name}(\\.cpp)?[^a-z_]|[^a-z_/]${in_test}")
  if(NOT jamroot MATCHES "${named}")
    list(APPEND missing "Jamroot: ${file}")
  endif()
  if(NOT "${cmakelists}${test_cmakelists}" MATCHES "${named}")
    list(APPEND missing "CMakeLists.txt: ${file}")
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "files not built by both build systems:\n${missing}")
endif()
