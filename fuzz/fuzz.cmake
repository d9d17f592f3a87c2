# Fuzz targets: every fuzz/<name>_fuzz.cc defines LLVMFuzzerTestOneInput and becomes an
# executable <name>_fuzz. Seeds and regression inputs live in fuzz/corpus/<name>/.
#   MURR_FUZZ=ON  (clang): linked with libFuzzer + ASan + UBSan; scripts/run-fuzzers runs them.
#   MURR_FUZZ=OFF: linked with fuzz/replay_main.cc, a main() that feeds it the files named on its
#                  command line, and registered as the CTest test fuzz_replay_<name> over its
#                  seed corpus, so `make test` (Release and ASan) replays every seed and regression.
file(GLOB MURR_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/*_fuzz.cc)
foreach(fuzz_source ${MURR_FUZZ_SOURCES})
  get_filename_component(fuzz_target ${fuzz_source} NAME_WE)
  string(REGEX REPLACE "_fuzz$" "" fuzz_name ${fuzz_target})
  set(fuzz_corpus ${CMAKE_SOURCE_DIR}/fuzz/corpus/${fuzz_name})
  list(APPEND MURR_FUZZ_TARGETS ${fuzz_target})
  if(MURR_FUZZ)
    add_executable(${fuzz_target} ${fuzz_source})
    target_link_options(${fuzz_target} PRIVATE -fsanitize=fuzzer,address,undefined)
    # libFuzzer with -runs=0 executes each corpus input once: the same replay as the normal build.
    add_test(NAME fuzz_replay_${fuzz_name} COMMAND ${fuzz_target} -runs=0 ${fuzz_corpus})
  else()
    add_executable(${fuzz_target} ${fuzz_source} ${CMAKE_SOURCE_DIR}/fuzz/replay_main.cc)
    add_test(NAME fuzz_replay_${fuzz_name} COMMAND ${fuzz_target} ${fuzz_corpus})
  endif()
  target_link_libraries(${fuzz_target} PRIVATE murr)
  # Targets named after an API layer's input link that layer too.
  if(fuzz_name MATCHES "^http_")
    target_link_libraries(${fuzz_target} PRIVATE murr_http)
  endif()
  target_include_directories(${fuzz_target} PRIVATE ${CMAKE_SOURCE_DIR}/fuzz)
  set_tests_properties(fuzz_replay_${fuzz_name} PROPERTIES LABELS fuzz TIMEOUT 300)
endforeach()

# `cmake --build <dir> --target murr_fuzzers` builds just the fuzz targets (what `make fuzz` needs).
add_custom_target(murr_fuzzers)
if(MURR_FUZZ_TARGETS)
  add_dependencies(murr_fuzzers ${MURR_FUZZ_TARGETS})
endif()
