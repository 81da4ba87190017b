# The FittingJob controller image (make image does this, version stamped):
#   docker build --build-arg VERSION=v1.2.3 -t ghcr.io/intelligent-hpa/fittingjob-controller:v1.2.3 .
# Multi-platform builds cross-compile on the build machine:
#   docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/fittingjob-controller:<tag> .

FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS builder
WORKDIR /src

# Dependencies first, in their own layer: it is rebuilt only when go.mod or
# go.sum change.
COPY go.mod go.sum ./
RUN go mod download

# Only the product's Go packages (hack/ holds separate tool modules). A new
# top-level Go directory must be added here.
COPY cmd/ cmd/
COPY pkg/ pkg/

ARG TARGETOS
ARG TARGETARCH
# What --version and the build info metric report.
ARG VERSION=dev
# grpcnotrace: as in the Makefile; without it the binary is twice as large.
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -tags grpcnotrace \
      -ldflags "-s -w -X github.com/intelligent-hpa/fittingjob-controller/pkg/version.Version=${VERSION}" \
      -o /out/fittingjob-controller ./cmd/fittingjob-controller

# Static binary on distroless: no shell, no package manager, non-root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /out/fittingjob-controller /fittingjob-controller
# The numeric UID lets the kubelet check runAsNonRoot without a passwd lookup.
USER 65532:65532
ENTRYPOINT ["/fittingjob-controller"]
