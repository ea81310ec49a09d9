#!/bin/bash
# build-base-image.sh — Stratus: build a small, real Debian guest base image (Debian 13 "trixie", the stable release; SUITE=…) from Debian packages only.
#
# Result: OUT/debian-base.qcow2 (compressed qcow2, standalone) + OUT/debian-base.raw (sparse raw)
# The disk is an unpartitioned ext4 "superfloppy" (label vmroot) with the Debian kernel + initramfs
# inside it and EXTLINUX in the filesystem boot sector, so plain `qemu-system-x86_64 -drive file=...`
# (SeaBIOS) boots it without -kernel/-initrd.
# Guest features: systemd, DHCP via systemd-networkd, OpenSSH (key-only, root by key), dbus+logind (ACPI
# power button -> clean poweroff), apt with the sources of the Debian mirror it was built from ($SUITE,
# -updates, -security), and Debian's real cloud-init reading only local seeds: a NoCloud ISO (label cidata)
# or an OpenNebula/StratusLab ISO (label _STRATUSLAB/CONTEXT with context.sh). cloud-init prints the new
# instance's SSH host keys on the serial console (-----BEGIN SSH HOST KEY KEYS-----), where Stratus pins them.
#
# Usage (root, Debian 12 host with access to a Debian mirror):
#   ./build-base-image.sh [OUTDIR]        env: SUITE (default trixie), MIRROR, SECURITY_MIRROR, DISK_SIZE (default 2G)
set -euo pipefail
GUEST=$(cd "$(dirname "$0")/../guest" && pwd)   # files installed into the guest as they are
# The Debian mirror this machine's apt already uses (deb822 .sources or classic .list).
apt_mirror() {
  local want=${1:-main} u
  u=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*//' | tr ' ' '\n')
  if [ "$want" = security ]; then echo "$u" | grep -m1 security; else echo "$u" | grep -vm1 security; fi
}
OUT=${1:-${TMPDIR:-/tmp}/stratus-lab/out}
MIRROR=${MIRROR:-$(apt_mirror)}
SECURITY_MIRROR=${SECURITY_MIRROR:-$(apt_mirror security)}
DISK_SIZE=${DISK_SIZE:-2G}
SUITE=${SUITE:-trixie}
NAME=${NAME:-debian-base}
mkdir -p "$OUT"
t0=$(date +%s.%N)
elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)"; }

