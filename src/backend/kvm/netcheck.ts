/**
 * The guest's own network check, run over SSH once the login works: a default route (ip, else /proc/net/route)
 * and every given name resolving (getent, i.e. the guest's resolver as apt will use it). It loops inside the
 * guest until both hold or the time is up, so a slow DHCP/resolver costs one SSH exec, not one per try.
 */
export const NETWORK_CHECK_SCRIPT = `
t=$1; shift; end=$(( $(date +%s) + t ))
while :; do
  route=$(ip -4 route show default 2>/dev/null | head -n 1)
  [ -n "$route" ] || route=$(awk 'NR > 1 && $2 == "00000000" { print "default dev " $1; exit }' /proc/net/route 2>/dev/null)
  bad=
  for n in "$@"; do getent hosts "$n" > /dev/null 2>&1 || bad="$bad $n"; done
  if [ -n "$route" ] && [ -z "$bad" ] || [ "$(date +%s)" -ge "$end" ]; then break; fi
  sleep 1
done
echo "route: \${route:-none}"
echo "unresolved:$bad"
[ -n "$route" ] && [ -z "$bad" ]
`;

export interface NetworkCheck { ok: boolean; route?: string; unresolved: string[] }

export function parseNetworkCheck(stdout: string, code: number | null): NetworkCheck {
  const route = /^route: (.*)$/m.exec(stdout)?.[1].trim();
  const unresolved = (/^unresolved:(.*)$/m.exec(stdout)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  return { ok: code === 0, route: route && route !== 'none' ? route : undefined, unresolved };
}

export function describeNetworkCheck(c: NetworkCheck, names: string[]): string {
  const route = c.route ? c.route.replace(/\s+proto\s+\S+|\s+metric\s+\d+|\s+src\s+\S+/g, '').trim() : 'no default route';
  if (!names.length) return route;
  return `${route}; ${c.unresolved.length ? `cannot resolve ${c.unresolved.join(', ')}` : `${names.join(', ')} resolve${names.length === 1 ? 's' : ''}`}`;
}
