# LUMEN_SANITIZE: a comma-separated list of sanitizers, `address,undefined` or `thread`, with
# which every target of the build is compiled and linked (scripts/test.sh --sanitize, --tsan).
# The core and its plugins must agree on it, like on every other flag; lumen::core passes the
# link flag on, so that an executable built against an installed sanitizer build loads the
# sanitizer's run-time library first, as it must.
set(LUMEN_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined or thread")
# Instrumented programs run several times slower: tests with a time limit multiply it by this.
set(LUMEN_TIMEOUT_FACTOR 1)

if(LUMEN_SANITIZE)
  if(NOT LUMEN_SANITIZE MATCHES "^(address,undefined|address|undefined|thread)$")
    message(FATAL_ERROR "LUMEN_SANITIZE='${LUMEN_SANITIZE}': expected address,undefined, "
                        "address, undefined or thread")
  endif()
  # -g1: line numbers in the reports, at little cost to the build. -O1 (after the build type's
  # -O3, so it wins): what the sanitizers' authors recommend, and instrumented code at -O3 takes
  # far longer to compile for tests that run no faster under the sanitizers' own overhead.
  add_compile_options(-fsanitize=${LUMEN_SANITIZE} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g1 -O1)
  add_link_options(-fsanitize=${LUMEN_SANITIZE})
  if(LUMEN_SANITIZE STREQUAL "thread")
    set(LUMEN_TIMEOUT_FACTOR 10)
  else()
    set(LUMEN_TIMEOUT_FACTOR 4)
  endif()
endif()

# Called on lumen_core once it exists.
function(lumen_sanitize_interface target)
  if(LUMEN_SANITIZE)
    target_link_options(${target} INTERFACE -fsanitize=${LUMEN_SANITIZE})
  endif()
endfunction()
