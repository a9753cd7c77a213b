# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
# What the tree checks written in CMake script share (include()d by header_rules.cmake,
# build_lists.cmake, platform_seam.cmake).

# Fails the check when the list named `var` is not empty: `title`, then one entry a line.
function(fail_if_any var title)
  if(${var})
    string(REPLACE ";" "\n  " lines "${${var}}")
    message(FATAL_ERROR "${title}:\n  ${lines}")
  endif()
endfunction()
