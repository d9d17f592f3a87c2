# python/native/: the extension module murr._native (nanobind) over libmurr and the server app.
# The same description builds it in the project's build (staged with the package's Python files
# under <build>/python/murr, where the tests import it) and in a wheel (scikit-build-core runs
# this CMake project with MURR_WHEEL=ON and installs the module into the murr package).
if(NOT Python_EXECUTABLE AND EXISTS ${CMAKE_SOURCE_DIR}/.venv/bin/python)
  set(Python_EXECUTABLE ${CMAKE_SOURCE_DIR}/.venv/bin/python)
endif()
find_package(Python 3.11 REQUIRED COMPONENTS Interpreter Development.Module)
execute_process(COMMAND ${Python_EXECUTABLE} -m nanobind --cmake_dir
  OUTPUT_VARIABLE MURR_NANOBIND_DIR OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE nb_result)
if(NOT nb_result EQUAL 0)
  message(FATAL_ERROR "nanobind is missing from ${Python_EXECUTABLE}: run scripts/install-deps "
                      "(it is pinned in python/requirements-test.txt)")
endif()
find_package(nanobind CONFIG REQUIRED PATHS ${MURR_NANOBIND_DIR} NO_DEFAULT_PATH)

nanobind_add_module(murr_native NB_STATIC ${CMAKE_SOURCE_DIR}/python/native/module.cc)
set_target_properties(murr_native PROPERTIES OUTPUT_NAME _native)
target_link_libraries(murr_native PRIVATE murr_app)
# nanobind's own sources are not ours to hold to -Werror.
if(TARGET nanobind-static)
  target_compile_options(nanobind-static PRIVATE -w)
endif()

if(MURR_WHEEL)
  install(TARGETS murr_native LIBRARY DESTINATION murr)
else()
  # The package as a wheel would lay it out: python/murr/*.py next to the module.
  set(MURR_PY_STAGE ${CMAKE_BINARY_DIR}/python/murr)
  set_target_properties(murr_native PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${MURR_PY_STAGE})
  file(GLOB MURR_PY_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/python/murr/*.py
       ${CMAKE_SOURCE_DIR}/python/murr/py.typed)
  set(MURR_PY_STAGED)
  foreach(src ${MURR_PY_SOURCES})
    get_filename_component(fname ${src} NAME)
    add_custom_command(OUTPUT ${MURR_PY_STAGE}/${fname}
      COMMAND ${CMAKE_COMMAND} -E copy_if_different ${src} ${MURR_PY_STAGE}/${fname}
      DEPENDS ${src} VERBATIM)
    list(APPEND MURR_PY_STAGED ${MURR_PY_STAGE}/${fname})
  endforeach()
  add_custom_target(murr_python_package ALL DEPENDS ${MURR_PY_STAGED} murr_native)
endif()
