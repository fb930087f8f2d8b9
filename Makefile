# The two commands of the Quick start, plus developer conveniences. Every target is a thin wrapper
# around a script, so `make -n TARGET` shows what runs.
SHELL := /usr/bin/env bash
BUILD_DIR ?= build

.PHONY: help test unit build lint deps

help:
	@echo "make test    install what is missing, build, and run every test (unit, lint, Redis, Kubernetes)"
	@echo "make unit    build and run only the C++ unit tests and lint"
	@echo "make build   configure and build the C++ binary into $(BUILD_DIR)/"
	@echo "make lint    shellcheck and clang-format check"
	@echo "make deps    install the Debian packages the build and tests need"

deps:
	hack/install-deps.sh

test:
	hack/test.sh

unit:
	hack/test.sh --unit-only

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja >/dev/null && cmake --build $(BUILD_DIR)

lint:
	shellcheck -x $$(git ls-files '*.sh' '*.bash' .ci/run) && clang-format --dry-run --Werror $$(git ls-files '*.cc' '*.h')
