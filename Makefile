# The two commands a newcomer runs (see README.md):
#   make demo   build, then pull 2020-01-01..2025-12-31 from the bundled
#               NeoWs-compatible server into ./data (offline)
#   make install PREFIX=/usr/local
#               build (Release, in build-install/) and install the command,
#               the library, its header and sluice.pc, the man pages and
#               the shell completions under PREFIX (docs/install.md)
#   make test   check that the optimised builds compile with -Werror, then
#               build with -Werror under ASan+UBSan and run every test
#               (after installing the Parquet readers the conformance
#               tests use, tests/conformance/, when missing or changed)
BUILD ?= build
TEST_BUILD ?= build-test
# Optimised builds are compiled (not tested) with -Werror before the tests:
# some warnings (gcc's -Wmaybe-uninitialized) appear only when optimising.
# Release is -O3, RelWithDebInfo (what `make build` uses) -O2: they warn
# differently.
OPT_BUILDS := Release RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --no-print-directory
CONFORMANCE := tests/conformance
PREFIX ?= /usr/local
INSTALL_BUILD ?= build-install
# only what is installed is built (not the tests, the server, the benches)
INSTALL_TARGETS := sluice sluice_shared sluice_static

.PHONY: all deps test-deps build demo install test clean

all: build

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)

# The prefix is configured (CMAKE_INSTALL_PREFIX) and given to cmake
# --install, so sluice.pc names it. DESTDIR=... stages the files elsewhere.
install: deps
	@cmake -S . -B $(INSTALL_BUILD) -DCMAKE_BUILD_TYPE=Release \
	    -DCMAKE_INSTALL_PREFIX="$(abspath $(PREFIX))" >/dev/null
	@cmake --build $(INSTALL_BUILD) -j $(JOBS) --target $(INSTALL_TARGETS)
	@cmake --install $(INSTALL_BUILD) --prefix "$(abspath $(PREFIX))"

# npm ci only when node_modules is missing or older than the lock.
$(CONFORMANCE)/node_modules/.sluice-installed: $(CONFORMANCE)/package-lock.json $(CONFORMANCE)/package.json | test-deps
	@npm ci --prefix $(CONFORMANCE) --no-audit --no-fund
	@touch $@

test: test-deps $(CONFORMANCE)/node_modules/.sluice-installed
	@for t in $(OPT_BUILDS); do \
	    cmake -S . -B build-werror-$$t -DCMAKE_BUILD_TYPE=$$t \
	        -DSLUICE_WERROR=ON >/dev/null && \
	    cmake --build build-werror-$$t -j $(JOBS) >/dev/null || exit 1; \
	done
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	    -DSLUICE_WERROR=ON -DSLUICE_SANITIZE=address,undefined >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@scripts/check-banned.sh
	@scripts/check-layers.sh
	@cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(INSTALL_BUILD) $(addprefix build-werror-,$(OPT_BUILDS))
