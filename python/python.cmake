# The Python package's tests (python/tests, pytest in the project's .venv) against the real
# `murr` binary; in the Release and the ASan build alike.
add_test(NAME python_package
  COMMAND ${CMAKE_SOURCE_DIR}/python/run-tests $<TARGET_FILE:murr_server> ${CMAKE_BINARY_DIR}/python
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(python_package PROPERTIES TIMEOUT 300 LABELS python)
