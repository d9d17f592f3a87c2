# codec/: generated Arrow IPC flatbuffers headers (from our own .fbs files, see
# docs/decisions/ on the Arrow IPC codec). Included by the top-level CMakeLists.txt after the
# `murr` library target exists.
set(MURR_FBS_DIR ${CMAKE_SOURCE_DIR}/src/murr/codec/fbs)
set(MURR_FBS_OUT ${CMAKE_BINARY_DIR}/generated/murr/codec/fbs)
set(MURR_FBS_SCHEMAS ${MURR_FBS_DIR}/Schema.fbs ${MURR_FBS_DIR}/Message.fbs)
set(MURR_FBS_HEADERS ${MURR_FBS_OUT}/Schema_generated.h ${MURR_FBS_OUT}/Message_generated.h)

if(TARGET flatbuffers::flatc)
  set(MURR_FLATC flatbuffers::flatc)
else()
  find_program(MURR_FLATC flatc REQUIRED)
endif()

add_custom_command(
  OUTPUT ${MURR_FBS_HEADERS}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${MURR_FBS_OUT}
  # Field names keep the spec's camelCase; flatc would warn about each one.
  COMMAND ${MURR_FLATC} --cpp --scoped-enums --no-warnings -o ${MURR_FBS_OUT} ${MURR_FBS_SCHEMAS}
  DEPENDS ${MURR_FBS_SCHEMAS}
  COMMENT "flatc: Arrow IPC metadata headers"
  VERBATIM)
add_custom_target(murr_arrow_fbs DEPENDS ${MURR_FBS_HEADERS})
add_dependencies(murr murr_arrow_fbs)

if(TARGET flatbuffers::flatbuffers)
  target_link_libraries(murr PUBLIC flatbuffers::flatbuffers)
else()
  target_link_libraries(murr PUBLIC flatbuffers)
endif()
