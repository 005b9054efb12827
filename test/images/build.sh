#!/usr/bin/env bash
# Builds the test images locally (there is no registry): a busybox root filesystem made from
# busybox-static and its applet links, imported with `docker import`.
#   skiff-test/busybox:1   sh, httpd, wget, nc, dd... (CMD sh)
#   skiff-test/busybox:2   the same content under a second tag (for image-change rollouts)
#   skiff-test/kubectl:1   busybox plus the host's kubectl (build-kubectl.sh)
#   skiff-test/noshell:1   no shell at all: one binary, /sleep (busybox named after its applet,
#                          so it runs nothing but sleep), for exec failures and ephemeral debug
# BUSYBOX=PATH picks the busybox binary (default: the one on PATH).
set -euo pipefail
BB=${BUSYBOX:-$(command -v busybox || true)}
[ -n "$BB" ] && [ -x "$BB" ] || { echo "busybox-static is required (apt-get install -y busybox-static)" >&2; exit 1; }
bash "$(dirname "$0")/build-kubectl.sh"
if ! docker image inspect skiff-test/noshell:1 >/dev/null 2>&1; then
  ns=$(mktemp -d)
  mkdir -p "$ns/tmp" "$ns/etc" "$ns/proc" "$ns/sys" "$ns/dev"
  # Busybox picks its applet from argv[0]: named `sleep` it is only sleep (`/sleep sh` fails with
  # "invalid number"), and there is no /bin, so neither `sh` nor `/bin/sh` can be exec'd.
  cp "$BB" "$ns/sleep"
  tar -C "$ns" -c . | docker import -c 'CMD ["/sleep", "infinity"]' - skiff-test/noshell:1 >/dev/null
  rm -rf "$ns"
  echo "built skiff-test/noshell:1"
fi
if docker image inspect skiff-test/busybox:1 >/dev/null 2>&1 && docker image inspect skiff-test/busybox:2 >/dev/null 2>&1; then
  echo "test images present"; exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/var/www"
cp "$BB" "$dir/bin/busybox"
for a in $("$BB" --list); do [ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
echo 'root:x:0:' > "$dir/etc/group"
echo '<h1>hello from skiff</h1>' > "$dir/var/www/index.html"
chmod 1777 "$dir/tmp"
tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - skiff-test/busybox:1 >/dev/null
docker tag skiff-test/busybox:1 skiff-test/busybox:2
echo "built skiff-test/busybox:1 and :2"
