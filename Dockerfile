# syntax=docker/dockerfile:1
# Continuum's controller image: built with the official Swift image, run on Debian 12 slim
# with only the libraries the binary loads, as a non-root user (65532), no shell needed.
#
#   docker build -t continuum:0.1.0 .                  # or: buildah build -t continuum:0.1.0 .
#   docker run --rm continuum:0.1.0 controller --help
#
# BINARY_FROM names the stage (or image) whose /out/continuum the runtime stage takes: the
# `build` stage below by default. The repository's container test passes an image holding a
# binary built on the host with the same flags, because no registry (so no Swift image) can
# be reached there; see Tests/Deployment/test_image.py.
ARG SWIFT_IMAGE=docker.io/library/swift:6.3-bookworm
ARG RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim
ARG BINARY_FROM=build

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libsqlite3-dev libgit2-dev libvirt-dev libcurl4-openssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a source change does not fetch them again.
COPY Package.* ./
RUN swift package resolve
COPY Sources ./Sources
COPY Benchmarks ./Benchmarks
COPY Tests ./Tests
# /src is mapped to `.` for Swift (#filePath) and C/C++ (__FILE__, which BoringSSL's error
# texts carry): no path of the build machine ends up in the binary or its messages.
ARG PATH_MAP="-Xswiftc -file-prefix-map -Xswiftc /src=. -Xcc -ffile-prefix-map=/src=. -Xcxx -ffile-prefix-map=/src=."
RUN swift build -c release --static-swift-stdlib ${PATH_MAP} --product continuum \
 && mkdir -p /out \
 && cp "$(swift build -c release --static-swift-stdlib ${PATH_MAP} --show-bin-path)/continuum" /out/continuum \
 && strip /out/continuum

FROM ${BINARY_FROM} AS binary

FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://github.com/continuum-gitops/continuum
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="continuum" \
      org.opencontainers.image.description="Continuum: a declarative GitOps reconciler for VMs, bare-metal nodes and Kubernetes clusters" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="${LICENSES}"
# Only what the binary loads at run time: libgit2 (Git, with libssh2 for SSH URLs), SQLite
# (the state), the libvirt client library, libcurl (Foundation's URLSession, for `continuum
# status` and `reconcile`), libxml2, CA certificates (HTTPS Git, Redfish), gpgv
# (--verify-signatures) and tzdata. libgit2 speaks SSH itself, so no openssh-client.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgit2-1.5 libsqlite3-0 libvirt0 libcurl4 libxml2 libstdc++6 zlib1g ca-certificates gpgv tzdata \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 65532 continuum \
 && useradd --system --uid 65532 --gid 65532 --home-dir /var/lib/continuum --no-create-home \
      --shell /usr/sbin/nologin continuum \
 && install -d -o 65532 -g 65532 -m 0700 /var/lib/continuum /var/cache/continuum \
 && install -d -m 0755 /etc/continuum
COPY --from=binary --chmod=0755 /out/continuum /usr/local/bin/continuum
USER 65532:65532
WORKDIR /var/lib/continuum
# The state, the sim world and the Git cache live on the volume at /var/lib/continuum.
ENV CONTINUUM_STATE=/var/lib/continuum/state.db \
    CONTINUUM_SIM_WORLD=/var/lib/continuum/sim.db \
    CONTINUUM_CACHE_DIR=/var/lib/continuum/git \
    CONTINUUM_LOG_FORMAT=json
VOLUME ["/var/lib/continuum"]
EXPOSE 8080 9292
ENTRYPOINT ["/usr/local/bin/continuum"]
CMD ["controller", "--help"]
