import type { UiContext } from '../../context';
import type { BuildNode } from '../../services/nodes';
import { buildsModel } from '../../services/builds';
import { liveBuild } from './buildArgs';

/** stratus.build.cleanup: destroys the build VM and its overlay. */
export async function cleanup(ctx: UiContext, arg?: BuildNode | string) {
  const model = buildsModel(ctx);
  const l = liveBuild(model, arg);
  if (!l) return;
  l.controller?.abort();
  await l.running?.catch(() => undefined);
  await l.build.cleanup();
  model.fire();
}
