# fooltest: `make demo` runs the search on the embedded demo model,
# `make test` runs every test. Both install ONNX Runtime first if needed.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/fooltest
# Go's simd experiment builds the CPPN renderer's AVX2 kernels, which halve
# the search's rendering time. A build without it renders the same images,
# only slower (internal/cppn/simd.go). The kernels are amd64's: on arm64
# (Apple silicon, Graviton) the experiment is harmless and the scalar loops
# run.
export GOEXPERIMENT ?= simd

.PHONY: all demo test build onnxruntime vet clean

all: build

onnxruntime:
	@scripts/install-onnxruntime.sh >/dev/null

build:
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/fooltest

demo: onnxruntime build
	$(BIN) run

# The packages with vector kernels are also checked as a plain build (what
# `go install` gives), whose scalar loops must find the same images.
vet:
	$(GO) vet ./...
	GOEXPERIMENT= $(GO) vet ./internal/cppn ./internal/attack

# The race run covers the report writers, which write formats at once (a
# race there once let report.html read an image path while the images were
# being written), and the pipeline. It is -short: the tests that only
# write and read very large reports (hundreds of megabytes, 100,000
# classes) or start a browser run in the plain step, and under the race
# detector they took 270 s of the 600 s that go test allows a package on
# a loaded 2-core machine.
test: onnxruntime vet
	$(GO) test -count=1 ./...
	GOEXPERIMENT= $(GO) test -count=1 ./internal/cppn ./internal/attack
	$(GO) test -race -short -count=1 ./internal/report ./internal/pipeline

clean:
	rm -rf bin fooltest-report
