import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entryFromSetting, entryToSetting } from '../../../src/backend/host/remoteHosts';

test('stratus.hosts entries: objects and ssh-config names round-trip; images is upload or download', () => {
  const e = entryFromSetting({ name: 'lab', host: 'kvm1.example.org', port: 2222, user: 'ops', dataDir: '/srv/stratus', images: 'download' });
  assert.deepEqual(e, { name: 'lab', target: 'ops@kvm1.example.org:2222', identityFile: undefined, dataDir: '/srv/stratus', images: 'download' });
  assert.deepEqual(entryFromSetting(entryToSetting(e)), e);
  assert.equal(entryToSetting(entryFromSetting('kvm-alias')), 'kvm-alias', 'a bare ssh-config name stays a string');
  assert.throws(() => entryFromSetting({ host: 'h', images: 'rsync' as never }), /"images" is "upload" or "download"/);
  assert.throws(() => entryFromSetting({ host: '' }), /needs "host"/);
});
