#!/usr/bin/env bash
# Extracts Debian's kubectl 1.20 (package kubernetes-client) to /opt/skiff-kubectl-1.20 for the OpenAPI v2 suite; touches only that folder and a temp dir, never installs over the kubectl on PATH.
# Needs current apt lists (.ci/run runs apt-get update first). Idempotent: a present binary is kept.
set -euo pipefail
dest=${SKIFF_KUBECTL_1_20_DIR:-/opt/skiff-kubectl-1.20}
bin="$dest/usr/bin/kubectl"
if [ -x "$bin" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt downloads as its own user (_apt), which must be able to write there (else it warns and
# falls back to downloading as root).
chown _apt "$tmp" 2>/dev/null || chmod 777 "$tmp"
(cd "$tmp" && apt-get download -qq kubernetes-client)
mkdir -p "$dest"
dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$dest"
"$bin" version --client
