# Cluster mode (server/cluster/): included by server/CMakeLists.txt after the placed target when
# PLACE_BUILD_CLUSTER is on (the top CMakeLists.txt). backend.c chooses it at run time.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

target_sources(placed PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cluster.c
  ${CMAKE_CURRENT_LIST_DIR}/event.c
  ${CMAKE_CURRENT_LIST_DIR}/feed.c
  ${CMAKE_CURRENT_LIST_DIR}/history.c
  ${CMAKE_CURRENT_LIST_DIR}/notify.c
  ${CMAKE_CURRENT_LIST_DIR}/people_cache.c
  ${CMAKE_CURRENT_LIST_DIR}/placer.c
  ${CMAKE_CURRENT_LIST_DIR}/rstore.c
  ${CMAKE_CURRENT_LIST_DIR}/snapshot_redis.c
)
target_include_directories(placed PRIVATE ${CMAKE_CURRENT_LIST_DIR}/.. ${CMAKE_CURRENT_LIST_DIR})
target_compile_definitions(placed PRIVATE PLACE_BUILD_CLUSTER=1)
target_link_libraries(placed PRIVATE PkgConfig::HIREDIS PkgConfig::RDKAFKA PkgConfig::LIBPQ)
