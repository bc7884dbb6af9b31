# SPDX-License-Identifier: Apache-2.0
# sov_settings carries warnings and flags; every target links it PRIVATE.
add_library(sov_settings INTERFACE)
target_compile_options(sov_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Werror=unused-result)
target_include_directories(sov_settings INTERFACE ${PROJECT_SOURCE_DIR})
if(SOV_WERROR)
  target_compile_options(sov_settings INTERFACE -Werror)
endif()
if(SOV_FUZZ)
  # Instrument every library for coverage, not only the fuzz target's own file.
  target_compile_options(sov_settings INTERFACE -fsanitize=fuzzer-no-link,address,undefined)
  target_link_options(sov_settings INTERFACE -fsanitize=address,undefined)
endif()
if(SOV_SANITIZE)
  target_compile_options(sov_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(sov_settings INTERFACE -fsanitize=address,undefined)
endif()

# sov_module(NAME SOURCES... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Declares the library sov_NAME with alias sov::NAME.
function(sov_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(sov_${name} STATIC ${ARG_SOURCES})
  add_library(sov::${name} ALIAS sov_${name})
  target_include_directories(sov_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(sov_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE sov_settings ${ARG_PRIVATE_DEPS})
endfunction()
