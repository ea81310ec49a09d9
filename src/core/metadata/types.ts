/** Shared shapes of the metadata layer (validate, sign/verify, marketplace and editors all use them). */

export const NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dcterms: 'http://purl.org/dc/terms/',
  slreq: 'http://mp.stratuslab.eu/slreq#',
  slterms: 'http://mp.stratuslab.eu/slterms#',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const;
export const MARKETPLACE_BASE = 'http://mp.stratuslab.eu/';

export type Layer = 'parse' | 'signature' | 'schema' | 'constraints' | 'rdf' | 'advice';
export type Severity = 'error' | 'warning' | 'info';

/** 1-based line/column, end exclusive; the UI converts to 0-based. */
export interface SourceRange { line: number; column: number; endLine: number; endColumn: number }

export interface Diagnostic {
  layer: Layer;
  severity: Severity;
  /** Stable code, e.g. 'constraints/about-identifier', used by quick fixes. */
  code: string;
  /** The original implementation's exact message where it has one. */
  message: string;
  range: SourceRange;
}

export interface SignerInfo {
  subject: string;      // RFC 2253, as Java X500Principal.getName()
  issuer: string;
  email?: string;       // first rfc822Name SAN
  notBefore: string;    // ISO
  notAfter: string;
  serial: string;       // hex
  certificatePem: string;
  fingerprintSha256: string;
}

export interface SignatureVerdict {
  status: 'absent' | 'valid' | 'invalid';
  /** The original's message for absent/invalid ('no signature', 'signature validation: …', 'endorser inconsistency …'). */
  message?: string;
  signer?: SignerInfo;
  /** Certificate subject/issuer/e-mail equal the endorsement's (docs/stratuslab.md#signatures). */
  endorserMatches?: boolean;
  /** Signer (or its issuer) is in the user's trusted list. Separate from cryptographic validity. */
  trusted?: boolean;
  /** Range of the Signature element, for diagnostics. */
  range?: SourceRange;
  /** Not verdict-changing, e.g. the signer's certificate has expired (the original never checks validity). */
  warnings?: string[];
}

/** The fields of an entry the marketplace indexes and the trees show. */
export interface MetadataSummary {
  identifier: string;
  email?: string;
  created?: string;          // endorsement dcterms:created
  valid?: string;            // dcterms:valid
  deprecated?: string;       // slterms:deprecated reason
  title?: string;
  description?: string;
  alternative?: string;
  os?: string; osVersion?: string; osArch?: string;
  version?: string;
  kind?: string; type?: string; format?: string; compression?: string;
  bytes?: number;
  checksums: Record<string, string>;   // 'SHA-1' → lowercase hex
  locations: string[];
  endorserSubject?: string; endorserIssuer?: string;
  creator?: string;
}
