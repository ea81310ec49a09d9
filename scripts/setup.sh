#!/usr/bin/env bash
# Installs everything the extension, `npm start` and `npm test` need on a fresh Debian 12 machine
# (root): Debian packages, the npm dependencies, and the real VS Code test host. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
APT_PKGS=(
  # real VS Code host (code-server) + headless browser
  chromium ripgrep libkrb5-dev pkg-config fonts-dejavu-core
  # signatures checked against xmlsec1; certificates
  xmlsec1 openssl
  # KVM backend, base image build, contextualization, SSH host
  qemu-system-x86 qemu-utils mmdebstrap extlinux syslinux-common e2fsprogs cloud-image-utils genisoimage
  socat netcat-openbsd bc jq curl openssh-client openssh-server dpkg-dev iproute2 util-linux
  # saved-image identifier: stream an overlay chain as raw bytes (nbdcopy) without writing a raw copy
  libnbd-bin
  libvirt-daemon-system libvirt-clients
  # marketplace downloads: .bz2 images are inflated by bzip2
  bzip2
  # import-image: .xz disk images are inflated by xz
  xz-utils
)
missing=()
for p in "${APT_PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/tmp/stratus-apt.log 2>&1 || { tail -30 /tmp/stratus-apt.log; exit 1; }
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi
[ -f test/host/setup-host.sh ] && bash test/host/setup-host.sh
[ -f scripts/setup-kvm.sh ] && bash scripts/setup-kvm.sh
echo "setup: done in $(( $(date +%s) - t0 ))s"
