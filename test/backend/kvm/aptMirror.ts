import * as fs from 'fs';

/**
 * The Debian mirror this machine's apt uses (the only outside address a guest may reach in tests),
 * as scripts/build-base-image.sh finds it: deb822 .sources or classic .list files.
 */
export function hostAptMirror(): string | undefined {
  const files = ['/etc/apt/sources.list', ...safeList('/etc/apt/sources.list.d').map(f => `/etc/apt/sources.list.d/${f}`)];
  for (const f of files) {
    let text = '';
    try { text = fs.readFileSync(f, 'utf8'); } catch { continue; }
    for (const l of text.split('\n')) {
      const m = /^\s*(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(https?:\/\/\S+)/.exec(l);
      if (m && !/security/.test(m[1])) return m[1].replace(/\/+$/, '');
    }
  }
  return undefined;
}

function safeList(d: string): string[] { try { return fs.readdirSync(d).filter(f => /\.(list|sources)$/.test(f)); } catch { return []; } }

/**
 * Guest shell: `apt-get update` against `mirror`, from a sources list of its own holding only the guest
 * release's small `-updates` suite (a full `main` index takes minutes to parse under TCG), failing fast
 * (no retries, short timeouts) so that a sealed guest fails in seconds.
 */
export function aptUpdateCommand(mirror: string): string {
  return `. /etc/os-release; echo "deb ${mirror} $VERSION_CODENAME-updates main" > /root/stratus-test.list; ` +
    'DEBIAN_FRONTEND=noninteractive apt-get -q -o Dir::Etc::SourceList=/root/stratus-test.list -o Dir::Etc::SourceParts=/nonexistent ' +
    '-o Acquire::Retries=0 -o Acquire::http::Timeout=15 update 2>&1';
}

/**
 * Guest shell: a tiny HTTP server on `port` serving `file` with perl (perl-base is in every Debian; the minimal image has no python3 or busybox).
 * A statement of its own (`…; SERVER sleep 1`): after `&&` the whole list would be backgrounded in a subshell
 * that keeps the SSH channel open, and the exec would never return.
 */
export function perlHttpServer(port: number, file: string): string {
  const prog = `$s=IO::Socket::INET->new(LocalPort=>${port},Listen=>5,ReuseAddr=>1) or die "listen: $!"; ` +
    'while($c=$s->accept){ while(<$c>){ last if /^\\r?\\n$/ } open(F,"<",$ARGV[0]); local $/; $b=<F>; close F; ' +
    'print $c "HTTP/1.0 200 OK\\r\\nContent-Length: ".length($b)."\\r\\n\\r\\n".$b; close $c }';
  return `setsid perl -MIO::Socket::INET -e '${prog}' '${file}' </dev/null >/dev/null 2>&1 &`;
}
