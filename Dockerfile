# Multi-stage build: a static manager binary on a distroless, non-root base
# with no shell. The images come from build arguments, so that each site
# names the mirror it pulls from:
#   docker build --build-arg GO_IMAGE=<golang:1.26 image> \
#     --build-arg RUNTIME_IMAGE=<distroless static:nonroot image> .
ARG GO_IMAGE=golang:1.26
ARG RUNTIME_IMAGE
FROM ${GO_IMAGE} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY internal/ internal/
RUN go build -trimpath -ldflags "-s -w" -o /out/manager ./cmd

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
