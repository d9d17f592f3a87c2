# tests/crash/: crash and fault-injection tests against the real `murr` binary. The fault shim is
# an LD_PRELOAD library that makes one chosen file call fail (fault_shim.cc); it is built without
# sanitizers so that the same .so serves the Release and the ASan server. Included by the
# top-level CMakeLists.txt after the per-layer test targets exist.
add_library(murr_fault_shim SHARED ${CMAKE_SOURCE_DIR}/tests/crash/fault_shim.cc)
target_compile_options(murr_fault_shim PRIVATE -fno-sanitize=all)
target_link_options(murr_fault_shim PRIVATE -fno-sanitize=all)
target_link_libraries(murr_fault_shim PRIVATE ${CMAKE_DL_LIBS})

if(TARGET murr_crash_test)
  target_link_libraries(murr_crash_test PRIVATE murr_flight)
  add_dependencies(murr_crash_test murr_server murr_fault_shim)
  target_compile_definitions(murr_crash_test PRIVATE
    MURR_FAULT_SHIM="$<TARGET_FILE:murr_fault_shim>")
endif()
