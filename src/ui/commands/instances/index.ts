import type { UiContext } from '../../context';
import * as launch from './launch';
import * as openSshTerminal from './openSshTerminal';
import * as copyIp from './copyIp';
import * as showConsoleLog from './showConsoleLog';
import * as shutdown from './shutdown';
import * as kill from './kill';
import * as remove from './remove';
import * as attachVolume from './attachVolume';
import * as refresh from './refresh';
import * as ports from './ports';

/** Registers the instances commands (one file per command in this folder). */
export function register(ctx: UiContext): void {
  for (const c of [launch, openSshTerminal, copyIp, showConsoleLog, shutdown, kill, remove, attachVolume, refresh, ports]) c.register(ctx);
}
