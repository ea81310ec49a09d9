// sign-metadata, verify-metadata, generate-certificate (the signature half of the metadata area).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { CliCommand, CliError, inputError } from '../command';
import { askHidden } from '../prompt';
import { signMetadata, generateCertificate, loadPem, loadPkcs12, SignatureProfile } from '../../core/metadata/sign';
import { explainSignatureFailure, verifySignature } from '../../core/metadata/verify';
import type { KeyMaterial } from '../../core/metadata/certs';
import { SignError } from '../../core/metadata/endorsement';
import { decodeXml, declareUtf8, XmlEncodingError } from '../../core/xml';
import { completeChecksums } from '../../backend/images/checksums';
import { dataLayout } from '../../backend/paths';
import { writeAtomic } from '../../backend/atomic';

function readFileOrFail(file: string, what: string): Buffer {
  try { return fs.readFileSync(file); } catch { throw new CliError(`${what} not found: ${file}`); }
}

/** A metadata file as text in its declared encoding; an unreadable encoding is a one-line user error. */
export function readMetadataFile(file: string): string {
  try { return decodeXml(readFileOrFail(file, 'metadata file')); } catch (e) {
    if (e instanceof XmlEncodingError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
}

/** The one-line warning for a secret given on the command line (the original's --p12-password, -p/--password). */
export function argvSecretWarning(flag: string, fileFlag = '--password-file FILE', env = 'STRATUS_P12_PASSWORD'): string {
  return `warning: ${flag} puts the password on the command line, where other users of this machine can see it (ps); use ${fileFlag} or the ${env} environment variable instead`;
}

/**
 * Password from --password-file, else STRATUS_P12_PASSWORD / STRATUSLAB_P12_PASSWORD, else typed on the terminal (twice
 * for a new file: the original's fixed default, XYZXYZ, is not repeated). The original's argv form (`argv`, e.g.
 * --p12-password) is accepted with a warning on stderr.
 */
async function password(file: string | undefined, purpose: string, argv?: { flag: string; value?: string; warn(m: string): void }, isNew = false): Promise<string> {
  if (argv?.value !== undefined) { argv.warn(argvSecretWarning(argv.flag)); return argv.value; }
  if (file) return readFileOrFail(file, 'password file').toString('utf8').replace(/\r?\n$/, '');
  const env = process.env.STRATUS_P12_PASSWORD ?? process.env.STRATUSLAB_P12_PASSWORD;
  if (env !== undefined) return env;
  return askPassword(purpose, isNew);
}

/** The password typed on the terminal; off a terminal, what to give instead. */
export async function askPassword(purpose: string, isNew = false): Promise<string> {
  const typed = await askHidden(`Password for ${purpose}: `);
  if (typed === undefined) throw new CliError(`${purpose}: give the password with --password-file FILE or the STRATUS_P12_PASSWORD environment variable`);
  if (isNew) {
    if (!typed) throw inputError(`${purpose}: an empty password protects nothing — run the command again and type one`);
    if ((await askHidden('Type it again: ')) !== typed) throw inputError('the two passwords differ — run the command again');
  }
  return typed;
}

function parse(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

const signMetadataCommand: CliCommand = {
  name: 'sign-metadata',
  summary: 'Sign a metadata file (endorsement rebuilt from the certificate; enveloped RSA-SHA1 signature as the original)',
  usage: 'sign-metadata FILE [--p12|--p12-cert FILE [--password-file F]] | [--key KEY.pem --cert CERT.pem] [--email ADDR] [--profile stratuslab|rsa-sha256] [--image IMAGE] [-o|--output OUT]\n'
    + '  Without -o the file is replaced and the original kept as FILE.orig. The P12 defaults to $STRATUSLAB_P12_CERTIFICATE or ~/.globus/usercert.p12;\n'
    + '  its password comes from --password-file or $STRATUS_P12_PASSWORD, else it is asked on the terminal. --profile rsa-sha256 is NOT readable by the original StratusLab tools.\n'
    + '  Missing MD5/SHA-256/SHA-512 checksums (a saved image\'s draft has only the SHA-1) are computed first from --image, the volume beside FILE or the draft\'s volume.',
  async run(args, io) {
    const { values, positionals } = parse(args, {
      p12: { type: 'string' }, 'p12-cert': { type: 'string' }, 'p12-password': { type: 'string' }, 'password-file': { type: 'string' },
      key: { type: 'string' }, cert: { type: 'string' }, email: { type: 'string' }, profile: { type: 'string' }, output: { type: 'string', short: 'o' },
      image: { type: 'string' },
    });
    const v = values as Record<string, string | undefined>;
    if (positionals.length !== 1) throw new CliError('give exactly one metadata FILE');
    const file = positionals[0];
    if (v.profile && v.profile !== 'stratuslab' && v.profile !== 'rsa-sha256') throw new CliError(`unknown --profile '${v.profile}' (stratuslab or rsa-sha256)`);
    let key: KeyMaterial;
    if (v.key || v.cert) {
      if (!v.key || !v.cert) throw new CliError('--key and --cert go together');
      key = loadPem(readFileOrFail(v.key, 'key file').toString('utf8'), readFileOrFail(v.cert, 'certificate file').toString('utf8'), process.env.STRATUS_KEY_PASSPHRASE);
    } else {
      const p12 = v.p12 ?? v['p12-cert'] ?? process.env.STRATUSLAB_P12_CERTIFICATE ?? path.join(os.homedir(), '.globus', 'usercert.p12');
      key = loadPkcs12(readFileOrFail(p12, 'certificate file'), await password(v['password-file'], 'the PKCS#12 certificate', { flag: '--p12-password', value: v['p12-password'], warn: m => io.err(m) }));
    }
    let text = readMetadataFile(file);
    try {
      const c = await completeChecksums(text, { image: v.image, metadataFile: file, volumesDir: dataLayout().volumes });
      text = c.text;
      if (c.image) io.out(`${c.missing.join(', ')} checksums computed from ${c.image}`);
      else if (c.missing.length) io.err(`warning: no ${c.missing.join(', ')} checksum in ${file}: give --image IMAGE to compute them from the image`);
    } catch (e) { throw new CliError((e as Error).message); }
    let signed: string;
    try { signed = signMetadata(text, key, { email: v.email, profile: v.profile as SignatureProfile | undefined }); } catch (e) {
      if (e instanceof SignError) throw new CliError(`${file}: ${e.message}`);
      throw e;
    }
    const out = v.output ?? file;
    if (!v.output) fs.copyFileSync(file, `${file}.orig`);
    // Decoded from its declared encoding, written as UTF-8: the declaration (which is not signed) must say so.
    writeAtomic(out, declareUtf8(signed));
    io.out(`Metadata file successfully signed: ${out}`);
    return 0;
  },
};

const verifyMetadataCommand: CliCommand = {
  name: 'verify-metadata',
  summary: 'Verify the XML signature of a metadata file: validity, signer, endorser match and trust',
  usage: 'verify-metadata FILE [--trusted CERT.pem]… [--json]\n  Exit status 0 when the signature is valid (trust is reported, not required), 1 otherwise.',
  async run(args, io) {
    const { values, positionals } = parse(args, { trusted: { type: 'string', multiple: true }, json: { type: 'boolean' } });
    const opts = values as { trusted?: string[]; json?: boolean };
    if (positionals.length !== 1) throw new CliError('give exactly one metadata FILE');
    const trusted = (opts.trusted ?? []).map(f => readFileOrFail(f, 'trusted certificate').toString('utf8'));
    const v = verifySignature(readMetadataFile(positionals[0]), { trusted });
    if (opts.json) {
      io.out(JSON.stringify(v, (k, x) => (k === 'certificatePem' ? undefined : x), 2));
      return v.status === 'valid' ? 0 : 1;
    }
    const why = explainSignatureFailure(v.message);
    const lines = [v.status === 'valid' ? 'Signature: valid' : v.status === 'absent' ? 'Signature: absent (no signature)' : `Signature: INVALID: ${v.message}${why ? ` — ${why}` : ''}`];
    if (v.signer) {
      lines.push(`Signer:    ${v.signer.subject}`, `Issuer:    ${v.signer.issuer}`, `E-mail:    ${v.signer.email ?? '(none in the certificate)'}`,
        `Validity:  ${v.signer.notBefore} .. ${v.signer.notAfter}`, `Serial:    ${v.signer.serial}`,
        // Trust in a signer means nothing for a signature that does not verify.
        `Trust:     ${v.status !== 'valid' ? 'not assessed (the signature is invalid)' : v.trusted ? 'trusted' : 'untrusted (not in --trusted)'}`);
    }
    if (v.endorserMatches !== undefined) lines.push(`Endorser:  ${v.endorserMatches ? 'matches the certificate' : 'DOES NOT match the certificate'}`);
    for (const w of v.warnings ?? []) lines.push(`Warning:   ${w}`);
    io.out(lines.join('\n'));
    return v.status === 'valid' ? 0 : 1;
  },
};

const generateCertificateCommand: CliCommand = {
  name: 'generate-certificate',
  summary: 'Generate a self-signed RSA-2048 certificate and key as PKCS#12 (like stratus-generate-p12)',
  usage: 'generate-certificate [-n|--cn|--common-name NAME] [-e|--email ADDR] [--org O] [--days|--validity N] [-o|--output OUT.p12] [--password-file F] [--cert-out CERT.pem]\n'
    + '  Defaults as the original: --cn "Jane Tester", --email jane.tester@example.org, 365 days, -o cert.p12. The password comes from\n'
    + '  --password-file or $STRATUS_P12_PASSWORD, else it is asked twice on the terminal. --cert-out also writes the certificate (for stratus.trustedCertificates / --trusted).',
  async run(args, io) {
    const { values, positionals } = parse(args, {
      cn: { type: 'string', short: 'n' }, 'common-name': { type: 'string' }, email: { type: 'string', short: 'e' }, org: { type: 'string' },
      days: { type: 'string' }, validity: { type: 'string' }, output: { type: 'string', short: 'o' }, 'password-file': { type: 'string' },
      password: { type: 'string', short: 'p' }, 'cert-out': { type: 'string' },
    });
    if (positionals.length) throw new CliError(`unexpected argument '${positionals[0]}'`);
    const v = values as Record<string, string | undefined>;
    const daysText = v.days ?? v.validity;
    const days = daysText ? Number(daysText) : 365;
    if (!Number.isInteger(days) || days < 1) throw new CliError('--days must be a positive whole number');
    const out = v.output ?? 'cert.p12';
    const r = generateCertificate({ commonName: v.cn ?? v['common-name'] ?? 'Jane Tester', email: v.email ?? 'jane.tester@example.org', organization: v.org, days, password: await password(v['password-file'], 'the new PKCS#12 file', { flag: '-p/--password', value: v.password, warn: m => io.err(m) }, true) });
    writeAtomic(out, r.p12, 0o600);
    if (v['cert-out']) writeAtomic(v['cert-out'], r.certificatePem);
    io.out(`Certificate written: ${out}${v['cert-out'] ? ` (certificate also in ${v['cert-out']})` : ''}`);
    return 0;
  },
};

export const signatureCommands: CliCommand[] = [signMetadataCommand, verifyMetadataCommand, generateCertificateCommand];
