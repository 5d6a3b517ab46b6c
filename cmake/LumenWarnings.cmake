# Warnings as errors on lumen's own targets only (dependencies come in as SYSTEM includes).
function(lumen_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  # GCC 12 at -O3 reports impossible overlaps in std::string concatenation and assignment
  # (GCC bug 105651, a false positive); it is off for that compiler only.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