need=()
for c in mmdebstrap:mmdebstrap extlinux:extlinux qemu-img:qemu-utils mkfs.ext4:e2fsprogs bc:bc; do
  command -v "${c%%:*}" >/dev/null || need+=("${c##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi

WORK=$(mktemp -d /tmp/vmimg.XXXXXX)
ROOT=$WORK/root
MNT=$WORK/mnt
cleanup() { mountpoint -q "$MNT" 2>/dev/null && umount "$MNT"; rm -rf "$WORK"; }
trap cleanup EXIT

# e2fsprogs: not Essential since Debian 13, and the guest needs resize2fs (cloud-init resizefs) and tune2fs
PKGS=systemd-sysv,udev,dbus,openssh-server,linux-image-amd64,initramfs-tools,zstd,iproute2,ca-certificates,e2fsprogs,cloud-init

# initramfs: only the modules needed to find the root disk (virtio/ide/sata/scsi) -> small + fast
ESSENTIAL_HOOK='mkdir -p "$1/etc/initramfs-tools/conf.d" && printf "MODULES=list\nCOMPRESS=zstd\n" > "$1/etc/initramfs-tools/conf.d/vm.conf" && printf "virtio_pci\nvirtio_blk\nvirtio_scsi\nsd_mod\nata_piix\nahci\next4\n" > "$1/etc/initramfs-tools/modules"'

echo "[$(elapsed)s] mmdebstrap ($PKGS)"
mmdebstrap --variant=minbase --mode=root \
  --include="$PKGS" \
  --aptopt='APT::Install-Recommends "false"' \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/lib/firmware/*' \
  --essential-hook="$ESSENTIAL_HOOK" \
  "$SUITE" "$ROOT" "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" \
  "deb $SECURITY_MIRROR $SUITE-security main" > "$WORK/mmdebstrap.log" 2>&1 || { tail -40 "$WORK/mmdebstrap.log"; exit 1; }
echo "[$(elapsed)s] rootfs done: $(du -sh "$ROOT" | cut -f1)"

KV=$(ls "$ROOT/lib/modules" | head -1)

# ---- prune kernel modules to a whitelist (+ dependencies) --------------------------------------
KEEP_MODS="virtio_pci virtio_blk virtio_net virtio_scsi virtio_console virtio_rng virtio_balloon
 vmw_vsock_virtio_transport ext4 isofs sr_mod cdrom sd_mod ata_piix ata_generic ahci button evdev
 e1000 e1000e 9p 9pnet_virtio crc32c_generic crc32c_intel af_packet tun loop overlay"
KEEP_LIST=$WORK/keep
: > "$KEEP_LIST"
for m in $KEEP_MODS; do
  chroot "$ROOT" modprobe -S "$KV" --show-depends "$m" 2>/dev/null | awk '$1=="insmod"{print $2}' >> "$KEEP_LIST" || true
done
sort -u -o "$KEEP_LIST" "$KEEP_LIST"
(cd "$ROOT" && find "lib/modules/$KV/kernel" -name '*.ko*' | sed 's|^|/|' | sort) | comm -23 - "$KEEP_LIST" | sed "s|^|$ROOT|" | xargs -r rm -f
find "$ROOT/lib/modules/$KV/kernel" -type d -empty -delete
chroot "$ROOT" depmod "$KV"
echo "[$(elapsed)s] kept $(wc -l < "$KEEP_LIST") kernel modules"

# ---- guest configuration -------------------------------------------------------------------------
echo debian-vm > "$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 debian-vm\n' > "$ROOT/etc/hosts"
echo 'LABEL=vmroot / ext4 rw,noatime,discard,errors=remount-ro 0 1' > "$ROOT/etc/fstab"
# apt in the guest uses the mirror the image was built from (reachable from a guest with NAT networking)
rm -f "$ROOT"/etc/apt/sources.list.d/*
printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
  "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" "$SECURITY_MIRROR" "$SUITE" > "$ROOT/etc/apt/sources.list"
mkdir -p "$ROOT/etc/systemd/network"
cat > "$ROOT/etc/systemd/network/20-dhcp.network" <<'EOF'
[Match]
Name=en* eth*
[Network]
DHCP=ipv4
LinkLocalAddressing=no
IPv6AcceptRA=no
[DHCPv4]
UseDomains=yes
EOF
# DNS from DHCP without systemd-resolved: not needed for IP-addressed repos; keep a static resolver
echo 'nameserver 10.0.2.3' > "$ROOT/etc/resolv.conf"
cat > "$ROOT/etc/ssh/sshd_config.d/vm.conf" <<'EOF'
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
EOF
rm -f "$ROOT"/etc/ssh/ssh_host_*          # generated per instance by cloud-init
# machine-id: empty -> generated at first boot of each instance
: > "$ROOT/etc/machine-id"; rm -f "$ROOT/var/lib/dbus/machine-id"

# ---- contextualization: the real cloud-init, local datasources only, trimmed for a fast boot -------
# NoCloud reads the 'cidata' seed, OpenNebula the context.sh of a '_STRATUSLAB'/'CONTEXT' disk. No
# network datasource is ever probed. ds-identify only knows the OpenNebula labels CONTEXT/CDROM, so it
# would switch cloud-init off for a _STRATUSLAB disk: "enabled" makes cloud-init itself look (both
# datasources are local and cheap; with neither disk the None datasource still makes host keys).
printf 'policy: enabled\n' > "$ROOT/etc/cloud/ds-identify.cfg"
cat > "$ROOT/etc/cloud/cloud.cfg.d/90-stratus.cfg" <<'EOF'
# Stratus base image: what differs from Debian's cloud.cfg, and why.
datasource_list: [ NoCloud, OpenNebula, None ]
datasource:
  OpenNebula:
    # context.sh is read by bash as root, as OpenNebula's own context scripts do (the default
    # 'nobody' needs sudo, which this image does not carry)
    parseuser: null
# the network is configured by systemd-networkd (DHCP on eth0); cloud-init leaves it alone
network: {config: disabled}
# Stratus logs in as root with its key: the image has no default user (Debian's 'debian'), so
# cloud.cfg's `users: [default]` creates nobody and keys go to root unprefixed. (Not `users: []`: the
# schema wants a non-empty list, and cloud-init would report "Invalid cloud-config" on every boot,
# hiding a user's real cloud-config errors.)
system_info:
  default_user: null
disable_root: false
# no ssh_pwauth: sshd_config.d/vm.conf already forbids passwords, and setting it makes cloud-init
# edit sshd_config and restart sshd at every first boot (about 4 s under TCG)
# a new instance gets new host keys; RSA is left out (about 7 s of key generation under TCG)
ssh_deletekeys: true
ssh_genkeytypes: [ed25519, ecdsa]
ssh_quiet_keygen: true
apt:
  preserve_sources_list: true
# Modules: those a user's cloud-config or scripts can ask for. Left out: the ones that act on their
# own at every first boot (locale generation, time sync, apt source rewriting, snap/landscape/lxd/
# puppet/chef…, rsyslog, growpart of a partition table this unpartitioned disk does not have).
cloud_init_modules:
 - bootcmd
 - write-files
 - resizefs
 - disk_setup
 - mounts
 - set_hostname
 - update_hostname
 - update_etc_hosts
 - ca-certs
 - users-groups
 - ssh
# Debian 13's cloud-init runs every stage in one Python process (cloud-init-main.service; the stage units
# only signal it), so the config stage costs no interpreter start and keeps its usual modules.
cloud_config_modules:
 - set-passwords
 - timezone
 - runcmd
cloud_final_modules:
 - package-update-upgrade-install
 - write-files-deferred
 - scripts-vendor
 - scripts-per-once
 - scripts-per-boot
 - scripts-per-instance
 - scripts-user
 # the host keys on the console, where Stratus pins them: last, so an instance that answers SSH has run
 # its user's scripts (after `ssh` above, SSH would answer sooner but before them)
 - keys-to-console
 - phone-home
 - final-message
 - power-state-change
EOF
# StratusLab one-context agent (seed: *.context files in /etc/stratuslab/conf.d run at every boot): the files in
# guest/, which Check Image Readiness also installs into other images (setup-kvm.sh's image hash covers them)
mkdir -p "$ROOT/etc/stratuslab/conf.d"; echo context_device=sr0 > "$ROOT/etc/stratuslab/stratuslab-one-context.cfg"
install -m 0755 "$GUEST/stratuslab-one-context" "$ROOT/usr/sbin/stratuslab-one-context"
install -m 0644 "$GUEST/stratuslab-one-context.service" "$ROOT/etc/systemd/system/stratuslab-one-context.service"
# and its check before cloud-init's local stage (an image saved from a one-method instance boots its copies as new)
install -m 0644 "$GUEST/stratuslab-one-instance.service" "$ROOT/etc/systemd/system/stratuslab-one-instance.service"
# volatile journal: no journal flush at boot, fewer writes into instance overlays
mkdir -p "$ROOT/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' > "$ROOT/etc/systemd/journald.conf.d/vm.conf"
# udev alone does not autoload the power button driver early enough on every machine type; the CD driver
# neither, for a context disk read by an rc.local script (the seeds' onecontext), which waits for no device
printf 'button\nevdev\nsr_mod\n' > "$ROOT/etc/modules-load.d/vm.conf"

chroot "$ROOT" systemctl enable systemd-networkd.service ssh.service stratuslab-one-context.service stratuslab-one-instance.service >/dev/null 2>&1
for u in getty@tty1.service systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
         e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-timesyncd.service cloud-init-hotplugd.socket; do
  chroot "$ROOT" systemctl mask "$u" >/dev/null 2>&1 || true
done
chroot "$ROOT" systemctl set-default multi-user.target >/dev/null 2>&1
passwd -R "$ROOT" -l root >/dev/null

# rebuild the (small) initramfs after pruning, then boot loader config
chroot "$ROOT" update-initramfs -u -k "$KV" > /dev/null 2>&1
rm -f "$ROOT"/boot/initrd.img-*.old-dkms
mkdir -p "$ROOT/boot/extlinux"
cat > "$ROOT/boot/extlinux/extlinux.conf" <<EOF
DEFAULT debian
PROMPT 0
TIMEOUT 0
LABEL debian
  LINUX /boot/vmlinuz-$KV
  INITRD /boot/initrd.img-$KV
  APPEND root=LABEL=vmroot rw console=ttyS0,115200 net.ifnames=0 fsck.mode=skip quiet systemd.show_status=auto systemd.firstboot=off
EOF
rm -rf "$ROOT"/var/cache/apt/* "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/*.log "$ROOT"/tmp/* 2>/dev/null || true
echo "[$(elapsed)s] configured; initrd $(du -h "$ROOT/boot/initrd.img-$KV" | cut -f1); rootfs $(du -sh "$ROOT" | cut -f1)"

# ---- filesystem image (populated without mounting), then EXTLINUX in the fs boot sector -----------
RAW=$OUT/$NAME.raw
rm -f "$RAW"; truncate -s "$DISK_SIZE" "$RAW"
# mkfs -d populates the fs from the directory without mounting it. lazy_itable_init=0: otherwise
# ext4lazyinit zeroes the inode tables after the first mount of *every* instance and dirties its overlay.
# Only the EXTLINUX install needs a (loop) mount: it writes its boot sector at the start of the fs
# (no partition table: "superfloppy"; root=LABEL=vmroot; resize = qemu-img resize + resize2fs /dev/vda).
mkfs.ext4 -q -F -L vmroot -d "$ROOT" -E lazy_itable_init=0,lazy_journal_init=0 "$RAW"
mkdir -p "$MNT"
mount -o loop "$RAW" "$MNT"
extlinux --install "$MNT/boot/extlinux" >/dev/null 2>&1
umount "$MNT"
echo "[$(elapsed)s] raw image: $(du -h --apparent-size "$RAW" | cut -f1) virtual, $(du -h "$RAW" | cut -f1) allocated"
QC=$OUT/$NAME.qcow2
rm -f "$QC"
if [ "${COMPRESS:-1}" = 1 ]; then qemu-img convert -c -O qcow2 "$RAW" "$QC"; else qemu-img convert -O qcow2 "$RAW" "$QC"; fi
echo "[$(elapsed)s] qcow2$([ "${COMPRESS:-1}" = 1 ] && echo " (compressed)"): $(du -h "$QC" | cut -f1)  -> $QC"
echo "kernel=$KV" > "$OUT/$NAME.info"
