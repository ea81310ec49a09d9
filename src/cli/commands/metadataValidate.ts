// validate-metadata and build-metadata (the validation/build half of the metadata area).
import * as fs from 'fs';
import { parseArgs } from 'util';
import { CliCommand, CliError } from '../command';
import { writeAtomic } from '../../backend/atomic';
import { validateMetadata, CheckedLayer } from '../../core/metadata/validate';
import { decodeXml, XmlEncodingError } from '../../core/xml';
import { buildMetadata, computeDigests, defaultOutputName, BuildError, BuildOptions } from '../../core/metadata/build';

function parse(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']) {
  try { return parseArgs({ args, options, allowPositionals: true, strict: true }); } catch (e) { throw new CliError((e as Error).message); }
}

const validateCommand: CliCommand = {
  name: 'validate-metadata',
  summary: 'Validate metadata files: signature, schema, constraints and RDF as the original, plus warnings it missed',
  usage: 'validate-metadata FILE... [--json] [--skip-signature] [--trusted CERT.pem]... [--image IMAGE] [--no-advice]\n'
    + '  Prints FILE:LINE:COL SEVERITY CODE MESSAGE for each diagnostic, then "Valid: FILE" or "Invalid: FILE" and the\n'
    + "  original's message. Exit status 1 when a file is invalid. --image checks bytes/checksums against that image.",
  async run(args, io) {
    const { values, positionals } = parse(args, {
      json: { type: 'boolean' }, 'skip-signature': { type: 'boolean' }, trusted: { type: 'string', multiple: true },
      image: { type: 'string' }, 'no-advice': { type: 'boolean' },
    });
    const v = values as { json?: boolean; 'skip-signature'?: boolean; trusted?: string[]; image?: string; 'no-advice'?: boolean };
    if (!positionals.length) throw new CliError('give at least one metadata FILE');
    const trusted = (v.trusted ?? []).map(f => { try { return fs.readFileSync(f, 'utf8'); } catch { throw new CliError(`trusted certificate file not found: ${f}`); } });
    const digests = v.image ? await computeDigests(v.image).catch(e => { throw new CliError(`cannot read image ${v.image}: ${(e as Error).message}`); }) : undefined;
    const layers: CheckedLayer[] = ['parse', 'schema', 'constraints', 'rdf'];
    if (!v['skip-signature']) layers.push('signature');
    if (!v['no-advice']) layers.push('advice');
    let invalid = 0;
    const reports: unknown[] = [];
    for (const file of positionals) {
      let text: string;
      let bytes: Buffer;
      try { bytes = fs.readFileSync(file); } catch { io.err(`Cannot read ${file}`); invalid++; continue; }
      try { text = decodeXml(bytes); } catch (e) {
        if (!(e instanceof XmlEncodingError)) throw e;
        io.out(`${file}:1:1 error parse/encoding ${e.message}\nInvalid: ${file}`); invalid++; continue;
      }
      const r = validateMetadata(text, { layers, trusted, digests });
      if (!r.verdict.client.ok) invalid++;
      if (v.json) { reports.push({ file, valid: r.verdict.client.ok, message: r.verdict.client.message, server: r.verdict.server, layers: r.verdict.layers, diagnostics: r.diagnostics, signature: r.signature && { ...r.signature, signer: r.signature.signer && { ...r.signature.signer, certificatePem: undefined } } }); continue; }
      const sorted = [...r.diagnostics].sort((a, b) => a.range.line - b.range.line || a.range.column - b.range.column);
      for (const d of sorted) io.out(`${file}:${d.range.line}:${d.range.column} ${d.severity} ${d.code} ${d.message}`);
      io.out(r.verdict.client.ok ? `Valid: ${file}` : `Invalid: ${file}\n${r.verdict.client.message}`);
    }
    if (v.json) io.out(JSON.stringify(positionals.length === 1 ? reports[0] : reports, null, 2));
    return invalid ? 1 : 0;
  },
};

const buildCommand: CliCommand = {
  name: 'build-metadata',
  summary: 'Build the unsigned metadata skeleton of an image (bytes, MD5/SHA-1/SHA-256/SHA-512 of the uncompressed content, identifier)',
  usage: 'build-metadata IMAGE [--author NAME] [--type base] [--kind machine|disk] [--os OS] [--os-version V] [--os-arch ARCH]\n'
    + '  [--image-version V] [--format raw|qcow2] [--hypervisor kvm] [--location URI]... [--compression gz|bz2|EXT]\n'
    + '  [--title T] [--tag T] [--comment T] [--disks-bus ide|scsi|virtio] [--md5|--sha1|--sha256|--sha512 HEX]\n'
    + '  [--no-md5] [--no-sha256] [--no-sha512] [-o OUT.xml]\n'
    + '  .gz and .bz2 images are read as their uncompressed content. Without -o the file is <os>-<os-version>-<os-arch>-<type>-<image-version>.xml\n'
    + '  in the current directory. Valid for 6 months; the endorsement is left empty for sign-metadata.',
  async run(args, io) {
    const str = { type: 'string' } as const;
    const { values, positionals } = parse(args, {
      author: str, type: str, kind: str, os: str, 'os-version': str, 'os-arch': str, 'image-version': str, format: str, hypervisor: str,
      location: { type: 'string', multiple: true }, compression: str, title: str, tag: str, comment: str, 'disks-bus': str,
      md5: str, sha1: str, sha256: str, sha512: str, 'no-md5': { type: 'boolean' }, 'no-sha256': { type: 'boolean' }, 'no-sha512': { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    });
    const v = values as Record<string, any>;
    if (positionals.length !== 1) throw new CliError('give exactly one IMAGE file');
    const opts: BuildOptions = {
      author: v.author, type: v.type, kind: v.kind, os: v.os, osVersion: v['os-version'], osArch: v['os-arch'], imageVersion: v['image-version'],
      format: v.format, hypervisor: v.hypervisor, location: v.location, compression: v.compression, title: v.title, tag: v.tag, comment: v.comment,
      disksBus: v['disks-bus'], md5: v.md5, sha1: v.sha1, sha256: v.sha256, sha512: v.sha512, noMd5: v['no-md5'], noSha256: v['no-sha256'], noSha512: v['no-sha512'],
    };
    if (process.stderr.isTTY) {
      let last = 0;
      opts.onProgress = (done, total) => {
        const now = Date.now();
        if (now - last < 250) return;
        last = now;
        process.stderr.write(`\r${total ? `${Math.floor(done / total * 100)}%` : `${(done / 1048576).toFixed(0)} MiB`} `);
      };
    }
    let r;
    try { r = await buildMetadata(positionals[0], opts); } catch (e) { if (e instanceof BuildError) throw new CliError(e.message); throw e; }
    if (process.stderr.isTTY) process.stderr.write('\r');
    for (const w of r.warnings) io.err(w);
    const out = v.output ?? defaultOutputName(opts);
    writeAtomic(out, r.xml);
    io.out(`${out} (identifier ${r.identifier}, ${r.digests.bytes} bytes)`);
    return 0;
  },
};

export const validationCommands: CliCommand[] = [validateCommand, buildCommand];
