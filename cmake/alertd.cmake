# Project-wide compile options and the helpers every module folder uses.

add_library(alertd_options INTERFACE)
target_compile_options(alertd_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                -Wnon-virtual-dtor -Wno-missing-field-initializers)
if(ALERTD_WERROR)
  target_compile_options(alertd_options INTERFACE -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # GCC 12 at -O2 and above flags `"literal" + std::string` inside libstdc++
  # with a false -Wrestrict (GCC bug 105651, fixed in 13), which -Werror
  # would make fatal in every Release build on bookworm.
  target_compile_options(alertd_options INTERFACE -Wno-restrict)
endif()
if(ALERTD_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ALERTD_BUILD_FUZZ needs clang (CXX=clang++-14), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  # Coverage feedback for libFuzzer in every library; the fuzz targets link
  # the driver (tests/fuzz). The sanitizers come with it.
  target_compile_options(alertd_options INTERFACE -fsanitize=fuzzer-no-link)
  set(ALERTD_SANITIZE ON)
endif()
if(ALERTD_SANITIZE)
  # -O1 keeps sanitized test runs fast enough for CI on two cores.
  target_compile_options(alertd_options INTERFACE -O1 -fsanitize=address,undefined
                                                  -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(alertd_options INTERFACE -fsanitize=address,undefined)
endif()
# Includes are by path from the repository root: "core/labels.h".
target_include_directories(alertd_options INTERFACE ${PROJECT_SOURCE_DIR})

# alertd_library(NAME SOURCES ... DEPS ...): one static library per module folder.
# DEPS lists the project modules and third-party targets it may use; the
# include direction of DESIGN.md §2 is kept by listing only allowed modules.
function(alertd_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC alertd_options ${ARG_DEPS})
endfunction()

# alertd_unit_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered with CTest.
function(alertd_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE alertd_options ${ARG_DEPS} GTest::gtest GTest::gtest_main
                                        GTest::gmock)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()
