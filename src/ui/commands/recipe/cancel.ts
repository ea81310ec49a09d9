import type { UiContext } from '../../context';
import type { BuildNode } from '../../services/nodes';
import { buildsModel } from '../../services/builds';
import { liveBuild } from './buildArgs';

/** stratus.build.cancel: stops a running build at its current step (the VM stays until the user chooses). */
export function cancel(ctx: UiContext, arg?: BuildNode | string): void {
  liveBuild(buildsModel(ctx), arg)?.controller?.abort();
}
