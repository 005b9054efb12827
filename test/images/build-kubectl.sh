#!/usr/bin/env bash
# Builds skiff-test/kubectl:1 locally (no registry): the busybox root filesystem plus the host's
# kubectl as /bin/kubectl, for pods that talk to the API server in-cluster (the mounted
# service-account token and KUBERNETES_SERVICE_HOST, no kubeconfig). When the kubectl on PATH is
# the version dispatcher of the Google Cloud SDK, its kubectl.1.32 (the server's minor) is used.
# KUBECTL=PATH picks the binary; BUSYBOX=PATH the busybox (default: the ones on PATH).
set -euo pipefail
if docker image inspect skiff-test/kubectl:1 >/dev/null 2>&1; then exit 0; fi
BB=${BUSYBOX:-$(command -v busybox || true)}
[ -n "$BB" ] && [ -x "$BB" ] || { echo "busybox-static is required (apt-get install -y busybox-static)" >&2; exit 1; }
KC=${KUBECTL:-}
if [ -z "$KC" ]; then
  host=$(command -v kubectl || true)
  [ -n "$host" ] || { echo "kubectl is not on PATH; skiff-test/kubectl:1 not built" >&2; exit 0; }
  real=$(readlink -f "$host")
  if [ -x "$(dirname "$real")/kubectl.1.32" ]; then KC="$(dirname "$real")/kubectl.1.32"; else KC=$real; fi
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/root"
cp "$BB" "$dir/bin/busybox"
for a in $("$BB" --list); do [ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"; done
cp "$KC" "$dir/bin/kubectl"
echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
echo 'root:x:0:' > "$dir/etc/group"
chmod 1777 "$dir/tmp"
tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' -c 'ENV HOME=/root' -c 'CMD ["/bin/sh"]' - skiff-test/kubectl:1 >/dev/null
echo "built skiff-test/kubectl:1 from $KC"
