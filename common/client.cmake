# place_client: the client engine place-tui and place-sdl share (place/client.h), and their
# controller (place/front.h: keys, event texts, prompts). Links libcurl
# (snapshot, REST, template downloads), libwebsockets (the /ws connection) and libpng (templates);
# place_common stays pure.
pkg_check_modules(PLACE_CLIENT_DEPS REQUIRED IMPORTED_TARGET libwebsockets libcurl libpng)

add_library(place_client STATIC
  src/client.c
  src/client_recon.c
  src/client_ws.c
  src/client_http.c
  src/client_session.c
  src/cli.c
  src/client_time.c
  src/front.c
  src/template_load.c
)
target_include_directories(place_client PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(place_client PUBLIC place_common PkgConfig::PLACE_CLIENT_DEPS Threads::Threads)

# The pure reconciliation core alone, for the engine's unit tests (tests/engine/), which include
# its internal header.
add_library(place_client_recon STATIC src/client_recon.c src/client_time.c)
target_include_directories(place_client_recon PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
  ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(place_client_recon PUBLIC place_common)
