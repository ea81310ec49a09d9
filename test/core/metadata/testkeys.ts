// Real keys and certificates made with the openssl CLI for the signature tests (no fixtures to go stale).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestCert { keyPem: string; certPem: string; keyFile: string; certFile: string; dir: string }

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `stratus-${tag}-`));
}

/**
 * openssl req/x509 with an argument array. `issuer` signs the new certificate (else it is self-signed);
 * `san` adds an rfc822Name. (Expiry is tested by moving the verifier's clock, `now`.)
 */
export function makeCert(o: { subj: string; san?: string; issuer?: TestCert; ca?: boolean; days?: number; dsa?: boolean }): TestCert {
  const dir = tmpDir('cert');
  const keyFile = path.join(dir, 'key.pem'), certFile = path.join(dir, 'cert.pem'), ext = path.join(dir, 'ext.cnf');
  fs.writeFileSync(ext, [
    '[v3]',
    o.ca ? 'basicConstraints=critical,CA:TRUE' : 'basicConstraints=CA:FALSE',
    o.ca ? 'keyUsage=critical,keyCertSign,cRLSign' : 'keyUsage=critical,digitalSignature,nonRepudiation',
    ...(o.san ? [`subjectAltName=email:${o.san}`] : []),
    '',
  ].join('\n'));
  if (o.dsa) {
    // 1024/160 is what dsa-sha1 (XML-DSig 1.0) can carry: a 40-byte r‖s signature value.
    const params = path.join(dir, 'dsa.params');
    execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024', '-pkeyopt', 'dsa_paramgen_q_bits:160', '-out', params], { stdio: 'pipe' });
    execFileSync('openssl', ['genpkey', '-paramfile', params, '-out', keyFile], { stdio: 'pipe' });
  } else {
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile], { stdio: 'pipe' });
  }
  const csr = path.join(dir, 'req.csr');
  execFileSync('openssl', ['req', '-new', '-key', keyFile, '-subj', o.subj, '-out', csr], { stdio: 'pipe' });
  const signer = o.issuer ? ['-CA', o.issuer.certFile, '-CAkey', o.issuer.keyFile, '-CAcreateserial'] : ['-signkey', keyFile];
  const validity = ['-days', String(o.days ?? 30)];
  execFileSync('openssl', ['x509', '-req', '-in', csr, ...signer, ...validity, '-extfile', ext, '-extensions', 'v3', '-sha256', '-out', certFile], { stdio: 'pipe', cwd: dir });
  return { keyPem: fs.readFileSync(keyFile, 'utf8'), certPem: fs.readFileSync(certFile, 'utf8'), keyFile, certFile, dir };
}

export const MINIMAL = `<?xml version="1.0" encoding="UTF-8" standalone="no"?><rdf:RDF xmlns:dcterms="http://purl.org/dc/terms/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:slreq="http://mp.stratuslab.eu/slreq#" xmlns:slterms="http://mp.stratuslab.eu/slterms#" xml:base="http://mp.stratuslab.eu/">
  <rdf:Description rdf:about="#MMZu9WvwKIro-rtBQfDk4PsKO7_">
    <dcterms:identifier>MMZu9WvwKIro-rtBQfDk4PsKO7_</dcterms:identifier>
    <slreq:bytes>100</slreq:bytes>
    <slreq:checksum rdf:parseType="Resource">
      <slreq:algorithm>SHA-1</slreq:algorithm>
      <slreq:value>c319bbd5afc0a22ba3eaed0507c39383ec28eeff</slreq:value>
    </slreq:checksum>
    <slreq:endorsement rdf:parseType="Resource"/>
    <dcterms:type>machine</dcterms:type>
    <dcterms:valid>2031-01-01T00:00:00Z</dcterms:valid>
  </rdf:Description>
</rdf:RDF>
`;
