#!/bin/bash
# build-base-image.sh — Stratus: build a small, real Debian 12 guest base image from Debian packages only.
#
# Result: OUT/debian12-base.qcow2 (compressed qcow2, standalone) + OUT/debian12-base.raw (sparse raw)
# The disk is an unpartitioned ext4 "superfloppy" (label vmroot) with the Debian kernel + initramfs
# inside it and EXTLINUX in the filesystem boot sector, so plain `qemu-system-x86_64 -drive file=...`
# (SeaBIOS) boots it without -kernel/-initrd.
# Guest features: systemd, DHCP via systemd-networkd, OpenSSH (key-only), dbus+logind (ACPI power
# button -> clean poweroff), apt (no sources configured), "vm-context" contextualizer that reads a
# cloud-init NoCloud ISO (label cidata) or an OpenNebula/StratusLab ISO (label _STRATUSLAB/CONTEXT,
# context.sh with PUBLIC_KEY=...). Optional: WITH_CLOUD_INIT=1 also installs the real cloud-init.
#
# Usage (root, Debian 12 host with access to a Debian mirror):
#   ./build-base-image.sh [OUTDIR]        env: MIRROR, DISK_SIZE (default 2G), WITH_CLOUD_INIT=0|1
set -euo pipefail
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
WITH_CLOUD_INIT=${WITH_CLOUD_INIT:-0}
NAME=${NAME:-debian12-base}
[ "$WITH_CLOUD_INIT" = 1 ] && NAME=${NAME}-cloudinit
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

