# Runs lumen-conformance and checks its verdict and what it printed (cmake -P, for CTest):
#   cmake -DRUNNER=<lumen-conformance> -DEXPECT=pass|fail|crash [-DFIND1=<text> ... -DFIND12=<text>]
#         -P expect_run.cmake -- <arguments of lumen-conformance...>
# EXPECT=fail wants exit status 1 (a crash or a usage error is not a verdict) and EXPECT=crash the
# status 2 of the crash reporter; every FINDn must appear verbatim in the output, and except after
# a crash, so must the summary line.
cmake_minimum_required(VERSION 3.25)

set(args "")
set(after_separator FALSE)
foreach(i RANGE ${CMAKE_ARGC})
  if(after_separator AND DEFINED CMAKE_ARGV${i})
    list(APPEND args "${CMAKE_ARGV${i}}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(after_separator TRUE)
  endif()
endforeach()

execute_process(COMMAND ${RUNNER} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
message("${out}${err}")

if(EXPECT STREQUAL "pass")
  set(wanted 0)
elseif(EXPECT STREQUAL "crash")
  set(wanted 2)
else()
  set(wanted 1)
endif()
if(NOT rc STREQUAL "${wanted}")
  message(FATAL_ERROR "lumen-conformance ${args} exited with '${rc}', expected ${wanted}")
endif()
if(NOT EXPECT STREQUAL "crash" AND NOT out MATCHES "\n[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?\n")
  message(FATAL_ERROR "no summary line 'N passed, N failed' in the output")
endif()
if(EXPECT STREQUAL "pass" AND NOT out MATCHES "\n[1-9][0-9]* passed, 0 failed")
  message(FATAL_ERROR "expected a passing summary")
endif()
foreach(n RANGE 1 12)
  if(DEFINED FIND${n})
    string(FIND "${out}" "${FIND${n}}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "the output lacks: ${FIND${n}}")
    endif()
  endif()
endforeach()
