# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#
# `cmake --install`: the headers, the library, a CMake package (find_package(multiproc CONFIG))
# and a pkg-config file. Included by CMakeLists.txt when MULTIPROC_INSTALL is on.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(multiproc_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/multiproc)

install(TARGETS multiproc EXPORT multiprocTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/multiproc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES include/multiproc.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}) # the umbrella
install(EXPORT multiprocTargets NAMESPACE multiproc:: DESTINATION ${multiproc_cmake_dir})

# The MPI pool, when built: multiproc::mpi, in a targets file of its own that the package loads
# only for find_package(multiproc CONFIG COMPONENTS mpi), so other users need no MPI.
if(MULTIPROC_WITH_MPI)
  install(TARGETS multiproc_mpi EXPORT multiprocMpiTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT multiprocMpiTargets NAMESPACE multiproc:: DESTINATION ${multiproc_cmake_dir})
endif()

configure_package_config_file(cmake/multiprocConfig.cmake.in
  ${PROJECT_BINARY_DIR}/multiprocConfig.cmake INSTALL_DESTINATION ${multiproc_cmake_dir})
# 0.x: a minor version may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/multiprocConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/multiprocConfig.cmake
              ${PROJECT_BINARY_DIR}/multiprocConfigVersion.cmake
        DESTINATION ${multiproc_cmake_dir})

# pkg-config: the prefix is found from the .pc file's own place, so the install can move.
set(multiproc_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH MULTIPROC_PC_PREFIX_FROM_PCDIR /prefix/${multiproc_pc_dir} /prefix)
string(REGEX REPLACE "/$" "" MULTIPROC_PC_PREFIX_FROM_PCDIR "${MULTIPROC_PC_PREFIX_FROM_PCDIR}")
# libcrypto in Libs, not Requires.private: a static libmultiproc needs it without --static.
set(MULTIPROC_PC_PLATFORM_LIBS " -lcrypto")
if(WIN32)
  set(MULTIPROC_PC_PLATFORM_LIBS " -lws2_32 -lmswsock -lbcrypt")
endif()
configure_file(cmake/multiproc.pc.in ${PROJECT_BINARY_DIR}/multiproc.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/multiproc.pc DESTINATION ${multiproc_pc_dir})
