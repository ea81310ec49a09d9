import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRepo, installerForOs, installPlan } from '../../../src/core/recipe/installer';
import { sysprepCommands } from '../../../src/core/recipe/sysprep';
import { SYSPREP_OPS } from '../../../src/core/recipe/fields';

test('installer for an OS (§6.4 plus dnf/zypper/apk); whole-name match', () => {
  assert.equal(installerForOs('Ubuntu'), 'apt');
  assert.equal(installerForOs('debian'), 'apt');
  assert.equal(installerForOs('CentOS'), 'yum');
  assert.equal(installerForOs('scientificlinux'), 'yum');
  assert.equal(installerForOs('fedora'), 'dnf');
  assert.equal(installerForOs('opensuse'), 'zypper');
  assert.equal(installerForOs('alpine'), 'apk');
  assert.equal(installerForOs('ubu'), undefined);
  assert.equal(installerForOs(undefined), undefined);
});

test('apt plan: every repository in one sources file, non-interactive update and install', () => {
  const p = installPlan('apt', ['hello', 'jq'], ['[trusted=yes] http://10.0.2.100:8080/ ./', 'http://deb.example.org/debian bookworm main']);
  assert.deepEqual(p.repoFiles, [{ path: '/etc/apt/sources.list.d/stratus-recipe.list', content: 'deb [trusted=yes] http://10.0.2.100:8080/ ./\ndeb http://deb.example.org/debian bookworm main\n' }]);
  assert.deepEqual(p.update, ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-q', 'update']);
  assert.deepEqual(p.install, ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-q', '-y', '-o', 'Dpkg::Options::=--force-confold', 'install', 'hello', 'jq']);
  assert.equal(installPlan('apt', [], []).install, undefined);
});

test('yum/dnf/zypper/apk plans', () => {
  const y = installPlan('yum', ['httpd'], ['http://repo/a', 'http://repo/b']);
  assert.equal(y.repoFiles.length, 2, 'all repositories, not only the last (original bug)');
  assert.equal(y.repoFiles[1].content, '[stratus-recipe-1]\nname=stratus-recipe-1\nbaseurl=http://repo/b\ngpgcheck=0\nenabled=1\n');
  assert.deepEqual(y.install, ['yum', '-y', 'install', 'httpd']);
  assert.deepEqual(installPlan('dnf', ['x'], []).update, ['dnf', '-y', 'makecache']);
  assert.deepEqual(installPlan('zypper', ['x'], ['http://r/']).repoCommands, [['zypper', '--non-interactive', 'addrepo', '--no-gpgcheck', 'http://r/', 'stratus-recipe-0']]);
  const a = installPlan('apk', ['curl'], ['http://dl/alpine/main']);
  assert.deepEqual(a.repoFiles, [{ path: '/etc/apk/repositories', content: 'http://dl/alpine/main\n', append: true }]);
  assert.deepEqual(a.install, ['apk', 'add', 'curl']);
});

test('repository lines', () => {
  assert.equal(checkRepo('[trusted=yes] http://10.0.2.100:8080/ ./', 'apt'), undefined);
  assert.match(checkRepo('http://only-uri/', 'apt')!, /rest of a 'deb' line/);
  assert.match(checkRepo('http://a/\nb', 'yum')!, /line breaks/);
  assert.equal(checkRepo('http://r/centos/7/', 'yum'), undefined);
  assert.match(checkRepo('not a url', 'dnf')!, /base URL/);
});

test('sysprep: switchable operations, root-ssh last, exclude paths as arguments', () => {
  const all = Object.fromEntries(SYSPREP_OPS.map(o => [o, true])) as Record<typeof SYSPREP_OPS[number], boolean>;
  const cmds = sysprepCommands(all, 'apt', ['/var/cache/app/*']);
  assert.deepEqual(cmds.map(c => c.op), ['package-cache', 'ssh-host-keys', 'udev-net-rules', 'machine-id', 'logs', 'tmp', 'exclude', 'root-ssh']);
  assert.deepEqual(cmds[0].argv, ['apt-get', 'clean']);
  const ex = cmds.find(c => c.op === 'exclude')!;
  assert.equal(ex.argv.at(-1), '/var/cache/app/*');
  assert.ok(!ex.argv[2].includes('/var/cache/app'), 'the path is not part of the script text');
  const some = sysprepCommands({ ...all, logs: false, 'root-ssh': false, 'package-cache': false }, undefined, []);
  assert.deepEqual(some.map(c => c.op), ['ssh-host-keys', 'udev-net-rules', 'machine-id', 'tmp']);
});
