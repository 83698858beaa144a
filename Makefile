# Convenience front door. CMake does the real work; see README.md.
BUILD ?= build
PORT ?= 8080
DATA ?= data
JOBS ?= $(shell nproc)

.PHONY: all deps deps-runtime build run test test-asan deb clean

all: build

deps:
	packaging/install-deps.sh

deps-runtime:
	packaging/install-deps.sh --runtime

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# Sets up and runs the server on its embedded store at http://localhost:$(PORT)/
run: deps-runtime build
	mkdir -p $(DATA)
	$(BUILD)/server/placed --port $(PORT) --data-dir $(DATA)

# The whole test suite (what CI runs).
test: deps build
	cd $(BUILD) && ctest --output-on-failure --timeout 600 -j 2

# The suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DPLACE_ASAN=ON -DPLACE_UBSAN=ON >/dev/null
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure --timeout 600 -L asan

# Debian packages place-server, place-tui, place-sdl in $(BUILD)-deb/deb/ (docs/deploy.md).
deb: deps-runtime
	JOBS=$(JOBS) packaging/make-deb.sh $(BUILD)-deb

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-deb
