import type { UiContext } from '../../context';
import * as create from './create';
import * as del from './delete';
import * as copyOnWrite from './copyOnWrite';
import * as exportVolume from './export';
import * as attach from './attach';
import * as detach from './detach';
import * as refresh from './refresh';

/** Registers the volumes commands (one file per command in this folder). */
export function register(ctx: UiContext): void {
  for (const c of [create, del, copyOnWrite, exportVolume, attach, detach, refresh]) c.register(ctx);
}
