# Benchmark programs: every bench/*.cc is one executable named after its file (murr_bench.cc ->
# murr_bench), plus murr_compare and murr_soak. They are not part of `all` but of the
# bench_programs target, which `make build` (and so `make bench`, `make run`) builds and
# `make test` does not: no test runs them, and they are a minute of a 2-core build. The sanitizer
# build leaves them out altogether (MURR_BENCH_PROGRAMS=OFF) but keeps murr_compare_lib, which
# the tests in tests/compare/ use.
include(${CMAKE_SOURCE_DIR}/bench/compare/compare.cmake)
if(NOT MURR_BENCH_PROGRAMS)
  return()
endif()
file(GLOB MURR_BENCH_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bench/*.cc)
add_custom_target(bench_programs)
foreach(src ${MURR_BENCH_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} EXCLUDE_FROM_ALL ${src})
  target_link_libraries(${name} PRIVATE murr)
  add_dependencies(bench_programs ${name})
endforeach()
target_compile_definitions(sync_bench PRIVATE MURR_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_executable(murr_compare EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/bench/compare/main.cc)
add_dependencies(bench_programs murr_compare)
target_link_libraries(murr_compare PRIVATE murr_compare_lib)
# The Murr backends start the real server program, found next to murr_compare.
add_dependencies(murr_compare murr_server)
# http_bench and flight_bench use the harness's HTTP client.
target_link_libraries(http_bench PRIVATE murr_compare_lib)
target_link_libraries(flight_bench PRIVATE murr_compare_lib)
target_link_libraries(key_type_bench PRIVATE murr_compare_lib murr_http)
target_link_libraries(embedding_bench PRIVATE murr_compare_lib PkgConfig::HIREDIS)
# murr_soak (`make soak`): long mixed read/write run against the real server; it reuses the
# comparison harness's HTTP client and process helpers.
add_executable(murr_soak EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/bench/soak/murr_soak.cc)
add_dependencies(bench_programs murr_soak)
target_link_libraries(murr_soak PRIVATE murr_compare_lib)
add_dependencies(murr_soak murr_server)
