# murr_compare: the side-by-side benchmark of Murr against Redis and PostgreSQL (issue 6,
# docs/benchmarks.md). Everything but main.cc is murr_compare_lib, which the smoke test
# (tests/compare/) links too; the murr_compare program is defined in bench/bench.cmake.
# Clients: hiredis and libpq from Debian; Flight over our own proto.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
file(GLOB MURR_COMPARE_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bench/compare/*.cc)
list(FILTER MURR_COMPARE_SOURCES EXCLUDE REGEX "/main\\.cc$")
add_library(murr_compare_lib STATIC ${MURR_COMPARE_SOURCES})
target_include_directories(murr_compare_lib PUBLIC ${CMAKE_SOURCE_DIR})
target_compile_definitions(murr_compare_lib PRIVATE MURR_VERSION="${PROJECT_VERSION}")
target_link_libraries(murr_compare_lib PUBLIC murr murr_flight_proto PkgConfig::HIREDIS
  PkgConfig::LIBPQ PRIVATE yaml-cpp)
if(TARGET murr_compare_test)
  target_link_libraries(murr_compare_test PRIVATE murr_compare_lib)
  add_dependencies(murr_compare_test murr_server)
endif()
