import * as assert from 'assert/strict';
import * as vscode from 'vscode';
import { stratusApi } from '../api';
import { hasHarness, screenshot, waitForText, workbenchText } from '../screenshot';
import { ActionableError, initCommands, runCommand } from '../../../src/ui/services/commands';

// VS Code's class for the message line of a notification toast.
const MESSAGES = '.notifications-toasts .notification-list-item-message';
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describe('Foundation: the command wrapper', () => {
  beforeEach(async () => { await vscode.commands.executeCommand('notifications.clearAll'); });
  after(async () => { await vscode.commands.executeCommand('notifications.clearAll'); });

  it('a command with bad input shows one error message, titled by the command, and keeps its return value', async function () {
    if (!hasHarness()) this.skip();
    await stratusApi();
    // no such volume: the command throws, the wrapper words it once
    assert.equal(await vscode.commands.executeCommand('stratus.volumes.delete', { uuid: 'wb-no-such-volume', confirmed: true }), false);
    const texts = await waitForText(MESSAGES, t => t.some(m => m.includes('wb-no-such-volume')));
    const ours = texts.filter(m => m.includes('wb-no-such-volume'));
    assert.equal(ours.length, 1, `one message, not ${JSON.stringify(texts)}`);
    assert.match(ours[0], /^Delete Volume: No volume wb-no-such-volume on /);
    assert.ok(await screenshot('command-wrapper-error', '.notifications-toasts'));
  });

  it('logs an escaped error, shows its first line once with the fixing action; a cancellation shows and logs nothing', async function () {
    if (!hasHarness()) this.skip();
    const lines: { level: string; text: string }[] = [];
    initCommands({ debug: t => lines.push({ level: 'debug', text: t }), info: t => lines.push({ level: 'info', text: t }), error: t => lines.push({ level: 'error', text: t }) });

    const r = await runCommand('stratus.wb.failing', () => {
      throw new ActionableError('wb-first-line of the failure\nwb-second-line with detail', { label: 'Show Log', command: 'stratus.showLog' });
    }, 'fallback');
    assert.equal(r, 'fallback', 'the failed value is returned');
    assert.ok(lines.some(l => l.level === 'debug' && l.text === 'stratus.wb.failing: start'), 'the start is logged');
    const err = lines.filter(l => l.level === 'error');
    assert.equal(err.length, 1);
    assert.match(err[0].text, /^stratus\.wb\.failing failed: .*wb-first-line[\s\S]*wb-second-line/, 'the log has the whole error');
    const texts = await waitForText(MESSAGES, t => t.some(m => m.includes('wb-first-line')));
    assert.deepEqual(texts.filter(m => m.includes('wb-first-line')), ['wb-first-line of the failure']);
    assert.ok(!texts.join('\n').includes('wb-second-line'), 'only the first line is shown');
    const buttons = await workbenchText('.notifications-toasts .notification-list-item-buttons-container .monaco-button');
    assert.ok(buttons.some(b => b.includes('Show Log')), `the fixing action is a button: ${JSON.stringify(buttons)}`);

    await vscode.commands.executeCommand('notifications.clearAll');
    lines.length = 0;
    const abort = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    assert.equal(await runCommand('stratus.wb.cancelled', () => { throw new vscode.CancellationError(); }), undefined);
    assert.equal(await runCommand('stratus.wb.aborted', async () => { throw abort; }, false), false);
    assert.equal(await runCommand('stratus.wb.ok', async () => 42), 42, 'a result passes through');
    await sleep(1500);   // a notification would be in the DOM by now
    assert.deepEqual(await workbenchText(MESSAGES), [], 'a cancellation shows no message');
    assert.deepEqual(lines.filter(l => l.level === 'error'), [], 'a cancellation is no error in the log');
    assert.ok(lines.some(l => l.level === 'info' && l.text === 'stratus.wb.cancelled: cancelled'));
  });
});
