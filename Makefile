# ocikit — `make build` puts every tool in ./bin.
GO        ?= go
PREFIX    ?= /usr/local
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/ocikit/ocikit/internal/cli.Version=$(VERSION)

# Tools that carry the container init link the nsenter C constructor (cgo);
# the others are built without cgo, static.
INIT_TOOLS  := oci-create oci-run oci-exec oci-runtime
PLAIN_TOOLS := $(filter-out $(INIT_TOOLS),$(notdir $(wildcard cmd/*)))
TOOLS       := $(INIT_TOOLS) $(PLAIN_TOOLS)
MANPAGES    := $(patsubst %.md,%,$(wildcard man/*.1.md))

.PHONY: all build test unit integration vet fmt man install clean

all: build

build:
	@mkdir -p bin
	CGO_ENABLED=1 $(GO) build -trimpath -tags osusergo,netgo -ldflags '$(LDFLAGS) -linkmode external -extldflags -static' -o bin/ $(addprefix ./cmd/,$(INIT_TOOLS))
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ $(addprefix ./cmd/,$(PLAIN_TOOLS))

# Every test: unit tests, and as root the integration tests that run real
# containers (they skip with a message when not root). One package at a
# time (-p 1): the integration and engine tests check the host's mounts,
# cgroups and processes, which another package's containers would change
# under them; tests within a package still run in parallel.
test: build
	OCIKIT_BIN=$(CURDIR)/bin $(GO) test -count=1 -p 1 ./...

unit:
	$(GO) test -count=1 -short ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')

man: $(MANPAGES)

man/%.1: man/%.1.md
	go-md2man -in $< -out $@

install: build man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(addprefix bin/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(MANPAGES) $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf bin $(MANPAGES)
include mk/conformance.mk
include mk/bench.mk
include mk/vm.mk
