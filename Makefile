# fooltest: `make demo` runs the search on the embedded demo model,
# `make test` runs every test. Both install ONNX Runtime first if needed.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/fooltest
ORT_LIB := third_party/onnxruntime/lib/libonnxruntime.so

.PHONY: all demo test build onnxruntime vet clean

all: build

onnxruntime:
	@scripts/install-onnxruntime.sh >/dev/null

build:
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/fooltest

demo: onnxruntime build
	$(BIN) run

vet:
	$(GO) vet ./...

test: onnxruntime vet
	$(GO) test -count=1 ./...

clean:
	rm -rf bin fooltest-report
