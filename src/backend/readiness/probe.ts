/**
 * The readiness probe: a POSIX sh script run as root in the guest (live) or on this machine against an
 * unpacked root file system (STRATUS_ROOT=/path, offline). One line per item: ID<TAB>status<TAB>detail.
 * Kept as a string so the bundles carry it; backslashes, backquotes and dollar-braces are escaped.
 */
export const PROBE_SCRIPT = `#!/bin/sh
# Stratus image readiness probe (issue 8; checklist of the StratusLab docs).
# Prints one line per item: ID<TAB>pass|fail|warn|skip<TAB>detail. Runs as root in a guest (live), or
# against an unpacked root file system with STRATUS_ROOT=/path (offline: no process is inspected).
# STRATUS_EXPECTED_KEYS: base64 of the authorized_keys lines the context injected (live runs).
R=\${STRATUS_ROOT:-}
LIVE=1; [ -n "$R" ] && LIVE=
out() { printf '%s\\t%s\\t%s\\n' "$1" "$2" "$3"; }
exists() { for f in "$@"; do { [ -e "$f" ] || [ -L "$f" ]; } && return 0; done; return 1; }  # -L: offline links point into the image
enabled() { # UNIT: a systemd wants-link or a SysV S-link
  exists "$R"/etc/systemd/system/*.wants/"$1".service "$R"/etc/systemd/system/*.wants/"$1".socket "$R"/etc/rc[2345].d/S*"$1" && return 0
  return 1
}
has_cmd() { exists "$R/usr/bin/$1" "$R/usr/sbin/$1" "$R/bin/$1" "$R/sbin/$1" "$R/usr/local/bin/$1" "$R/usr/local/sbin/$1"; }
btime=$(awk '/^btime/ {print $2}' /proc/stat 2>/dev/null)

# --- contextualization present and enabled at boot
ctx=""
if has_cmd cloud-init; then
  ds=$(cat "$R"/etc/cloud/cloud.cfg "$R"/etc/cloud/cloud.cfg.d/*.cfg 2>/dev/null | grep -h 'datasource_list' | tail -1)
  if [ -n "$ds" ] && ! printf '%s' "$ds" | grep -Eq 'NoCloud|ConfigDrive|OpenNebula'; then
    out context.present warn "cloud-init's datasource_list ($ds) has no NoCloud/ConfigDrive/OpenNebula"
  fi
  # cloud-init 24.3+ (Debian 13) has cloud-init-main/-network instead of cloud-init.service
  { enabled cloud-init || enabled cloud-init-main || enabled cloud-init-network || enabled cloud-init-local; } && ctx="$ctx cloud-init"
fi
for s in stratuslab-one-context onecontext; do
  if has_cmd "$s"; then
    if enabled "$s" || grep -qs "$s" "$R/etc/rc.local" "$R"/etc/init.d/*; then ctx="$ctx $s"; fi
  fi
done
if [ -n "$ctx" ]; then out context.present pass "enabled at boot:$ctx"; else out context.present fail "no cloud-init or stratuslab-one-context enabled at boot"; fi

# --- SSH server enabled at boot
if enabled ssh || enabled sshd; then out ssh.enabled pass "sshd starts at boot"; else out ssh.enabled fail "no ssh/sshd service enabled at boot"; fi

# --- network by DHCP
dhcp=""
grep -Eqsi '^\\s*DHCP\\s*=\\s*(yes|true|ipv4|both)' "$R"/etc/systemd/network/*.network && dhcp="$dhcp systemd-networkd"
grep -Eqs '^\\s*iface\\s+\\S+\\s+inet\\s+dhcp' "$R"/etc/network/interfaces "$R"/etc/network/interfaces.d/* && dhcp="$dhcp ifupdown"
grep -Eqsi '^\\s*BOOTPROTO=["]?dhcp' "$R"/etc/sysconfig/network-scripts/ifcfg-* && dhcp="$dhcp ifcfg"
grep -Eqs 'dhcp4:\\s*(true|yes)' "$R"/etc/netplan/*.yaml && dhcp="$dhcp netplan"
enabled NetworkManager && dhcp="$dhcp NetworkManager"
if [ -n "$dhcp" ]; then out network.dhcp pass "DHCP via$dhcp"; else out network.dhcp fail "no interface configured for DHCP"; fi
if grep -Eqs '^\\s*HWADDR=' "$R"/etc/sysconfig/network-scripts/ifcfg-*; then out network.dhcp warn "ifcfg files pin a HWADDR: the NIC of a new instance will not match"; fi

# --- udev persistent-net rules
rule="$R/etc/udev/rules.d/70-persistent-net.rules"
if [ -L "$rule" ] && [ "$(readlink "$rule")" = /dev/null ]; then out network.no-persistent-net-rules pass "70-persistent-net.rules -> /dev/null"
elif [ -s "$rule" ]; then out network.no-persistent-net-rules fail "$rule records MAC addresses: eth0 becomes eth1 on a new instance"
elif exists "$R"/lib/udev/rules.d/75-persistent-net-generator.rules; then out network.no-persistent-net-rules warn "the persistent-net generator is installed and will write the rule at next boot"
else out network.no-persistent-net-rules pass "no persistent-net rules"; fi

# --- SSH host keys baked in
keys=""
for k in "$R"/etc/ssh/ssh_host_*_key; do
  [ -f "$k" ] || continue
  if [ -n "$LIVE" ] && [ -n "$btime" ] && [ "$(stat -c %Y "$k")" -ge "$btime" ]; then continue; fi
  keys="$keys \${k#"$R"}"
done
if [ -n "$keys" ]; then out secrets.no-host-keys fail "host keys shipped in the image (every instance would share them):$keys"
else out secrets.no-host-keys pass "host keys are generated per instance"; fi

# --- authorized_keys
expected=$(printf '%s' "\${STRATUS_EXPECTED_KEYS:-}" | base64 -d 2>/dev/null)
extra=""
for f in "$R"/root/.ssh/authorized_keys "$R"/root/.ssh/authorized_keys2 "$R"/home/*/.ssh/authorized_keys; do
  [ -f "$f" ] || continue
  n=$(grep -Ev '^\\s*(#|$)' "$f" | while IFS= read -r l; do printf '%s\\n' "$expected" | grep -qxF -- "$l" || echo x; done | wc -l)
  [ "$n" -gt 0 ] && extra="$extra \${f#"$R"}($n)"
done
if [ -n "$extra" ]; then out secrets.no-authorized-keys fail "keys not injected by the context:$extra"; else out secrets.no-authorized-keys pass "only context-injected keys"; fi

# --- private keys
priv=$(find "$R/root" "$R/home" -maxdepth 3 -type f 2>/dev/null | while IFS= read -r f; do
  case "$f" in *.pub) continue;; esac
  head -c 4096 "$f" 2>/dev/null | grep -q 'PRIVATE KEY-----' && printf ' %s' "\${f#"$R"}"
done)
if [ -n "$priv" ]; then out secrets.no-private-keys fail "private keys:$priv"; else out secrets.no-private-keys pass "no private keys in /root or /home"; fi

# --- shell history
hist=""
for f in "$R"/root/.*history "$R"/home/*/.*history "$R"/root/.lesshst; do [ -s "$f" ] && hist="$hist \${f#"$R"}"; done
if [ -n "$hist" ]; then out secrets.no-shell-history fail "history files:$hist"; else out secrets.no-shell-history pass "no shell history"; fi

# --- root password
pw=$(awk -F: '$1 == "root" { print $2 }' "$R/etc/shadow" 2>/dev/null)
case "$pw" in
  '') if [ -f "$R/etc/shadow" ]; then out secrets.root-password fail "root has an EMPTY password"; else out secrets.root-password skip "no /etc/shadow"; fi;;
  '*'|'!'*) out secrets.root-password pass "root password locked";;
  *) out secrets.root-password warn "root has a password hash: randomize it at every boot (01-password.context) or lock it";;
esac

# --- sshd settings (first value wins, as in sshd; sshd -T when live)
sshd_opt() { # NAME DEFAULT
  v=""
  if [ -n "$LIVE" ] && command -v sshd >/dev/null 2>&1; then v=$(sshd -T 2>/dev/null | awk -v k="$1" 'tolower($1) == tolower(k) { print $2; exit }'); fi
  if [ -z "$v" ]; then
    v=$(cat "$R"/etc/ssh/sshd_config.d/*.conf "$R/etc/ssh/sshd_config" 2>/dev/null | awk -v k="$1" '
      tolower($1) == "match" { exit } tolower($1) == tolower(k) { print $2; exit }')
  fi
  printf '%s' "\${v:-$2}" | tr 'A-Z' 'a-z'
}
pa=$(sshd_opt PasswordAuthentication yes)
if [ "$pa" = no ]; then out ssh.password-auth-off pass "PasswordAuthentication no"; else out ssh.password-auth-off fail "PasswordAuthentication $pa"; fi
prl=$(sshd_opt PermitRootLogin prohibit-password)
case "$prl" in
  prohibit-password|without-password) out ssh.root-key-only pass "PermitRootLogin $prl";;
  no) out ssh.root-key-only warn "PermitRootLogin no: the context's key for root cannot be used";;
  *) out ssh.root-key-only fail "PermitRootLogin $prl";;
esac

# --- firewall
fw=""
if [ -n "$LIVE" ]; then
  command -v nft >/dev/null 2>&1 && nft list ruleset 2>/dev/null | grep -Eq 'hook input.*policy drop|^\\s*(drop|reject)' && fw="$fw nftables"
  command -v iptables >/dev/null 2>&1 && iptables -S INPUT 2>/dev/null | grep -Eq '^-P INPUT DROP|-j (DROP|REJECT)' && fw="$fw iptables"
  command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q 'Status: active' && fw="$fw ufw"
else
  enabled nftables && grep -Eqs 'policy drop|drop|reject' "$R/etc/nftables.conf" && fw="$fw nftables"
  grep -qs '^ENABLED=yes' "$R/etc/ufw/ufw.conf" && fw="$fw ufw"
  enabled firewalld && fw="$fw firewalld"
  grep -Eqs ':INPUT DROP|-j (DROP|REJECT)' "$R/etc/iptables/rules.v4" "$R/etc/sysconfig/iptables" && fw="$fw iptables"
fi
if [ -n "$fw" ]; then out firewall.active pass "blocking rules from$fw"; else out firewall.active fail "no firewall blocks incoming traffic"; fi

# --- listening services
if [ -n "$LIVE" ] && command -v ss >/dev/null 2>&1; then
  svc=$(ss -H -tuln 2>/dev/null | awk '{ print $1 " " $5 }' | grep -Ev '127\\.0\\.0\\.[0-9]+:|\\[::1\\]:|%lo:' | awk '{ n = split($2, a, ":"); print $1 "/" a[n] }' | sort -u | tr '\\n' ' ')
  other=$(printf '%s' "$svc" | tr ' ' '\\n' | grep -Ev '^(tcp/22|udp/68|udp/546)$' | grep -c .)
  if [ "$other" -gt 0 ]; then out services.minimal warn "listening beyond ssh/dhcp: $svc"; else out services.minimal pass "listening: $svc"; fi
else
  en=$(ls "$R"/etc/systemd/system/multi-user.target.wants/ 2>/dev/null | sed 's/\\.service$//' | tr '\\n' ' ')
  out services.minimal skip "offline: enabled units: $en"
fi

# --- periodic fsck
if [ -n "$LIVE" ] && command -v tune2fs >/dev/null 2>&1; then
  bad=""
  for dev in $(awk '$3 ~ /^ext[234]$/ { print $1 }' /proc/mounts | sort -u); do
    l=$(tune2fs -l "$dev" 2>/dev/null) || continue
    mc=$(printf '%s\\n' "$l" | awk -F: '/^Maximum mount count/ { gsub(/ /, "", $2); print $2 }')
    ci=$(printf '%s\\n' "$l" | awk -F: '/^Check interval/ { split($2, a, " "); print a[1] }')
    if [ "\${mc:--1}" -gt 0 ] || [ "\${ci:-0}" != 0 ]; then bad="$bad $dev(max-mount=$mc,interval=$ci)"; fi
  done
  if [ -n "$bad" ]; then out fs.no-periodic-fsck fail "periodic checks on:$bad"; else out fs.no-periodic-fsck pass "no periodic fsck"; fi
else
  out fs.no-periodic-fsck skip "needs the running system (tune2fs on mounted ext filesystems)"
fi
`;
