# The side-by-side benchmark of ocikit, runc and crun (docs/performance.md).
#
#   make bench                          # every phase, results in bench/results.json
#   make bench BENCH_FLAGS='-phases run,cycle -runs 50'
#   make bench BENCH_OUT=/tmp/r.json
#   make bench-profile                  # timelines from perf tracepoints: where the time goes
#   make bench-unpack                   # oci-bundle against umoci unpacking a generated image
#   make bench-test                     # the benchmark's own unit tests; no root
#
# Needs root. runc and crun are compared when installed (-runc, -crun).
# The benchmark runs in a mount namespace of its own, where a hybrid
# host's /sys/fs/cgroup/unified is unmounted, and removes every container,
# state directory and cgroup it made, Ctrl-C included.

BENCH_ROOT  := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
BENCH_BUILD := $(BENCH_ROOT)/bench/.build

GO          ?= go
BENCH_OUT   ?= $(BENCH_ROOT)/bench/results.json
BENCH_FLAGS ?=
BENCH_PROFILE_OUT ?= $(BENCH_ROOT)/bench/profile.json

.PHONY: bench bench-build bench-profile bench-unpack bench-test

bench-build:
	@mkdir -p $(BENCH_BUILD)
	cd $(BENCH_ROOT) && $(GO) build -trimpath -o $(BENCH_BUILD)/bench ./bench
	cd $(BENCH_ROOT) && CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(BENCH_BUILD)/rusage ./bench/rusage

bench: build bench-build
	$(BENCH_BUILD)/bench \
		-bin $(BENCH_ROOT)/bin \
		-rusage-helper $(BENCH_BUILD)/rusage \
		-out $(BENCH_OUT) \
		$(BENCH_FLAGS)

# Needs perf (Debian: linux-perf) and tracepoints (tracefs).
bench-profile: build bench-build
	$(BENCH_BUILD)/bench \
		-bin $(BENCH_ROOT)/bin \
		-rusage-helper $(BENCH_BUILD)/rusage \
		-phases profile \
		-out $(BENCH_PROFILE_OUT) \
		$(BENCH_FLAGS)

# Needs umoci (Debian: umoci). 30 s with -tmp on a tmpfs; minutes on a
# slow disk, where file creation dominates (docs/performance.md).
BENCH_UNPACK_OUT ?= $(BENCH_ROOT)/bench/unpack.json
bench-unpack: build bench-build
	$(BENCH_BUILD)/bench \
		-bin $(BENCH_ROOT)/bin \
		-rusage-helper $(BENCH_BUILD)/rusage \
		-phases unpack \
		-out $(BENCH_UNPACK_OUT) \
		$(BENCH_FLAGS)

bench-test:
	cd $(BENCH_ROOT) && $(GO) vet ./bench/... && $(GO) test -count=1 ./bench/...
