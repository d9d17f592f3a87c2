# api/flight/: the Arrow Flight (gRPC) face of Murr. Generates C++ from our own flight.proto
# (protoc + grpc_cpp_plugin from Debian), builds it into murr_flight_proto (the only place the
# generated code is compiled) and the server into murr_flight (linked into murr_app).
# Included by the top-level CMakeLists.txt.
pkg_check_modules(MURR_GRPC REQUIRED IMPORTED_TARGET grpc++ protobuf)
find_program(MURR_PROTOC protoc REQUIRED)
find_program(MURR_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

set(MURR_FLIGHT_DIR ${CMAKE_SOURCE_DIR}/src/murr/api/flight)
set(MURR_FLIGHT_OUT ${CMAKE_BINARY_DIR}/generated/murr/api/flight)
set(MURR_FLIGHT_GENERATED
  ${MURR_FLIGHT_OUT}/flight.pb.cc ${MURR_FLIGHT_OUT}/flight.pb.h
  ${MURR_FLIGHT_OUT}/flight.grpc.pb.cc ${MURR_FLIGHT_OUT}/flight.grpc.pb.h)

# --proto_path is src/ so that the generated code includes "murr/api/flight/flight.pb.h".
add_custom_command(
  OUTPUT ${MURR_FLIGHT_GENERATED}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND ${MURR_PROTOC} --proto_path=${CMAKE_SOURCE_DIR}/src
          --cpp_out=${CMAKE_BINARY_DIR}/generated --grpc_out=${CMAKE_BINARY_DIR}/generated
          --plugin=protoc-gen-grpc=${MURR_GRPC_CPP_PLUGIN}
          ${MURR_FLIGHT_DIR}/flight.proto
  DEPENDS ${MURR_FLIGHT_DIR}/flight.proto
  COMMENT "protoc: Arrow Flight protocol (C++ messages and gRPC service)"
  VERBATIM)

add_library(murr_flight_proto STATIC
  ${MURR_FLIGHT_OUT}/flight.pb.cc ${MURR_FLIGHT_OUT}/flight.grpc.pb.cc)
# Generated code is not ours to fix: no warnings from it.
target_compile_options(murr_flight_proto PRIVATE -w)
target_include_directories(murr_flight_proto PUBLIC ${CMAKE_BINARY_DIR}/generated)
target_link_libraries(murr_flight_proto PUBLIC PkgConfig::MURR_GRPC)

file(GLOB MURR_FLIGHT_SOURCES CONFIGURE_DEPENDS ${MURR_FLIGHT_DIR}/*.cc)
add_library(murr_flight STATIC ${MURR_FLIGHT_SOURCES})
target_link_libraries(murr_flight PUBLIC murr murr_flight_proto)

# Test and benchmark targets are defined after this file is included: link them at the end.
function(murr_flight_link_late_targets)
  # tests/api/flight_*_test.cc use the generated client stub.
  if(TARGET murr_api_test)
    target_link_libraries(murr_api_test PRIVATE murr_flight)
  endif()
  # tests/interop/flight_js_test.cc starts the real `murr` binary.
  if(TARGET murr_interop_test)
    add_dependencies(murr_interop_test murr_server)
  endif()
  # bench/flight_bench.cc runs both servers in-process and compares them.
  if(TARGET flight_bench)
    target_link_libraries(flight_bench PRIVATE murr_flight murr_http)
  endif()
endfunction()
cmake_language(DEFER CALL murr_flight_link_late_targets)
