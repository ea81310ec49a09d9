import type { UiContext } from '../../context';
import * as add from './add';
import * as remove from './remove';
import * as reconnect from './reconnect';
import * as check from './check';
import * as selectActive from './selectActive';
import * as activeHostStatus from '../../statusbar/activeHost';
import { hostsManager } from '../../services/hostsManager';

/** Registers the hosts commands (one file per command in this folder) and the active-host status bar item. */
export function register(ctx: UiContext): void {
  const mgr = hostsManager(ctx);
  for (const cmd of [add, remove, reconnect, check, selectActive]) cmd.register(ctx);
  activeHostStatus.register(ctx, mgr);
}
