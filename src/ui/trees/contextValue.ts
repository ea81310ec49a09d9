/**
 * Every tree row's contextValue follows one grammar, `<kind>.<state>[.<flag>]`, which the `view/item/context`
 * menus of package.json match (`viewItem =~ /^kind\.state/`, or `==` for a whole value). The values and the
 * patterns that match them:
 *
 *   host.local, host.ssh.<connection state>     /^host\.(local|ssh)/  /^(instance|volume)?[hH]ost\.ssh(\.(error|disconnected))?/
 *   instance.<State>[.save]                     /^instance\.(Running|Prolog)/  /^instance\.(Running|Failed\.save)/  …
 *   instancePort.<tcp|udp>                      /^instancePort\.tcp/
 *   volume.<TYPE>.<attached|free>               /^volume\..*\.attached$/  /^volume\.DATA_.*\.free$/
 *   marketplace.<local|remote>                  marketplace.remote  /^marketplace\./
 *   entry.<state>.<trust>                       /^entry\.(valid|expiring|draft)\./  /^entry\.(valid|expiring|expired)\./
 *   build.<status>[.vm], build.interrupted      /^build\.running/  /^build\.(failed|cancelled|kept)\.vm$/  build.interrupted
 *   buildStep.<state>                           /^build/ (Open Log, with the build rows)
 *   error.unreachable                           error.unreachable
 *
 * Rows without menus of their own carry their kind alone: hostError, hostEmpty, hostBusy, instanceWarning,
 * group, empty. A new state or flag keeps the patterns above true; a new menu adds its pattern here.
 */
export function contextValue(kind: string, state?: string, flag?: string | false): string {
  return [kind, state, flag || undefined].filter(Boolean).join('.');
}