PKGS=systemd-sysv,udev,dbus,openssh-server,linux-image-amd64,initramfs-tools,zstd,iproute2,ca-certificates
if [ "$WITH_CLOUD_INIT" = 1 ]; then PKGS=$PKGS,cloud-init,isc-dhcp-client,python3-minimal; fi

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
  bookworm "$ROOT" "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
  "deb $SECURITY_MIRROR bookworm-security main" > "$WORK/mmdebstrap.log" 2>&1 || { tail -40 "$WORK/mmdebstrap.log"; exit 1; }
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
: > "$ROOT/etc/apt/sources.list"; rm -f "$ROOT"/etc/apt/sources.list.d/*   # no internet in the guest
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
rm -f "$ROOT"/etc/ssh/ssh_host_*          # generated per instance by vm-context
# machine-id: empty -> generated at first boot of each instance
: > "$ROOT/etc/machine-id"; rm -f "$ROOT/var/lib/dbus/machine-id"

install -m 0755 /dev/stdin "$ROOT/usr/local/sbin/vm-context" <<'EOF'
#!/bin/sh
# vm-context: tiny contextualizer. Reads, in this order, a cloud-init NoCloud ISO (label cidata/CIDATA:
# meta-data + user-data '#cloud-config' ssh_authorized_keys / '#!' script) or an OpenNebula/StratusLab ISO
# (label _STRATUSLAB or CONTEXT: context.sh with PUBLIC_KEY / SSH_PUBLIC_KEY / HOSTNAME / START_SCRIPT).
# Adds keys to /root/.ssh/authorized_keys, (re)generates SSH host keys for each new instance id,
# prints the host keys to the console in cloud-init's format and 'VM-CONTEXT-READY'.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
con() { echo "vm-context: $*"; echo "vm-context: $*" > /dev/ttyS0 2>/dev/null || true; }
STATE=/var/lib/vm-context; MNT=/run/vm-context; mkdir -p "$STATE" "$MNT"
found=""; settled=""; i=0
# poll for the context disk; give up once udev's queue is empty (= all coldplugged disks are known)
while [ $i -lt 100 ]; do
  for label in cidata CIDATA _STRATUSLAB CONTEXT; do
    dev=$(blkid -c /dev/null -l -t LABEL="$label" -o device 2>/dev/null)
    [ -n "$dev" ] || continue
    mount -o ro "$dev" "$MNT" 2>/dev/null || continue
    found=$label; break 2
  done
  [ $i -ge 5 ] && udevadm settle -t 0 2>/dev/null && [ -n "$settled" ] && break
  udevadm settle -t 0 2>/dev/null && settled=1
  i=$((i+1)); sleep 0.2
done
keys=""; host=""; iid=""; script=""
if [ -z "$found" ]; then
  con "no context disk found"
elif [ -f "$MNT/context.sh" ]; then
  iid=$(md5sum "$MNT/context.sh" | cut -c1-16)
  keys=$( . "$MNT/context.sh" >/dev/null 2>&1; printf '%s\n%s\n' "${PUBLIC_KEY:-}" "${SSH_PUBLIC_KEY:-}")
  host=$( . "$MNT/context.sh" >/dev/null 2>&1; printf '%s' "${SET_HOSTNAME:-${HOSTNAME:-}}")
  ( . "$MNT/context.sh" >/dev/null 2>&1
    if [ -n "${START_SCRIPT_BASE64:-}" ]; then printf '%s' "$START_SCRIPT_BASE64" | base64 -d
    elif [ -n "${START_SCRIPT:-}" ]; then printf '%s\n' "$START_SCRIPT"; fi ) > "$STATE/user-script.new"
  [ -s "$STATE/user-script.new" ] && script=1
elif [ -f "$MNT/meta-data" ]; then
  iid=$(sed -n 's/^instance-id:[[:space:]]*//p' "$MNT/meta-data" | tr -d "\"'" | head -1)
  host=$(sed -n 's/^local-hostname:[[:space:]]*//p' "$MNT/meta-data" | tr -d "\"'" | head -1)
  if [ -f "$MNT/user-data" ]; then
    if head -1 "$MNT/user-data" | grep -q '^#!'; then
      cp "$MNT/user-data" "$STATE/user-script.new"; script=1
    else
      # YAML subset: every list item under any 'ssh_authorized_keys:' key (top level or under users:)
      keys=$(awk '
        function ind(s) { match(s, /^[ ]*/); return RLENGTH }
        /^[ ]*(- )?ssh_authorized_keys:[ ]*$/ { on=1; base=ind($0); next }
        on && /^[ ]*- / && ind($0) >= base { s=$0; sub(/^[ ]*- [ ]*/, "", s); gsub(/^["\x27]|["\x27][ ]*$/, "", s); print s; next }
        on && !/^[ ]*$/ { on=0 }' "$MNT/user-data")
      host2=$(sed -n 's/^hostname:[[:space:]]*//p' "$MNT/user-data" | tr -d "\"'" | head -1)
      [ -n "$host2" ] && host=$host2
    fi
  fi
fi
[ -n "$found" ] && umount "$MNT" 2>/dev/null
[ -z "$iid" ] && iid=none
if [ -n "$keys" ]; then
  install -d -m 700 /root/.ssh; touch /root/.ssh/authorized_keys; chmod 600 /root/.ssh/authorized_keys
  printf '%s\n' "$keys" | while IFS= read -r k; do
    [ -n "$k" ] || continue
    grep -qxF "$k" /root/.ssh/authorized_keys || printf '%s\n' "$k" >> /root/.ssh/authorized_keys
  done
  con "authorized_keys: $(grep -c . /root/.ssh/authorized_keys) key(s)"
fi
if [ -n "$host" ]; then echo "$host" > /etc/hostname; hostname "$host"
  sed -i "s/^127\.0\.1\.1 .*/127.0.1.1 $host/" /etc/hosts; fi
# New instance (or no keys yet): fresh SSH host keys. Set VM_HOSTKEY_TYPES in /etc/default/vm-context.
VM_HOSTKEY_TYPES="ed25519 ecdsa"   # rsa costs ~7 s under TCG
[ -f /etc/default/vm-context ] && . /etc/default/vm-context
if [ "$(cat $STATE/instance-id 2>/dev/null)" != "$iid" ] || ! ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
  rm -f /etc/ssh/ssh_host_*
  for t in $VM_HOSTKEY_TYPES; do ssh-keygen -q -t "$t" -N '' -C "root@$(hostname)" -f /etc/ssh/ssh_host_${t}_key; done
  echo "$iid" > "$STATE/instance-id"
  [ -n "$script" ] && mv "$STATE/user-script.new" "$STATE/user-script" && chmod +x "$STATE/user-script" && rm -f "$STATE/user-script.done"
fi
rm -f "$STATE/user-script.new"
{ echo "-----BEGIN SSH HOST KEY KEYS-----"; cat /etc/ssh/ssh_host_*_key.pub; echo "-----END SSH HOST KEY KEYS-----"; } > /dev/ttyS0 2>/dev/null
con "VM-CONTEXT-READY instance-id=$iid source=${found:-none}"
EOF
install -m 0755 /dev/stdin "$ROOT/usr/local/sbin/vm-context-user-script" <<'EOF'
#!/bin/sh
# runs the context-supplied script once per instance, after sshd is up (like cloud-init's final stage)
S=/var/lib/vm-context/user-script
[ -x "$S" ] && [ ! -e "$S.done" ] || exit 0
"$S" > /var/log/vm-context-user-script.log 2>&1; rc=$?
echo "$rc" > "$S.done"
echo "vm-context: user script finished rc=$rc" > /dev/ttyS0 2>/dev/null
EOF
cat > "$ROOT/etc/systemd/system/vm-context.service" <<'EOF'
[Unit]
Description=VM contextualization (NoCloud cidata / OpenNebula context ISO)
After=local-fs.target systemd-udev-trigger.service
Before=ssh.service network-pre.target systemd-networkd.service
Wants=network-pre.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/vm-context
[Install]
WantedBy=multi-user.target
EOF
cat > "$ROOT/etc/systemd/system/vm-context-user-script.service" <<'EOF'
[Unit]
Description=VM context user script (once per instance)
After=vm-context.service ssh.service systemd-networkd.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vm-context-user-script
[Install]
WantedBy=multi-user.target
EOF
# volatile journal: no journal flush at boot, fewer writes into instance overlays
mkdir -p "$ROOT/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' > "$ROOT/etc/systemd/journald.conf.d/vm.conf"
# udev alone does not autoload the power button driver early enough on every machine type
printf 'button\nevdev\n' > "$ROOT/etc/modules-load.d/vm.conf"

chroot "$ROOT" systemctl enable systemd-networkd.service ssh.service >/dev/null 2>&1
if [ "$WITH_CLOUD_INIT" = 1 ]; then
  # real cloud-init does the contextualization; keep vm-context off
  printf 'datasource_list: [ NoCloud, None ]\n' > "$ROOT/etc/cloud/cloud.cfg.d/90-vm.cfg"
else
  chroot "$ROOT" systemctl enable vm-context.service vm-context-user-script.service >/dev/null 2>&1
fi
for u in getty@tty1.service systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
         e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-timesyncd.service; do
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
echo "[$(elapsed)s] qcow2 (compressed): $(du -h "$QC" | cut -f1)  -> $QC"
echo "kernel=$KV" > "$OUT/$NAME.info"
