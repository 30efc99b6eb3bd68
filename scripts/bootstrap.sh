#!/usr/bin/env bash
# Installs the Debian packages Continuum needs to build and test, when they are missing.
# Safe to run again: it installs nothing that is already there.
set -euo pipefail

packages=(
  libsqlite3-dev   # GRDB: the SQLite state store
  libgit2-dev      # ContinuumGit: the Git source, through libgit2
  pkg-config       # finds libgit2 for the system-library target
  git              # the tests' git daemon and fixture repositories
  gpgv             # --verify-signatures checks commit signatures with gpgv
  gnupg            # the tests make signing keys and signed commits with gpg
  python3-venv     # the tests' Python tools (prometheus_client's parser) in a venv
  curl             # the quickstart's controller walkthrough, and the pull-request workflows in examples/ci
  jq               # the pull-request workflows in examples/ci (their test runs them)
  shellcheck       # lints the pull-request workflows' scripts in examples/ci
  openssh-server   # the tests' sshd on loopback, for Git over SSH (it is started by the tests only)
  openssl          # the tests make a self-signed certificate for the Redfish emulator over HTTPS
  libvirt-dev      # ContinuumLibvirt: VMs and networks through the libvirt C API
  libvirt-daemon   # the tests run an unprivileged libvirtd so that a second process can observe the test driver
  libvirt-clients  # the tests observe that libvirtd with virsh, as a second process
  libcurl4-openssl-dev  # the release build with --static-swift-stdlib links Foundation's networking statically (-lcurl)
  debootstrap      # the container test makes its debian:bookworm-slim base (no registry is reachable)
  buildah          # the container test builds the Dockerfile's runtime stage
  podman           # ... and runs the image (rootful, with runc)
  runc             # podman's runtime here (crun fails on this machine's cgroup setup)
  uidmap           # podman's user-namespace helpers
  postgresql       # the PostgreSQL state store's tests: a throwaway cluster per test run (initdb, pg_ctl, psql; the system cluster is not used)
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "bootstrap: swift is not on PATH; install Swift 6 (https://www.swift.org/install/linux/) and try again" >&2
  exit 1
fi
