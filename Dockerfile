# fooltest as a container: the GitHub Action (action.yml builds this file) and
# a plain CLI image:
#
#   docker build -t fooltest .
#   docker run --rm --network none -v "$PWD:/work" fooltest run --model m.onnx
#
# The container runs as root, as GitHub Actions runs docker actions; in action
# mode fooltest hands the files it writes to the owner of the workspace. Run
# it with --user "$(id -u):$(id -g)" for reports owned by you elsewhere.

FROM golang:1.26-bookworm AS build

# npm fetches the pinned ONNX Runtime package; it stays in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# The runtime library first: it changes far less often than the code.
COPY scripts/install-onnxruntime.sh scripts/
RUN scripts/install-onnxruntime.sh /opt/onnxruntime && rm -rf /root/.npm

COPY go.mod go.sum ./
RUN go mod download

COPY . .
ARG FOOLTEST_VERSION=
# cgo: the ONNX Runtime binding is C. The simd experiment builds the CPPN
# renderer's AVX2 kernels (see the Makefile).
RUN CGO_ENABLED=1 GOEXPERIMENT=simd go build -trimpath \
      -ldflags "-s -w -X main.version=${FOOLTEST_VERSION}" \
      -o /out/fooltest ./cmd/fooltest

FROM debian:bookworm-slim

# libstdc++ is what libonnxruntime.so links against beyond libc.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libstdc++6 \
 && rm -rf /var/lib/apt/lists/*

COPY --from=build /opt/onnxruntime/lib/libonnxruntime.so /usr/local/lib/libonnxruntime.so
COPY --from=build /out/fooltest /usr/local/bin/fooltest
ENV ONNXRUNTIME_LIB=/usr/local/lib/libonnxruntime.so
# Mount the project here and relative paths, reports included, land in it.
# GitHub Actions sets its own working directory, the workspace.
WORKDIR /work

# No CMD: started with no arguments inside GitHub Actions, fooltest reads the
# action's INPUT_* variables; otherwise no arguments runs the embedded demo.
ENTRYPOINT ["/usr/local/bin/fooltest"]
