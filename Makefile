# jetdag: `make run` starts the visualizer with the demo workload on an embedded NATS server;
# `make test` runs the whole suite (under Xvfb for the window tests). Both install what a fresh
# Debian/Ubuntu machine lacks through `make deps`.

GO       ?= go
BIN      ?= bin/jetdag
XVFB     := xvfb-run -a -s "-screen 0 1280x1024x24"
APT_PKGS := gcc pkg-config libgl1-mesa-dev libxcursor-dev libxi-dev libxinerama-dev \
            libxrandr-dev libxxf86vm-dev xvfb xauth libgl1-mesa-dri
FUZZTIME ?= 20s
CLI_FUZZTIME ?= 10s
# The packages that import Ebiten (which opens the display when the program starts): their
# tests run under Xvfb. Every other package runs its tests with no display at all, which
# also proves it free of Ebiten (check-headless says so with go list -deps).
WINDOW_PKGS   := ./assets ./render ./systems/windowtest ./cli/viewer ./cmd/jetdag-view
HEADLESS_PKGS  = $(shell $(GO) list ./... | grep -v -E '/(assets|render|systems/windowtest|cli/viewer|cmd/jetdag-view)$$')
NO_DISPLAY    := env -u DISPLAY -u WAYLAND_DISPLAY
# Tests of headless packages that start the jetdag-view binary (cli.WindowBinaries), so need a
# display too: every TestView…Screenshot and TestBenchFrame….
WINDOW_RUNS   := -run '^(TestView[A-Za-z]*Screenshot|TestBenchFrame[A-Za-z]*)$$' ./cli

# Every target is phony: none makes a file of its name.
.PHONY: all deps build run test test-short check-headless gateway-js faults fuzz bench windows screenshots darwin clean

all: build

# deps installs the system packages Ebiten's cgo build and the Xvfb tests need. As root on a
# Debian/Ubuntu machine it runs apt-get; otherwise it prints the command to run. On macOS it
# only checks for Xcode's command line tools (the C compiler Ebiten's cgo build needs).
deps:
	@if [ "$$(uname)" = Darwin ]; then xcode-select -p >/dev/null 2>&1 && exit 0; \
	  echo "jetdag-view needs a C compiler on macOS: run xcode-select --install"; exit 1; fi; \
	missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
	  echo "jetdag needs these system packages:$$missing"; \
	  echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	fi

# build makes both binaries: jetdag (headless: every command) and jetdag-view (the same
# commands plus the window), which `jetdag view` runs from beside it.
build: deps
	$(GO) build -o $(BIN) .
	$(GO) build -o $(BIN)-view ./cmd/jetdag-view

run: build
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "no display: running under Xvfb (the window is invisible; use --screenshot to look)"; \
	  $(XVFB) ./$(BIN) view --demo $(ARGS); \
	else ./$(BIN) view --demo $(ARGS); fi

# test runs the whole suite with the race detector: the headless packages with no display,
# then the window tests under Xvfb.
test: deps check-headless
	$(GO) vet ./...
	$(NO_DISPLAY) $(GO) test -race -count=1 -timeout 30m $(HEADLESS_PKGS)
	$(XVFB) $(GO) test -race -count=1 -timeout 30m $(WINDOW_PKGS)
	$(XVFB) $(GO) test -race -count=1 -timeout 30m $(WINDOW_RUNS)

test-short: deps check-headless
	$(NO_DISPLAY) $(GO) test -short -count=1 $(HEADLESS_PKGS)
	$(XVFB) $(GO) test -short -count=1 $(WINDOW_PKGS)

# check-headless fails when a package outside WINDOW_PKGS depends on Ebiten.
check-headless:
	@for p in $(HEADLESS_PKGS); do \
	  if $(GO) list -deps $$p | grep -q '^github.com/hajimehoshi/ebiten'; then \
	    echo "$$p imports Ebiten: only $(WINDOW_PKGS) may"; exit 1; fi; \
	done

