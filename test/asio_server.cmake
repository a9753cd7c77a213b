# Copyright (c) 2026 The multiproc authors. Distributed under the Boost Software License, 1.0.
#
# Runs example/asio_server with its stdout piped into test/asio_server_client, which drives it
# with concurrent clients and checks every answer (see there). Both must exit with 0.
#   cmake -DSERVER=... -DCLIENT=... [-DEMULATOR=...] -P asio_server.cmake
execute_process(
  COMMAND ${EMULATOR} ${SERVER} --workers 2
  COMMAND ${EMULATOR} ${CLIENT}
  RESULTS_VARIABLE results
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors
  TIMEOUT 150)
message("${output}${errors}")
if(NOT results STREQUAL "0;0")
  message(FATAL_ERROR "asio_server test failed: exit statuses (server;client) ${results}")
endif()
