import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPort, inboundPorts, parseNetworkMode, parsePublish, portUrl } from '../../src/core/network';

test('parsePublish reads docker syntax: defaults 127.0.0.1 and tcp, 0 = any free port', () => {
  assert.deepEqual(parsePublish('8080:80'), { hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 80, proto: 'tcp' });
  assert.deepEqual(parsePublish('0:80'), { hostAddr: '127.0.0.1', hostPort: 0, guestPort: 80, proto: 'tcp' });
  assert.deepEqual(parsePublish('0.0.0.0:5353:53/udp'), { hostAddr: '0.0.0.0', hostPort: 5353, guestPort: 53, proto: 'udp' });
  assert.deepEqual(parsePublish(' 127.0.0.2:8443:443/TCP '), { hostAddr: '127.0.0.2', hostPort: 8443, guestPort: 443, proto: 'tcp' });
});

test('parsePublish refuses bad specs with one line that says what to do', () => {
  for (const [spec, re] of [
    ['80', /use \[HOSTADDR:\]HOSTPORT:GUESTPORT/], ['8080:0', /guest port '0'/], ['70000:80', /host port '70000'/],
    ['8080:80/sctp', /use \/tcp or \/udp/], ['localhost:8080:80', /IPv4 address/], ['1.2.3.4:5:6:7', /HOSTADDR/],
    ['8080:80,hostfwd=tcp::1-:22', /Invalid port mapping/], ['-1:80', /host port/],
  ] as const) {
    assert.throws(() => parsePublish(spec), (e: Error) => re.test(e.message) && !e.message.includes('\n'), spec);
  }
});

test('network modes: nat, isolated, bridge:NAME; anything else is refused', () => {
  assert.equal(parseNetworkMode('nat'), 'nat');
  assert.equal(parseNetworkMode('isolated'), 'isolated');
  assert.equal(parseNetworkMode('bridge:br0'), 'bridge:br0');
  assert.throws(() => parseNetworkMode('bridge:br0,x'), /Invalid bridge name/);
  assert.throws(() => parseNetworkMode('host'), /use nat, isolated or bridge:NAME/);
});

test('ports format as docker ps shows them, URLs and declared inbound ports', () => {
  assert.equal(formatPort({ hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 80, proto: 'tcp' }), '127.0.0.1:8080->80/tcp');
  assert.equal(portUrl({ hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 80 }), 'http://127.0.0.1:8080/');
  assert.equal(portUrl({ hostAddr: '0.0.0.0', hostPort: 9443, guestPort: 443 }), 'https://127.0.0.1:9443/');
  const xml = '<rdf:RDF><rdf:Description><slterms:inbound-port>80</slterms:inbound-port><slterms:inbound-port>0</slterms:inbound-port>' +
    '<slterms:inbound-port> 443 </slterms:inbound-port><slterms:outbound-port>25</slterms:outbound-port></rdf:Description></rdf:RDF>';
  assert.deepEqual(inboundPorts(xml), [80, 443]);
});
