// The seeds' command lines (test/cli/fixtures/seed-commands.json, verbatim) through the stratus-* launchers:
// parsing and effects of the cheap ones; the guest-booting ones are in seedCommands.vm.test.ts.
import assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertUserError, fixture, REPO, runLine, seedCommand } from './seedCommands';

const ID = (c: string) => `H${c.repeat(26)}`;       // a well-formed identifier (first character A–P) no marketplace has
const PUBKEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOfTheSeedTest seed@test';

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>(r => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise(r => s.close(r));
  return port;
}

describe('seed command lines through the stratus-* launchers', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-seeds-'));
  const work = path.join(home, 'work');
  const data = path.join(home, 'data');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, STRATUS_DATA_DIR: data, STRATUS_KVM_ACCEL: 'tcg', STRATUSLAB_MARKETPLACE_ENDPOINT: '', STRATUS_P12_PASSWORD: '', STRATUSLAB_P12_PASSWORD: '' };
  delete env.STRATUS_P12_PASSWORD; delete env.STRATUSLAB_P12_PASSWORD; delete env.STRATUS_DEBUG;
  let dead: string;
  const vars: Record<string, string> = { HOME: home };
  const run = (id: string, extra: Record<string, string> = {}) => runLine(seedCommand(id).command, { vars: { ...vars, ...extra }, cwd: work, env });

  before(async () => {
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    fs.writeFileSync(path.join(home, '.ssh', 'id_rsa.pub'), `${PUBKEY}\n`);
    fs.mkdirSync(work);
    for (const f of ['setup-ubuntu.sh', 'run-http.sh', 'create-cloud-init-appliance.sh']) fs.writeFileSync(path.join(work, f), '#!/bin/sh\necho seed\n', { mode: 0o755 });
    dead = `http://127.0.0.1:${await closedPort()}`;
    assert.ok(fixture.seeds.length >= 10 && fixture.reference.length >= 8);
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  test('every program named in the fixture is a package bin with a launcher', () => {
    const bins = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).bin as Record<string, string>;
    for (const c of [...fixture.seeds, ...fixture.reference]) {
      const program = c.command.split(/\s/)[0];
      assert.ok(bins[program], `${program} is in package.json "bin"`);
      assert.ok(fs.existsSync(path.join(REPO, bins[program])), `${bins[program]} exists`);
    }
  });

  test('create-image with the original flags: parsed into a recipe; the seed without --title is refused as the original did', async () => {
    const base = ID('Q');
    let r = await run('create-image-seed000', { BASE_ID: base });
    assertUserError(r, 1, /Provide a title describing the new image \(--title\)/);
    assert.match(r.err, new RegExp(`${base}.*not in any configured marketplace`), 'the missing base is named too');
    assert.doesNotMatch(r.err, /unknown option/);
    r = await run('create-image-seed001', { BASE_ID: base });
    assertUserError(r, 1, new RegExp(`Image ${base} is not in any configured marketplace`));
    assert.doesNotMatch(r.err, /title/, 'with --title given, only the base is missing');
    assert.deepEqual(fs.readdirSync(work).filter(f => f.startsWith('.stratus-create-image')), [], 'no recipe left behind');
    // the same line with --save-recipe writes the recipe it stands for
    r = await runLine(seedCommand('create-image-seed001').command, { vars: { ...vars, BASE_ID: base }, cwd: work, env, extra: ['--save-recipe', 'seed.yaml'] });
    assert.equal(r.code, 1);
    const recipe = fs.readFileSync(path.join(work, 'seed.yaml'), 'utf8');
    for (const want of [`base: ${base}`, 'type: m1.xlarge', '- apache2', '- chkconfig', '- setup-ubuntu.sh', 'title: My first image', 'comment: ubuntu create image test', 'author: Joe Builder', 'author-email: builder@example.org']) {
      assert.ok(recipe.includes(want), `${want} in\n${recipe}`);
    }
  });

  test('describe-instance and describe-volumes: the original headers, nothing yet', async () => {
    let r = await run('describe-instance');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^id\s+state\s+vcpu\s+memory\s+cpu%\s+host\/ip\s+name\s+ports\n$/);
    r = await run('describe-volumes');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'No disk to show\n');
  });

  test('run-instance of an unknown id or an unreachable URL: one line, exit 1, and no instance recorded', async () => {
    let r = await run('run-instance-type', { NEW_ID: ID('R') });
    assertUserError(r, 1, new RegExp(`No marketplace entry for image ${ID('R')}.* — .*--marketplace-endpoint`));
    r = await run('run-instance-marketplace-id', { NEW_ID: ID('S') });
    assertUserError(r, 1, /No marketplace entry/);
    r = await run('run-instance-url', { URL: dead });
    assertUserError(r, 1, /127\.0\.0\.1/);
    // an unreachable remote marketplace is named, with what to do
    r = await runLine(seedCommand('run-instance-marketplace-id').command, { vars: { NEW_ID: ID('T') }, cwd: work, env, extra: ['--marketplace-endpoint', dead] });
    assertUserError(r, 1, new RegExp(`${dead.replace(/[.]/g, '\\.')}.*— check --marketplace-endpoint`));
    const instances = path.join(data, 'instances');
    assert.deepEqual(fs.existsSync(instances) ? fs.readdirSync(instances) : [], [], 'a launch that failed before a guest existed records nothing');
    assert.match((await run('describe-instance')).out, /^id\s.*\n$/, 'describe-instance lists nothing');
  });

  test('run-instance --save without --title (the seed as written) is refused with the original message', async () => {
    const r = await run('run-instance-save', { BASE_ID: ID('U') });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /With the --save option, please provide --title/);
    assert.doesNotMatch(r.err, /^\s+at /m);
  });

  test('prepare-context writes cloud-init.txt with the key and the script', async () => {
    const r = await run('prepare-context');
    assert.equal(r.code, 0, r.err);
    const text = fs.readFileSync(path.join(work, 'cloud-init.txt'), 'latin1');
    assert.match(text, /CLOUD_INIT_AUTHORIZED_KEYS=/);
    assert.match(text, /CLOUD_INIT_USER_DATA=/);
    const keys = /CLOUD_INIT_AUTHORIZED_KEYS=(\S+)/.exec(text)![1];
    assert.ok(Buffer.from(keys, 'base64').toString('utf8').includes(PUBKEY) || text.includes(PUBKEY), 'the key from $HOME/.ssh/id_rsa.pub is in it');
  });

  test("run-instance --cloud-init as the seed writes it: '$HOME' inside single quotes is the user's home, not a file named $HOME", async () => {
    for (const id of ['run-instance-cloud-init', 'run-instance-cloud-init-none']) {
      const r = await run(id, { BASE_ID: ID('V') });
      // the pairs are read before the image is looked up: getting as far as the image proves the key and the script were read
      assertUserError(r, 1, new RegExp(`No marketplace entry for image ${ID('V')}`));
      assert.doesNotMatch(r.err, /Cannot read/);
    }
    // without the key in that home, the message names the file it looked for
    const elsewhere = path.join(home, 'nobody');
    const r = await runLine(seedCommand('run-instance-cloud-init').command, { vars: { ...vars, BASE_ID: ID('V') }, cwd: work, env: { ...env, HOME: elsewhere } });
    assertUserError(r, 1, new RegExp(`Cannot read \\$HOME/\\.ssh/id_rsa\\.pub \\(${elsewhere.replace(/[.]/g, '\\.')}/\\.ssh/id_rsa\\.pub\\) \\(ENOENT\\)`));
  });

  test('shutdown-instance of an instance that does not exist: one line', async () => {
    const r = await run('shutdown-instance', { VM_ID: '1659' });
    assert.notEqual(r.code, 0);
    assert.match(r.err, /^stratus-shutdown-instance: No instance 1659/m);
    assert.doesNotMatch(r.err, /^\s+at /m);
  });
});

