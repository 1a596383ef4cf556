# Every dependency comes from Debian bookworm packages (scripts/setup).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(Boost 1.81 REQUIRED)
find_package(simdjson REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(absl REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)  # libcrypto: SHA-256 of API tokens and of the audit chain
find_package(ZLIB REQUIRED)     # gzip bodies: Splunk HEC, CloudTrail log files
find_package(CURL REQUIRED)     # outbound HTTPS: SNS subscription confirmation
find_package(date REQUIRED)     # date::date-tz: IANA time zones from the OS tz database
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
if(ALERTD_JEMALLOC AND NOT ALERTD_SANITIZE)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()

# moodycamel ConcurrentQueue is header-only (libconcurrentqueue-dev).
find_path(CONCURRENTQUEUE_INCLUDE_DIR concurrentqueue/concurrentqueue.h REQUIRED)
add_library(concurrentqueue INTERFACE)
target_include_directories(concurrentqueue SYSTEM INTERFACE ${CONCURRENTQUEUE_INCLUDE_DIR})

if(ALERTD_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(ALERTD_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
