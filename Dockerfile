# goxel-mcp in a container: an MCP server on stdio, so run it with -i.
#
#   docker build -t goxel-mcp --build-arg VERSION=$(git describe --tags --always) .
#   docker run -i --rm -v goxel-data:/data goxel-mcp
#
# Renders and the autosaved scene live under /data (a volume). See
# docs/install/docker.md for host configs.

# go.mod asks for go 1.26.8; the 1.26 tag follows the newest 1.26 patch release.
FROM golang:1.26-bookworm AS build
WORKDIR /src
# Dependencies first, so an edit to our code reuses this layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/goxel-mcp ./cmd/goxel-mcp
# The runtime image has no shell to mkdir with. The render store refuses a
# directory owned by another user or writable by others, so /data is made
# here, owned by distroless's nonroot user (65532) and mode 0700; Docker
# copies it, ownership included, into a new named volume.
RUN mkdir -p /out/data/renders /out/data/state && chmod -R 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/goxel-mcp /goxel-mcp
COPY --from=build --chown=65532:65532 /out/data /data
ENV GOXEL_RENDER_DIR=/data/renders \
    GOXEL_STATE_DIR=/data/state
# The MCP Registry matches the OCI package of server.json by this label.
LABEL io.modelcontextprotocol.server.name="io.github.goxel-mcp/goxel-mcp"
USER nonroot:nonroot
VOLUME /data
# The working directory is an allowed directory: /data, never / (a root
# directory is never allowed implicitly), so models opened and saved by
# relative path land in the volume.
WORKDIR /data
ENTRYPOINT ["/goxel-mcp"]