describe('the original metadata, certificate and volume commands (reference forms)', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-ref-'));
  const work = path.join(home, 'work');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, STRATUS_DATA_DIR: path.join(home, 'data'), STRATUS_KVM_ACCEL: 'tcg' };
  for (const k of ['STRATUS_P12_PASSWORD', 'STRATUSLAB_P12_PASSWORD', 'STRATUSLAB_MARKETPLACE_ENDPOINT', 'STRATUSLAB_P12_CERTIFICATE', 'STRATUS_DEBUG']) delete env[k];
  let server: ChildProcess;
  let url = '';
  const vars: Record<string, string> = { HOME: home };
  const run = (id: string, extra: Record<string, string> = {}, args: string[] = []) => runLine(seedCommand(id).command, { vars: { ...vars, ...extra }, cwd: work, env, extra: args });

  before(async () => {
    fs.mkdirSync(work, { recursive: true });
    // a second data folder served as a remote marketplace on loopback
    server = spawn(process.execPath, [path.join(REPO, 'bin', 'stratus.js'), 'marketplace', 'serve', '--port', '0', '--dir', path.join(home, 'served')], { env });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', d => { out += d; const m = /at (http:\/\/\S+?)\/? /.exec(out); if (m) resolve(m[1]); });
      server.on('exit', c => reject(new Error(`marketplace serve exited ${c}`)));
    });
    vars.URL = url;
  });
  after(() => { server?.kill('SIGTERM'); fs.rmSync(home, { recursive: true, force: true }); });

  test('generate-p12, build, sign (--p12-cert/--p12-password with a warning), validate, upload, deprecate', async () => {
    let r = await run('generate-p12');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /warning: -p\/--password puts the password on the command line, where other users .* use --password-file FILE or the STRATUS_P12_PASSWORD environment variable/);
    assert.equal(fs.statSync(path.join(work, 'cert.p12')).mode & 0o777, 0o600);

    fs.writeFileSync(path.join(work, 'ttylinux.img.gz'), zlib.gzipSync(crypto.randomBytes(40_000)));
    r = await run('build-metadata');
    assert.equal(r.code, 0, r.err);
    const xmlFile = path.join(work, 'ttylinux-9.7-i486-base-1.0.xml');
    const id = /identifier (\S{27})/.exec(r.out)![1];
    assert.ok(fs.readFileSync(xmlFile, 'utf8').includes(`<dcterms:identifier>${id}</dcterms:identifier>`));

    r = await run('sign-metadata');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Metadata file successfully signed: ttylinux-9\.7-i486-base-1\.0\.xml/);
    assert.match(r.err, /warning: --p12-password puts the password on the command line/);
    assert.ok(fs.existsSync(`${xmlFile}.orig`));

    r = await run('validate-metadata');
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /Valid/);

    r = await run('upload-metadata');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out.trim(), new RegExp(`^${url}/metadata/${id}/jane\\.tester@example\\.org/\\d{4}-`));

    // deprecate: the argv password warned about; --password-file is the quiet way
    r = await run('deprecate-metadata', { IMAGE_ID: id });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /warning: --p12-password puts the password on the command line.*--password-file FILE/);
    fs.writeFileSync(path.join(work, 'pw'), 'XYZXYZ\n', { mode: 0o600 });
    r = await runLine('stratus-deprecate-metadata --marketplace-endpoint $URL --p12-cert cert.p12 --password-file pw --email jane.tester@example.org --reason again $ID', { vars: { URL: url, ID: id }, cwd: work, env });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '', 'no warning with --password-file');
    const list = await runLine('stratus marketplace list --endpoint $URL --status deprecated', { vars: { URL: url }, cwd: work, env });
    assert.match(list.out, new RegExp(id));
    const help = await runLine('stratus-deprecate-metadata --help', { vars: {}, cwd: work, env });
    assert.doesNotMatch(help.out, /--p12-password P|--key-password [A-Z]/, 'the usage does not advertise passwords on the command line');
    assert.match(help.out, /--password-file/);
  });

  test('create, describe (filter), attach to a missing instance, delete a volume', async () => {
    let r = await run('create-volume');
    assert.equal(r.code, 0, r.err);
    const uuid = /^DISK (\S+)$/m.exec(r.out)![1];
    r = await run('describe-volumes-filter');
    assert.match(r.out, new RegExp(`^:: DISK ${uuid}$`, 'm'));
    assert.match(r.out, /\ttag: mydisk/);
    r = await run('attach-volume', { VM_ID: 'vm-nothere', VOLUME: uuid });
    assertUserError(r, 1, /No instance vm-nothere/);
    r = await run('delete-volume', { VOLUME: uuid });
    assert.equal(r.out, `DELETED ${uuid}\n`);
  });

  test('user errors: unknown option, missing file, unreachable marketplace, bad password — one line, right exit code', async () => {
    const line = (l: string, v: Record<string, string> = {}) => runLine(l, { vars: { URL: url, ...v }, cwd: work, env });
    assertUserError(await line('stratus-run-instance --bogus x'), 2, /unknown option --bogus/);
    assertUserError(await line('stratus marketplace serve --prot 9999'), 2, /unknown option --prot/);
    assertUserError(await line('stratus marketplace list --sttus valid'), 2, /unknown option --sttus/);
    assertUserError(await line('stratus-create-image --no-such-flag X'), 2, /unknown option --no-such-flag/);
    assertUserError(await line('stratus-upload-metadata missing.xml'), 1, /Cannot read missing\.xml/);
    const dead = `http://127.0.0.1:${await closedPort()}`;
    fs.writeFileSync(path.join(work, 'some.xml'), '<x/>');
    assertUserError(await line('stratus-upload-metadata --marketplace-endpoint $DEAD some.xml', { DEAD: dead }), 1, /127\.0\.0\.1/);
    assertUserError(await line('stratus-deprecate-metadata --marketplace-endpoint $URL --p12-cert nope.p12 --password-file pw --email a@b.org ' + ID('V')), 1, /nope\.p12/);
    assertUserError(await line('stratus-create-image does-not-exist.yaml'), 1, /does-not-exist\.yaml/);
    assertUserError(await line('stratus-nosuch'.replace('stratus-nosuch', 'stratus') + ' nosuch'), 2, /unknown command 'nosuch'/);
  });
});
