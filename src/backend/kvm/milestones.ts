import type { Progress, ProgressEvent, ProgressPhase } from './types';

export type Emit = (phase: ProgressPhase, message: string, extra?: Partial<ProgressEvent>, human?: boolean) => void;

/** One call gives both the human step (onStep) and the typed event (onEvent), timed from the start of the operation. */
export function milestones(p: Progress): Emit {
  const t0 = Date.now();
  return (phase, message, extra = {}, human = true) => {
    if (human) p.onStep?.(message);
    p.onEvent?.({ phase, message, elapsedS: Math.round((Date.now() - t0) / 1000), ...extra });
  };
}
