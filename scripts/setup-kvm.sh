#!/bin/bash
# setup-kvm.sh — builds (once) and caches the Debian test/base image, then prints its path.
# The cache key is the hash of build-base-image.sh and of the guest/ files it installs (in name order; the
# same as setupBaseImage in src/backend/firststart/seed.ts), so editing either rebuilds the image; the cache
# directory (STRATUS_IMAGE_CACHE, default /var/cache/stratus) survives between runs. The cached image is an
# UNcompressed qcow2: instances read it constantly and the save's SHA-1 pass streams all of it.
# Also starts virtlogd/libvirtd when installed (seccomp_sandbox = 0: slirp guestfwd needs fork+exec).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${STRATUS_IMAGE_CACHE:-/var/cache/stratus}
hash=$(LC_ALL=C; cat "$here/build-base-image.sh" "$here"/../guest/* | sha256sum | cut -c1-12)
img=$CACHE/base-$hash.qcow2
mkdir -p "$CACHE"
if [ ! -s "$img" ]; then
  # concurrent callers of one image wait for one build; one lock per image (a daemon started below by an
  # older copy of this script may still hold a shared lock file), and fd 9 is closed again before any
  # daemon starts, so no long-lived process inherits it
  exec 9>"$CACHE/.build-$hash.lock"; flock 9
  if [ ! -s "$img" ]; then
    out=$(mktemp -d "$CACHE/.build.XXXXXX")
    trap 'rm -rf "$out"' EXIT
    echo "setup-kvm: building the Debian base image (about 60-90 s)…" >&2
    COMPRESS=0 bash "$here/build-base-image.sh" "$out" >&2
    mv "$out/debian-base.qcow2" "$img.tmp" && chmod 0444 "$img.tmp" && mv "$img.tmp" "$img"
  fi
  exec 9>&-
fi
# The guest kernel, outside the image: the acceleration probe boots it under -accel kvm (a present
# /dev/kvm is no proof that KVM boots a stock kernel) — debugfs reads the unmounted ext4 "superfloppy".
kern=${img%.qcow2}.vmlinuz
if [ ! -s "$kern" ] && command -v debugfs >/dev/null; then
  raw=$(mktemp "$CACHE/.raw.XXXXXX")
  qemu-img convert -O raw "$img" "$raw"
  kv=$(debugfs -R 'ls -p /boot' "$raw" 2>/dev/null | tr '/' '\n' | grep -m1 '^vmlinuz-' || true)
  [ -n "$kv" ] && debugfs -R "dump /boot/$kv $kern.tmp" "$raw" >/dev/null 2>&1 && mv "$kern.tmp" "$kern"
  rm -f "$raw" "$kern.tmp"
fi
if [ "${WITH_LIBVIRT:-1}" = 1 ] && command -v libvirtd >/dev/null && [ "$(id -u)" = 0 ]; then
  alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
  conf=/etc/libvirt/qemu.conf
  restart=0
  if [ -f "$conf" ] && ! grep -q '^seccomp_sandbox = 0' "$conf"; then
    sed -i 's/^#\?seccomp_sandbox = .*/seccomp_sandbox = 0/' "$conf"; grep -q '^seccomp_sandbox = 0' "$conf" || echo 'seccomp_sandbox = 0' >> "$conf"; restart=1
  fi
  alive /run/virtlogd.pid || virtlogd -d
  if alive /run/libvirtd.pid && [ $restart = 1 ]; then kill "$(cat /run/libvirtd.pid)"; sleep 1; fi
  alive /run/libvirtd.pid || libvirtd -d
fi
echo "$img"
