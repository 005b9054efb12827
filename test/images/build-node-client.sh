#!/usr/bin/env bash
# Builds skiff-test/node-client:TAG locally (no registry): the busybox root filesystem, the host's
# node binary with the shared libraries it links (ldd), and BUNDLE (one JavaScript file, e.g.
# node-client/list-pods.ts bundled by the test that uses it) as /app/main.js.
# Usage: build-node-client.sh BUNDLE TAG. Does nothing when the image exists.
set -euo pipefail
bundle=$1
tag=$2
image="skiff-test/node-client:$tag"
if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi
BB=${BUSYBOX:-$(command -v busybox || true)}
[ -n "$BB" ] && [ -x "$BB" ] || { echo "busybox-static is required (apt-get install -y busybox-static)" >&2; exit 1; }
NODE=$(readlink -f "$(command -v node)")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/root" "$dir/app"
cp "$BB" "$dir/bin/busybox"
for a in $("$BB" --list); do [ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"; done
cp "$NODE" "$dir/bin/node"
# The dynamic loader and every library node links, at the paths the loader looks for them.
for lib in $(ldd "$NODE" | grep -o '/[^ ]*' | sort -u); do
  mkdir -p "$dir$(dirname "$lib")"
  cp -L "$lib" "$dir$lib"
done
cp "$bundle" "$dir/app/main.js"
echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
echo 'root:x:0:' > "$dir/etc/group"
chmod 1777 "$dir/tmp"
tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' -c 'ENV HOME=/root' -c 'CMD ["/bin/node", "/app/main.js"]' - "$image" >/dev/null
echo "built $image from $NODE"
