# The Python package's tests (python/tests, pytest in the project's .venv) against the real
# `murr` binary; in the Release and the ASan build alike.
add_test(NAME python_package
  COMMAND ${CMAKE_SOURCE_DIR}/python/run-tests $<TARGET_FILE:murr_server> ${CMAKE_BINARY_DIR}/python
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(python_package PROPERTIES TIMEOUT 300 LABELS python)

# A fresh venv, the package installed from the checkout as a user installs it, and its tests
# there (python/install-test). The pure-Python distribution in every `make test` (Release build);
# the native wheel (python -m build: the whole engine compiled again, 3-5 minutes here) in
# `make test-install`, to keep `make test` within its time budget.
add_test(NAME python_install_pure
  COMMAND ${CMAKE_SOURCE_DIR}/python/install-test pure $<TARGET_FILE:murr_server>
          ${CMAKE_BINARY_DIR}/python-install-pure)
set_tests_properties(python_install_pure PROPERTIES TIMEOUT 600 LABELS "python;no-asan")
add_test(NAME python_install_native
  COMMAND ${CMAKE_SOURCE_DIR}/python/install-test native $<TARGET_FILE:murr_server>
          ${CMAKE_BINARY_DIR}/python-install-native)
set_tests_properties(python_install_native PROPERTIES TIMEOUT 1800
  LABELS "python;no-asan;install-native")
