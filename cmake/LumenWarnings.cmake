# Warnings as errors on lumen's own targets only (dependencies come in as SYSTEM includes).
function(lumen_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
