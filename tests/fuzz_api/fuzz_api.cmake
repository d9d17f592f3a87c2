# The HTTP API fuzzed by schemathesis against the real `murr` binary (Python tests in the project's
# .venv, decision 0010). Runs in the Release and the ASan build; MURR_SANITIZED=1 (make test-asan)
# gives it a smaller budget.
add_test(NAME fuzz_api_schemathesis
  COMMAND ${CMAKE_SOURCE_DIR}/tests/fuzz_api/run-pytest $<TARGET_FILE:murr_server>
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(fuzz_api_schemathesis PROPERTIES TIMEOUT 600 LABELS python)
