/**
 * The guest's own network check, run over SSH once the login works: an IPv4 address on an interface (DHCP
 * done) and every given name resolving (getent, i.e. the guest's resolver as apt will use it); the default
 * route is reported, not required (an isolated network has none, yet reaches forwarded services on its
 * subnet). It loops inside the guest until both hold or the time is up: one SSH exec, not one per try.
 */
export const NETWORK_CHECK_SCRIPT = `
t=$1; shift; end=$(( $(date +%s) + t ))
while :; do
  addr=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ print $2 " " $4; exit }')
  [ -n "$addr" ] || command -v ip > /dev/null 2>&1 || addr=$(hostname -I 2>/dev/null | awk '{ print $1 }')
  route=$(ip -4 route show default 2>/dev/null | head -n 1)
  [ -n "$route" ] || route=$(awk 'NR > 1 && $2 == "00000000" { print "default dev " $1; exit }' /proc/net/route 2>/dev/null)
  bad=
  for n in "$@"; do getent hosts "$n" > /dev/null 2>&1 || bad="$bad $n"; done
  if [ -n "$addr" ] && [ -z "$bad" ] || [ "$(date +%s)" -ge "$end" ]; then break; fi
  sleep 1
done
echo "addr: \${addr:-none}"
echo "route: \${route:-none}"
echo "unresolved:$bad"
[ -n "$addr" ] && [ -z "$bad" ]
`;

export interface NetworkCheck { ok: boolean; addr?: string; route?: string; unresolved: string[] }

export function parseNetworkCheck(stdout: string, code: number | null): NetworkCheck {
  const field = (k: string) => { const v = new RegExp(`^${k}: (.*)$`, 'm').exec(stdout)?.[1].trim(); return v && v !== 'none' ? v : undefined; };
  const unresolved = (/^unresolved:(.*)$/m.exec(stdout)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  return { ok: code === 0, addr: field('addr'), route: field('route'), unresolved };
}

/** "eth0 10.0.2.15/24, default via 10.0.2.2 dev eth0; deb.debian.org resolves" */
export function describeNetworkCheck(c: NetworkCheck, names: string[]): string {
  const route = c.route ? c.route.replace(/\s+proto\s+\S+|\s+metric\s+\d+|\s+src\s+\S+/g, '').trim() : 'no default route (isolated network)';
  const head = `${c.addr ?? 'no IPv4 address'}, ${route}`;
  if (!names.length) return head;
  return `${head}; ${c.unresolved.length ? `cannot resolve ${c.unresolved.join(', ')}` : `${names.join(', ')} resolve${names.length === 1 ? 's' : ''}`}`;
}
