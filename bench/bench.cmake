# Benchmark programs: every bench/*.cc is one executable named after its file (murr_bench.cc ->
# murr_bench). They are built by `make build` and run by `make bench`, never by the tests; the
# sanitizer build leaves them out (MURR_BENCH_PROGRAMS=OFF) but keeps murr_compare_lib, which the
# tests in tests/compare/ use.
include(${CMAKE_SOURCE_DIR}/bench/compare/compare.cmake)
if(NOT MURR_BENCH_PROGRAMS)
  return()
endif()
file(GLOB MURR_BENCH_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bench/*.cc)
foreach(src ${MURR_BENCH_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE murr)
endforeach()
target_compile_definitions(sync_bench PRIVATE MURR_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_executable(murr_compare ${CMAKE_SOURCE_DIR}/bench/compare/main.cc)
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
add_executable(murr_soak ${CMAKE_SOURCE_DIR}/bench/soak/murr_soak.cc)
target_link_libraries(murr_soak PRIVATE murr_compare_lib)
add_dependencies(murr_soak murr_server)