# gateway-js installs an IPFS client that is not jetdag's code (@helia/verified-fetch, Node.js)
# and fetches from the gateway with it (store/gateway TestHeliaVerifiedFetch; skipped without it).
gateway-js:
	npm ci --prefix store/gateway/jsclient --no-audit --no-fund >/dev/null
	$(GO) test -count=1 -run TestHeliaVerifiedFetch -v ./store/gateway

# faults runs the long fault campaign (writers and nodes killed, a partitioned node, a full
# disk; the network faults need root): about half an hour; figures in docs/operations.md.
faults:
	@mkdir -p bin; echo "fault campaign, long form: log in bin/faults.log"; \
	JETDAG_FAULTS=long $(GO) test -count=1 -timeout 90m -v ./store/faults/ > bin/faults.log 2>&1; s=$$?; \
	grep -E 'FAULTS|^(--- |ok|FAIL)' bin/faults.log; exit $$s

# fuzz runs each fuzz target for FUZZTIME (the CLI's argument parsers for CLI_FUZZTIME).
# FuzzImportCAR imports into a real in-process server, whose goroutines make coverage change on
# their own: without -fuzzminimizetime=0s the fuzzer spends its time minimizing such inputs
# (0 executions a second instead of ~150).
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline exceeded" at the
# end of -fuzztime, having found nothing (go.dev/issue/75804, fixed in Go 1.27): fuzz_target
# runs such a target again, up to three times, but fails at once on a real finding (a failing
# input written to testdata/fuzz) or any other error.
fuzz_target = for try in 1 2 3; do \
		out=$$($(GO) test -run='^$$' -fuzz='^$(1)$$' $(3) ./$(2) 2>&1); s=$$?; echo "$$out"; \
		[ $$s -eq 0 ] && break; \
		if echo "$$out" | grep -q 'Failing input written to' || ! echo "$$out" | grep -q 'context deadline exceeded'; then exit $$s; fi; \
		echo "fuzz: $(1) hit the coordinator's deadline race (go.dev/issue/75804), found nothing; running it again"; \
	done; exit $$s

fuzz:
	@$(call fuzz_target,FuzzDecode,store/block,-fuzztime=$(FUZZTIME))
	@$(call fuzz_target,FuzzCIDArg,cli,-fuzztime=$(CLI_FUZZTIME))
	@$(call fuzz_target,FuzzNameArgs,cli,-fuzztime=$(CLI_FUZZTIME))
	@$(call fuzz_target,FuzzImportCAR,store,-fuzztime=$(FUZZTIME) -fuzzminimizetime=0s)

bench: deps
	$(XVFB) $(GO) test -run='^$$' -bench=. -benchmem ./...

windows:
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -o bin/jetdag.exe .
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -o bin/jetdag-view.exe ./cmd/jetdag-view

# screenshots renders the pictures of docs/visualizer.md from the window tests under Xvfb:
# docs/game.png (the force layout), docs/lanes.png (the lanes layout), docs/view-minimap.png
# docs/view-timeline.png (the timeline bar as of an earlier sequence), docs/view-activity.png
# (the activity panel as the colour legend), docs/view-explore.png (view --at: one event's
# neighbourhood) and docs/view-resume.png (view --checkpoint: the heads and what follows).
screenshots: deps
	JETDAG_SHOTS=$(CURDIR)/docs $(XVFB) $(GO) test -count=1 -run 'TestGameScreenshotRun|TestLanesScreenshot|TestMinimapScreenshot|TestTimelineScreenshot|TestActivityPanelScreenshot' ./systems/windowtest/
	JETDAG_SHOTS=$(CURDIR)/docs $(XVFB) $(GO) test -count=1 -run 'TestViewExploreScreenshot|TestViewResumeScreenshot' ./cli/

# darwin cross-builds the headless jetdag for macOS (every command but the window, whose Ebiten
# build needs cgo against Apple's frameworks: build jetdag-view on a Mac with `make build`).
darwin:
	CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) build -o bin/jetdag-darwin-arm64 .
	CGO_ENABLED=0 GOOS=darwin GOARCH=amd64 $(GO) build -o bin/jetdag-darwin-amd64 .

clean:
	rm -rf bin
