import * as vscode from 'vscode';
import { NS } from '../../../core/metadata/types';
import { identifierToSha1, isIdentifier } from '../../../core/metadata/identifier';
import { validationOf } from './diagnostics';
import { trustedCertificates } from '../../services/trust';
import { isMetadataDocument } from './detect';

/** What each element means (docs/stratuslab.md#metadata-elements), keyed by namespace + local name. */
const MEANING: Record<string, string> = {
  [`${NS.dcterms}identifier`]: 'Image identifier: the SHA-1 of the uncompressed image as 27 base64url digits. `rdf:about` must be `#` + this value.',
  [`${NS.slreq}bytes`]: 'Size in bytes of the **uncompressed** image.',
  [`${NS.slreq}checksum`]: 'A checksum of the uncompressed image: `slreq:algorithm` (MD5, SHA-1, SHA-256, SHA-512) then `slreq:value` (lowercase hex). Exactly one must be SHA-1.',
  [`${NS.slreq}algorithm`]: 'Digest name as Java spells it: `MD5`, `SHA-1`, `SHA-256` or `SHA-512`.',
  [`${NS.slreq}value`]: 'The digest in hexadecimal (write lowercase).',
  [`${NS.slreq}endorsement`]: 'Who vouches for the image and when: `dcterms:created` then `slreq:endorser`. Rebuilt by the signer on every signature.',
  [`${NS.slreq}endorser`]: "The signer: `slreq:email`, `slreq:subject`, `slreq:issuer` — must equal the signing certificate's.",
  [`${NS.slreq}email`]: "Endorser e-mail: part of the entry key; must equal the certificate's subjectAltName e-mail when it has one.",
  [`${NS.slreq}subject`]: 'Certificate subject DN, RFC 2253 (as Java `X500Principal.getName()`).',
  [`${NS.slreq}issuer`]: 'Certificate issuer DN, RFC 2253.',
  [`${NS.dcterms}created`]: 'Date `YYYY-MM-DDTHH:MM:SSZ` (UTC). Inside the endorsement it is the signing time and the third part of the entry key.',
  [`${NS.dcterms}valid`]: 'Expiry date `YYYY-MM-DDTHH:MM:SSZ`. Needed to appear in listings; expired entries are hidden.',
  [`${NS.dcterms}type`]: 'Image type (`base`, `grid`, …); exactly one, without child elements.',
  [`${NS.slterms}kind`]: '`machine` or `disk`.',
  [`${NS.dcterms}title`]: 'Title shown in marketplace listings.',
  [`${NS.dcterms}alternative`]: 'Short tag name; `/tag/{email}/{tag}` finds the latest entry with it.',
  [`${NS.dcterms}description`]: 'Free text description (the client requires the element).',
  [`${NS.dcterms}creator`]: 'Author name.',
  [`${NS.dcterms}publisher`]: 'Publisher; the original client always writes `StratusLab`.',
  [`${NS.dcterms}format`]: 'Disk format: `raw` or `qcow2` (run-instance picks the disk driver from it).',
  [`${NS.dcterms}compression`]: 'Compression of the downloadable image: `gz`, `bz2` or empty.',
  [`${NS.slterms}location`]: 'Where to download the image: http(s)/ftp URL, or `pdisk:<host>:<port>:<uuid>`. Several allowed; running needs one.',
  [`${NS.slterms}serial-number`]: 'Non-negative integer; at most one.',
  [`${NS.slterms}version`]: 'Image version (e.g. `1.0`); at most one.',
  [`${NS.slterms}hypervisor`]: 'Hypervisor, e.g. `kvm`.',
  [`${NS.slterms}os`]: 'Operating system; selects the package installer of create-image. At most one.',
  [`${NS.slterms}os-version`]: 'Operating system version; at most one.',
  [`${NS.slterms}os-arch`]: 'Architecture (e.g. `x86_64`); at most one.',
  [`${NS.slterms}deprecated`]: 'Reason the image is deprecated; deprecated entries are hidden from default listings.',
  [`${NS.slterms}disks-bus`]: '`ide`, `scsi` or `virtio`: the guest disk bus (hd/sd/vd).',
  [`${NS.slterms}inbound-port`]: 'Port to open inbound, 0–65535 (0 = all).',
  [`${NS.slterms}outbound-port`]: 'Port to open outbound, 0–65535 (0 = all).',
  [`${NS.slterms}icmp`]: 'ICMP type to allow, 0–255.',
  [`${NS.slterms}tag`]: 'Reserved: the marketplace adds `latest` itself. Do not write it.',
  [`${NS.rdf}RDF`]: 'Root of a metadata entry; must carry `xml:base="http://mp.stratuslab.eu/"`.',
  [`${NS.rdf}Description`]: 'The image entry; `rdf:about` = `#` + identifier.',
  [`${NS.dsig}Signature`]: 'Enveloped XML signature over the whole document (RSA-SHA1, SHA-1 digest, X.509 certificate in KeyInfo).',
};

function namespaces(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const x of text.matchAll(/xmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']/g)) m.set(x[1] ?? '', x[2]);
  return m;
}

export class MetadataHoverProvider implements vscode.HoverProvider {
  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    if (!isMetadataDocument(doc)) return undefined;
    const text = doc.getText();
    const offset = doc.offsetAt(pos);
    const parts: string[] = [];

    const word = doc.getWordRangeAtPosition(pos, /[A-Za-z0-9_-]{27}/);
    if (word && isIdentifier(doc.getText(word))) {
      try { parts.push(`**Identifier** \`${doc.getText(word)}\` → SHA-1 \`${identifierToSha1(doc.getText(word))}\``); } catch { /* wider than 160 bits: no SHA-1 */ }
    }
    const tag = doc.getWordRangeAtPosition(pos, /<\/?[\w.-]+(:[\w.-]+)?/);
    if (tag) {
      const qname = doc.getText(tag).replace(/^<\/?/, '');
      const [prefix, local] = qname.includes(':') ? qname.split(':') : ['', qname];
      const ns = namespaces(text).get(prefix);
      const meaning = ns !== undefined ? MEANING[ns + local] : undefined;
      if (meaning) parts.push(`**${qname}** — ${meaning}`);
    }
    const sigStart = text.search(/<([\w.-]+:)?Signature[\s>]/), sigEnd = text.search(/<\/([\w.-]+:)?Signature>/);
    if (sigStart >= 0 && offset >= sigStart && (sigEnd < 0 || offset <= sigEnd + 12)) {
      let sig;   // this version's verdict, shared with the diagnostics
      try { sig = validationOf(doc, trustedCertificates()).signature; } catch { sig = undefined; /* the diagnostics log it */ }
      if (sig?.signer) {
        const s = sig.signer;
        parts.push([`**Signed by** ${s.subject} — ${sig.status === 'valid' ? 'valid' : `INVALID (${sig.message})`}${sig.trusted ? ', trusted' : sig.trusted === false ? ', not trusted' : ''}`,
          `issuer ${s.issuer}`, s.email ? `e-mail ${s.email}` : '', `certificate valid ${s.notBefore} → ${s.notAfter}`, `SHA-256 fingerprint ${s.fingerprintSha256}`].filter(Boolean).join('  \n'));
      } else if (sig) parts.push(`**Signature** — ${sig.status}: ${sig.message ?? ''}`);
    }
    return parts.length ? new vscode.Hover(new vscode.MarkdownString(parts.join('\n\n---\n\n'))) : undefined;
  }
}
