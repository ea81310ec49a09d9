import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { stratusApi } from '../api';
import { hasHarness, screenshot, waitForText } from '../screenshot';

const VIEWS: Record<string, { name: string; action: string; command: string }> = {
  'stratus.marketplace': { name: 'Marketplace', action: 'Add a Marketplace…', command: 'stratus.marketplace.add' },
  'stratus.instances': { name: 'Instances', action: 'Launch an Instance…', command: 'stratus.instances.launch' },
  'stratus.volumes': { name: 'Volumes', action: 'Create a Volume…', command: 'stratus.volumes.create' },
};

describe('Foundation: the Stratus views on a fresh data folder', () => {
  it('declares Marketplace, Instances and Volumes, in that order, in the Stratus container', () => {
    const pkg = vscode.extensions.getExtension('stratus.stratus')!.packageJSON;
    const ids: string[] = pkg.contributes.views.stratus.map((v: { id: string }) => v.id);
    // Other areas may add views after these three.
    assert.deepEqual(ids.slice(0, 3), Object.keys(VIEWS));
  });

  for (const [id, v] of Object.entries(VIEWS)) {
    it(`${v.name}: the view opens and its tree is empty`, async () => {
      const api = await stratusApi();
      await vscode.commands.executeCommand(`${id}.focus`);
      // Issue 2: each view shows its welcome view (one primary action) until it has content, so
      // a fresh data folder must give no root nodes at all.
      assert.deepEqual(await api.treeSnapshot(id, 1), [], `${id} must return no root nodes on a fresh data folder so its welcome view shows`);
    });

    it(`${v.name}: welcome content offers "${v.action}" bound to ${v.command}`, () => {
      const pkg = vscode.extensions.getExtension('stratus.stratus')!.packageJSON;
      const welcome = (pkg.contributes.viewsWelcome ?? []).filter((w: { view: string }) => w.view === id);
      assert.equal(welcome.length, 1, `one welcome entry for ${id}`);
      assert.ok(welcome[0].contents.includes(`[${v.action}](command:${v.command})`), welcome[0].contents);
    });
  }

  describe('in the rendered workbench', () => {
    before(async function () {
      if (!hasHarness()) this.skip();
      await stratusApi();
      await vscode.commands.executeCommand('workbench.view.extension.stratus');
      // Expand every pane (the workbench may collapse lower ones in a short window).
      for (const id of Object.keys(VIEWS)) await vscode.commands.executeCommand(`${id}.focus`);
    });

    for (const v of Object.values(VIEWS)) {
      it(`${v.name}: shows its welcome view with "${v.action}"`, async () => {
        const pane = `.part.sidebar .pane:has(.pane-header[aria-label^="${v.name}"])`;
        const texts = await waitForText(pane, t => t.join('\n').includes(v.action));
        assert.ok(texts.join('\n').includes(v.action), `the ${v.name} pane shows "${v.action}":\n${texts.join('\n')}`);
      });
    }

    it('screenshots the Stratus container', async () => {
      const file = await screenshot('foundation-welcome-views');
      const side = await screenshot('foundation-welcome-sidebar', '.part.sidebar');
      for (const f of [file!, side!]) {
        const png = fs.readFileSync(f);
        assert.equal(png.subarray(1, 4).toString(), 'PNG', `${f} is a PNG`);
        assert.ok(png.length > 5000, `${f} has content (${png.length} bytes)`);
      }
    });
  });
});
