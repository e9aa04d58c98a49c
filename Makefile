# hookd — `make run` sets up and starts the daemon; `make test` sets up and runs every test.
SHELL := /bin/bash
SWIFT ?= swift
DEBIAN_PACKAGES := pkg-config libhiredis-dev libcurl4-openssl-dev libmosquitto-dev libjansson-dev \
	libsqlite3-dev redis-server mosquitto socat jq curl systemd util-linux python3 python3-aiosmtpd openssl \
	python3-pip python3-setuptools python3-wheel prometheus chromium

.PHONY: all deps openrpc build screenshots release run test test-sanitizers bench bench-instructions order-file fuzz fuzz-ci clean

all: build

## deps: install the Debian packages hookd builds and tests with (only what is missing).
deps:
	@scripts/install-deps.sh $(DEBIAN_PACKAGES)

## openrpc: embed protocol/hookd.openrpc.json into HookRPC (rpc.discover serves it).
openrpc:
	@python3 scripts/embed-openrpc.py

## build: debug build of everything, tests included.
build: deps openrpc
	$(SWIFT) build --build-tests

## screenshots: the sandbox's inbox page and a capture's page, taken by headless Chromium from a
## hooksandbox on a free loopback port with a few fake captures, into docs/ (kept only under 200 KB).
screenshots: build
	@scripts/screenshots.sh "$$($(SWIFT) build --show-bin-path)"

## release: optimized hookd, hookrpc and hooksandbox, the Swift runtime and Foundation linked in statically
## (fewer shared-library pages resident). hookd links with lld, packed relocations and no exported
## symbols (Package.swift): it idles at about 30.0 MB, against 34.1 MB with gold, 38.5 MB dynamic.
## Every module, SwiftNIO's included, skips the run-time exclusivity checks in release: they cost
## about 3,200 of 21,400 instructions per request, nearly all inside NIOCore/NIOPosix (make
## bench-instructions). The compile-time checks stay, and debug builds, every test run and the fuzz
## harnesses still enforce exclusivity at run time.
RELEASE_FLAGS := -c release --static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked
release: deps openrpc
	$(SWIFT) build $(RELEASE_FLAGS) --product hookd
	$(SWIFT) build $(RELEASE_FLAGS) --product hookrpc
	$(SWIFT) build $(RELEASE_FLAGS) --product hooksandbox

## run: build and start hookd in the foreground on its embedded defaults.
run: release
	@scripts/run-hookd.sh "$$($(SWIFT) build -c release --show-bin-path)"

## test: install, build, start redis and mosquitto on private sockets, run Swift, Python, shell
## and systemd tests, then each fuzz harness briefly (fuzz-ci); every process started is stopped
## by pid, also on failure.
test: build
	@scripts/run-tests.sh "$$($(SWIFT) build --show-bin-path)"

## test-sanitizers: the Swift unit and integration suites on an AddressSanitizer build, then on a
## ThreadSanitizer build (own scratch paths); any sanitizer report fails. Long: two full builds.
test-sanitizers: deps openrpc
	@scripts/test-sanitizers.sh

## bench: release build; hookd vs redis-server with the same load generator, and deliveries vs wrk to
## the same sink (scripts/httpsink.c); one run, ratios.
bench: release
	@scripts/install-deps.sh wrk python3-requests
	@scripts/bench.sh "$$($(SWIFT) build -c release --show-bin-path)"

## bench-instructions: release build; CPU instructions per request (valgrind callgrind), repeatable.
bench-instructions: release
	@scripts/install-deps.sh valgrind binutils
	@scripts/bench-instructions.sh "$$($(SWIFT) build -c release --show-bin-path)"

## order-file: release build; regenerates scripts/linker/hookd.order, the functions start-up and the
## hot methods run (valgrind callgrind), which the release link places together at the front of
## the code so that less of it stays resident. Rerun after large changes to the request path.
order-file: release
	@scripts/install-deps.sh valgrind binutils
	@scripts/order-file.sh "$$($(SWIFT) build -c release --show-bin-path)"

## fuzz: libFuzzer + AddressSanitizer on the frame decoder and request envelope, the JSON parsers,
## the config loader, the masker and the upstream answer parsers (Fuzz/, its own package, built in
## .build-fuzz): 2 000 000 executions for each of the 5 harnesses, 10 M in all (`scripts/fuzz.sh N`
## for another count), release build. Measured on 2 shared cores: 47 min of fuzzing (frame 12,
## json 2, config 16, masker 15, upstream 2) after a 3 to 6 min build. Fails on any crash, leak or
## timeout.
fuzz: deps
	@scripts/fuzz.sh

## fuzz-ci: the same harnesses, debug build (assert() on), 20 000 executions each with seed 1:
## about 3 min from a clean clone, build included; a check that every harness builds and its seeds
## and first mutations pass.
fuzz-ci: deps
	@FUZZ_SEED=1 FUZZ_CONFIGURATION=debug scripts/fuzz.sh 20000

clean:
	$(SWIFT) package clean
