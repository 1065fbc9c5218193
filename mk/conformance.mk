# The OCI runtime-tools validation suite against a runtime.
#
#   make conformance                    # against ./bin/oci-runtime
#   make conformance RUNTIME=runc       # or crun, or any path
#   make conformance CONFORMANCE_RUN='^(create|start)$$'
#
# The suite is built from the Go module pinned in test/conformance/go.mod
# (its own module, so the main module's dependencies stay current) into
# test/conformance/.build/. Results: .build/results-<runtime>.json, each
# program's output in .build/logs-<runtime>/. Needs root. See
# docs/conformance.md.

CONFORMANCE_ROOT  := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
CONFORMANCE_DIR   := $(CONFORMANCE_ROOT)/test/conformance
CONFORMANCE_BUILD := $(CONFORMANCE_DIR)/.build

GO                   ?= go
RUNTIME              ?= $(CONFORMANCE_ROOT)/bin/oci-runtime
CONFORMANCE_TIMEOUT  ?= 60s
CONFORMANCE_BUDGET   ?= 9m
CONFORMANCE_RUN      ?=
CONFORMANCE_EXPECTED ?= $(CONFORMANCE_DIR)/expected-pass.txt

CONFORMANCE_SUITE := github.com/opencontainers/runtime-tools

.PHONY: conformance conformance-build conformance-test conformance-clean

# The validation programs and runtimetest (which runs inside the busybox
# containers, so it is static), the driver, and the suite's root filesystem
# archive, which the module ships.
conformance-build:
	@mkdir -p $(CONFORMANCE_BUILD)/bin
	cd $(CONFORMANCE_DIR) && CGO_ENABLED=0 $(GO) build -trimpath -o .build/bin/ tool
	cd $(CONFORMANCE_DIR) && $(GO) build -o .build/conformance .
	cd $(CONFORMANCE_DIR) && dir=$$($(GO) list -m -f '{{.Dir}}' $(CONFORMANCE_SUITE)) && \
		arch=$$($(GO) env GOARCH) && \
		install -m 0644 "$$dir/rootfs-$$arch.tar.gz" .build/rootfs.tar.gz

conformance: conformance-build
	$(CONFORMANCE_BUILD)/conformance \
		-runtime '$(RUNTIME)' \
		-bin $(CONFORMANCE_BUILD)/bin \
		-rootfs $(CONFORMANCE_BUILD)/rootfs.tar.gz \
		-out $(CONFORMANCE_BUILD) \
		-expected '$(CONFORMANCE_EXPECTED)' \
		-run '$(CONFORMANCE_RUN)' \
		-timeout $(CONFORMANCE_TIMEOUT) \
		-budget $(CONFORMANCE_BUDGET) \
		-suite "$$(cd $(CONFORMANCE_DIR) && $(GO) list -m -f '{{.Path}} {{.Version}}' $(CONFORMANCE_SUITE))"

# The driver's own unit tests (TAP parsing, verdicts, reports); no root.
conformance-test:
	cd $(CONFORMANCE_DIR) && $(GO) vet ./... && $(GO) test -count=1 ./...

conformance-clean:
	rm -rf $(CONFORMANCE_BUILD)
