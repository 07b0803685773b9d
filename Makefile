# Thin wrapper over CMake. `make run` and `make test` are the two set-up commands.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST ?= /usr/bin/python3 -m pytest

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
ASAN_BUILD ?= build-asan

.PHONY: all deps build run test unit e2e clean asan bench fuzz fuzz-replay install config-sample

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: deps $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@bash scripts/run.sh $(BUILD)/wharf

unit: build
	@cd $(BUILD) && ctest --output-on-failure

e2e: build
	@WHARF_BIN=$(CURDIR)/$(BUILD)/wharf $(PYTEST) -q tests/e2e

test: build
	@FUZZ_BUILD=$(FUZZ_BUILD) ASAN_BUILD=$(ASAN_BUILD) bash scripts/test.sh $(BUILD)

# Unit and black-box tests against wharf built with ASan+UBSan (WHARF_SANITIZE).
asan: deps
	@bash scripts/sanitize.sh $(ASAN_BUILD)

# Each libFuzzer target for FUZZ_SECONDS (FUZZ_TARGETS="fuzz_jwt ..." for some).
fuzz: deps
	@bash scripts/fuzz.sh run $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-replay: deps
	@bash scripts/fuzz.sh replay $(FUZZ_BUILD)

# Side-by-side benchmark with Distribution; not part of `make test`. BENCH_SCALE=small: ~2 min.
bench: build
	@bash bench/run.sh $(BUILD)

# The binary, systemd unit, sample config and bash completion under PREFIX
# (packaging/install.cmake); DESTDIR=… stages them for a package.
PREFIX ?= /usr/local
install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

# The sample config file, generated from the config table (src/config/config.c).
config-sample: build
	@$(BUILD)/wharf serve --sample-config

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(ASAN_BUILD)
