# The two commands a user needs: `make demo` and `make test`.
# Both install what is missing (scripts/deps) and build first.
BUILD  ?= build
PREFIX ?= /usr/local
JOBS   ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test bench demo install deb clean fuzz

all: build

deps:
	scripts/deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

# Benchmarks are not tests: each tests/bench/*/run prints its figures.
bench: build
	@set -e; for b in tests/bench/*/run; do echo "== $$b"; HLSMESH_BIN=$(CURDIR)/$(BUILD)/bin bash $$b; done

demo: build
	HLSMESH_BIN=$(CURDIR)/$(BUILD)/bin scripts/demo

# libFuzzer on sigd's message parser (clang-14), bounded: FUZZ_SECONDS (default 60).
fuzz: deps
	$(MAKE) -C tests/sigd fuzz

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

deb: build
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD)
