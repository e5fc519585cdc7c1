# fooltest as a container: the GitHub Action (action.yml builds this file) and
# a plain CLI image:
#
#   docker build -t fooltest .
#   docker run --rm --network none -v "$PWD:/work" fooltest run --model m.onnx
#
# The container runs as root, as GitHub Actions runs docker actions; in action
# mode fooltest hands the files it writes to the owner of the workspace. Run
# it with --user "$(id -u):$(id -g)" for reports owned by you elsewhere.

# The build stage runs on the machine that builds (BUILDPLATFORM) and
# cross-compiles for the target: an arm64 image needs no emulation to build,
# only to run. BuildKit sets BUILDPLATFORM and TARGETARCH; the classic builder
# (DOCKER_BUILDKIT=0) sets neither and builds for its own machine, given
# --build-arg BUILDPLATFORM=linux/amd64 (or linux/arm64).
ARG BUILDPLATFORM
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build

# npm fetches the pinned ONNX Runtime package; it stays in this stage. cgo
# compiles the ONNX Runtime binding, so the other architecture needs Debian's
# cross C compiler and C library. This layer and the next depend only on the
# build machine, so the amd64 and arm64 targets share them.
RUN case "$(go env GOARCH)" in \
      amd64) cross="gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;; \
      arm64) cross="gcc-x86-64-linux-gnu libc6-dev-amd64-cross" ;; \
      *) echo "fooltest images are built on amd64 or arm64, not $(go env GOARCH)" >&2; exit 1 ;; \
    esac \
 && apt-get update \
 && apt-get install -y --no-install-recommends npm $cross \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# The runtime libraries first: they change far less often than the code.
COPY scripts/install-onnxruntime.sh scripts/
RUN scripts/install-onnxruntime.sh --arch x64 /opt/onnxruntime/amd64 \
 && scripts/install-onnxruntime.sh --arch arm64 /opt/onnxruntime/arm64 \
 && rm -rf /root/.npm

COPY go.mod go.sum ./
RUN go mod download

COPY . .
ARG FOOLTEST_VERSION=
ARG TARGETARCH
# cgo: the ONNX Runtime binding is C. On amd64 the simd experiment builds the
# CPPN renderer's AVX2 kernels (see the Makefile); the experiment does not
# exist on arm64, whose plain build renders the same images with scalar loops.
RUN arch=${TARGETARCH:-$(go env GOARCH)} \
 && case "$arch/$(go env GOARCH)" in \
      amd64/amd64 | arm64/arm64) cc=gcc ;; \
      amd64/*) cc=x86_64-linux-gnu-gcc ;; \
      arm64/*) cc=aarch64-linux-gnu-gcc ;; \
      *) echo "fooltest images are built for amd64 and arm64, not $arch" >&2; exit 1 ;; \
    esac \
 && experiment=$([ "$arch" = amd64 ] && echo simd || true) \
 && CGO_ENABLED=1 GOOS=linux GOARCH="$arch" CC="$cc" GOEXPERIMENT="$experiment" go build -trimpath \
      -ldflags "-s -w -X main.version=${FOOLTEST_VERSION}" \
      -o /out/fooltest ./cmd/fooltest \
 && cp /opt/onnxruntime/"$arch"/lib/libonnxruntime.so /out/libonnxruntime.so

# The runtime stage is the target platform's own Debian.
FROM debian:bookworm-slim

# libstdc++ is what libonnxruntime.so links against beyond libc.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libstdc++6 \
 && rm -rf /var/lib/apt/lists/*

COPY --from=build /out/libonnxruntime.so /usr/local/lib/libonnxruntime.so
COPY --from=build /out/fooltest /usr/local/bin/fooltest
ENV ONNXRUNTIME_LIB=/usr/local/lib/libonnxruntime.so
# Mount the project here and relative paths, reports included, land in it.
# GitHub Actions sets its own working directory, the workspace.
WORKDIR /work

# No CMD: started with no arguments inside GitHub Actions, fooltest reads the
# action's INPUT_* variables; otherwise no arguments runs the embedded demo.
ENTRYPOINT ["/usr/local/bin/fooltest"]
