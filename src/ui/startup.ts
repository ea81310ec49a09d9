import type { UiContext } from './context';
import type { ActiveHostItem } from './statusbar/activeHost';
import { applyDefaultTrust, seedOnce } from './firstStart';
import { hostsManager } from './services/hostsManager';
import { hostState } from './services/hosts';

/**
 * What every view, command and editor needs before it runs, done once on the first use of any of them (not
 * at activation): the default trust of the local builder certificate (before anything verifies) and the
 * remote hosts of `stratus.hosts` registered, which the active-host status bar item then follows.
 */
export function setUp(ctx: UiContext, status: ActiveHostItem): void {
  applyDefaultTrust(ctx);
  status.follow(hostsManager(ctx), hostState);
}

/** The first-start publish (on a fresh data folder), started when the Marketplace is first listed. */
export { seedOnce };
