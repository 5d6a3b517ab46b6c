# lumen_check_runpaths(FILES...): fails unless every RUNPATH/RPATH entry of every ELF file is an
# absolute path or starts with $ORIGIN. The dynamic loader reads an empty entry (a stray ':') or
# a relative one against the current directory, so a library placed there would be loaded.
function(lumen_check_runpaths)
  find_program(READELF readelf REQUIRED)
  foreach(file ${ARGN})
    execute_process(COMMAND ${READELF} -d ${file} OUTPUT_VARIABLE dynamic ERROR_QUIET
                    RESULT_VARIABLE status)
    if(NOT status EQUAL 0)
      continue()  # not an ELF file (a script beside the binaries)
    endif()
    string(REGEX MATCHALL "R(UN)?PATH\\)[^\n]*\\[[^]\n]*\\]" searches "${dynamic}")
    foreach(search ${searches})
      string(REGEX REPLACE ".*\\[(.*)\\]" "\\1" paths "${search}")
      # Split on ':' keeping empty entries: a ';' list would drop them.
      string(REPLACE ":" ";" entries "x${paths}x")
      foreach(entry ${entries})
        string(REGEX REPLACE "^x|x$" "" entry "${entry}")
        if(entry STREQUAL "" OR NOT entry MATCHES "^(/|\\$ORIGIN)")
          message(FATAL_ERROR "${file}: run-time search path '${paths}' has an empty or relative "
                              "entry '${entry}', which the loader resolves against the current "
                              "directory")
        endif()
      endforeach()
    endforeach()
  endforeach()
endfunction()

# Run as a script (cmake -DBUILD_DIR=... -P runpath.cmake): the build tree's binaries and plugins.
if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE AND DEFINED BUILD_DIR)
  file(GLOB files ${BUILD_DIR}/bin/* ${BUILD_DIR}/lib/*.so* ${BUILD_DIR}/plugins/*.so)
  list(LENGTH files count)
  if(count LESS 3)
    message(FATAL_ERROR "no binaries found under ${BUILD_DIR}")
  endif()
  lumen_check_runpaths(${files})
  message(STATUS "${count} files: every run-time search path entry is absolute or $ORIGIN")
endif()
