# The two commands a user needs: `make demo` and `make test`.
# Both install what is missing (scripts/deps) and build first.
BUILD  ?= build
PREFIX ?= /usr/local
JOBS   ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test bench sim demo install deb clean fuzz soak

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

# The venue report: the swarm simulation calibrated against the measured
# browser swarms, at 100/400/1,000 viewers (docs/venue.md; node, gnuplot for the PNG).
sim:
	node tests/sim/venue.mjs

demo: build
	HLSMESH_BIN=$(CURDIR)/$(BUILD)/bin scripts/demo

# Every libFuzzer target (tests/<tool>/fuzz_*.cpp, clang-14, ASan + UBSan),
# each for FUZZ_SECONDS (default 60); new inputs kept in $(BUILD)/fuzz/corpus.
fuzz: deps
	$(MAKE) -C tests/fuzz fuzz OUT=$(CURDIR)/$(BUILD)/fuzz

# Every fault of tests/faults on a live pipeline, then the soak (2 viewers,
# RSS and fds of every stage): SOAK_SECONDS (default 7200). docs/faults.md.
SOAK_SECONDS ?= 7200
soak: build
	HLSMESH_BIN=$(CURDIR)/$(BUILD)/bin bash tests/faults/run.sh s3
	HLSMESH_BIN=$(CURDIR)/$(BUILD)/bin FAULTS_SOAK_SECONDS=$(SOAK_SECONDS) bash tests/faults/run.sh full

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

deb: build
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD)
