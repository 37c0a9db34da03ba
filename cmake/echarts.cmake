# Apache ECharts for `learnerscore report` (src/cli/report): fetched ONCE from the npm registry at
# configure time (`npm pack echarts@VERSION`, checked against a pinned SHA-256), unpacked under the
# build tree, and its dist/echarts.min.js embedded into the CLI binary (.incbin), so the installed
# CLI writes self-contained HTML offline. ECharts is Apache-2.0 (docs/report.md; its NOTICE is
# quoted in debian/copyright, which the packages install). Offline builds: -DLS_ECHARTS_TARBALL=/path/echarts-5.6.0.tgz.
set(LS_ECHARTS_VERSION 5.6.0)
set(LS_ECHARTS_SHA256 e1b82487dd7f8d9f0438eec1f1433051148e0095ac7a15d4db890afda45cf610)
set(LS_ECHARTS_TARBALL "" CACHE FILEPATH "local echarts-${LS_ECHARTS_VERSION}.tgz (npm pack) instead of the npm registry")
set(LS_ECHARTS_DIR ${CMAKE_BINARY_DIR}/third_party/echarts-${LS_ECHARTS_VERSION})
set(LS_ECHARTS_JS ${LS_ECHARTS_DIR}/package/dist/echarts.min.js)
if(NOT EXISTS ${LS_ECHARTS_JS})
  file(MAKE_DIRECTORY ${LS_ECHARTS_DIR})
  set(tgz ${LS_ECHARTS_DIR}/echarts-${LS_ECHARTS_VERSION}.tgz)
  if(LS_ECHARTS_TARBALL)
    file(COPY_FILE ${LS_ECHARTS_TARBALL} ${tgz})
  else()
    find_program(NPM npm)
    if(NOT NPM)
      message(FATAL_ERROR "npm is needed once to fetch Apache ECharts ${LS_ECHARTS_VERSION} (scripts/install-deps.sh installs it), "
                          "or pass -DLS_ECHARTS_TARBALL=echarts-${LS_ECHARTS_VERSION}.tgz")
    endif()
    message(STATUS "Fetching echarts@${LS_ECHARTS_VERSION} from the npm registry")
    execute_process(COMMAND ${NPM} pack echarts@${LS_ECHARTS_VERSION} --silent
                    WORKING_DIRECTORY ${LS_ECHARTS_DIR} RESULT_VARIABLE rc OUTPUT_QUIET)
    if(NOT rc EQUAL 0 OR NOT EXISTS ${tgz})
      message(FATAL_ERROR "npm pack echarts@${LS_ECHARTS_VERSION} failed (${rc})")
    endif()
  endif()
  file(SHA256 ${tgz} got)
  if(NOT got STREQUAL LS_ECHARTS_SHA256)
    file(REMOVE ${tgz})
    message(FATAL_ERROR "echarts-${LS_ECHARTS_VERSION}.tgz has SHA-256 ${got}, expected ${LS_ECHARTS_SHA256}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E tar xzf ${tgz} package/dist/echarts.min.js package/LICENSE package/NOTICE
                  WORKING_DIRECTORY ${LS_ECHARTS_DIR} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${LS_ECHARTS_JS})
    message(FATAL_ERROR "cannot unpack ${tgz}")
  endif()
endif()
set(LS_REPORT_JS ${CMAKE_SOURCE_DIR}/src/cli/report/report_page.js)
set(LS_ECHARTS_EMBED ${CMAKE_BINARY_DIR}/generated/echarts_embed.cpp)
configure_file(${CMAKE_SOURCE_DIR}/src/cli/report/echarts_embed.cpp.in ${LS_ECHARTS_EMBED} @ONLY)
set_source_files_properties(${LS_ECHARTS_EMBED} PROPERTIES OBJECT_DEPENDS "${LS_ECHARTS_JS};${LS_REPORT_JS}")
