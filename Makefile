# Thin wrapper over CMake. `make run` and `make test` are the two set-up commands.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST ?= /usr/bin/python3 -m pytest

.PHONY: all deps build run test unit e2e clean asan

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
	@bash scripts/test.sh $(BUILD)

clean:
	rm -rf $(BUILD)
