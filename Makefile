# The two commands of the Quick start, plus developer conveniences. Every target is a thin wrapper
# around a script, so `make -n TARGET` shows what runs.
SHELL := /usr/bin/env bash
BUILD_DIR ?= build

# CLUSTER=minikube|local; unset: minikube when installed, else the built-in two-node cluster (Linux, root).
CLUSTER_RUN := hack/with-cluster.sh

.PHONY: help up down test unit build lint deps

help:
	@echo "make up      cluster (2 nodes) -> operator + Redis master/replica -> INFO CronJob -> import data"
	@echo "make down    the reverse: INFO CronJob off -> Redis and operator removed -> cluster deleted (asks; YES=1 to skip)"
	@echo "             CLUSTER=minikube|local: minikube, or the built-in cluster (real Kubernetes from source;"
	@echo "             Linux, root); unset: minikube when installed, else the built-in cluster"
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
	shellcheck -x $$(git ls-files '*.sh' '*.bash' .ci/run localcluster/bin/minikube) && clang-format --dry-run --Werror $$(git ls-files '*.cc' '*.h')

# Each step stops the chain when it fails, with what to install or run next; REDISPAIR_RERUN makes the
# scripts' "run it again" hints say what the user ran (scripts/lib/args.sh).
up: export REDISPAIR_RERUN = make up
down: export REDISPAIR_RERUN = make down YES=1

up:
	$(CLUSTER_RUN) --announce scripts/00-minikube-up.sh
	$(CLUSTER_RUN) scripts/01-redis-up.sh
	$(CLUSTER_RUN) scripts/02-redis-info.sh
	$(CLUSTER_RUN) scripts/redisImport.sh
	@echo
	@echo "Redis is up. In your shell (bash or zsh), run:"
	@echo "  source scripts/_dev_vars.sh"
	@echo "  redis-cli -h \"\$${REDIS_MASTER_HOST_PORT%:*}\" -p \"\$${REDIS_MASTER_HOST_PORT#*:}\" get Hello"

# The cluster may be gone already: the first two steps are allowed to fail, so the last always runs.
down:
	-$(CLUSTER_RUN) --announce scripts/97-redis-info-down.sh
	-$(CLUSTER_RUN) scripts/98-redis-down.sh
	$(CLUSTER_RUN) scripts/99-minikube-down.sh $(if $(YES),--yes)
