/** The steps of a create-image build, labelled as the original's log (docs/stratuslab.md#create-image). */
export const STEPS = [
  { id: 'check-base', label: 'Checking that base image exists' },
  { id: 'manifest', label: 'Retrieving image manifest' },
  { id: 'start', label: 'Starting base image' },
  { id: 'boot', label: 'Waiting for machine to boot' },
  { id: 'network', label: 'Waiting for machine network to start' },
  { id: 'ssh', label: 'Check if we can connect to the machine' },
  { id: 'prerecipe', label: 'Executing user prerecipe' },
  { id: 'packages', label: 'Installing user packages' },
  { id: 'recipe', label: 'Executing user recipe' },
  { id: 'scripts', label: 'Executing user scripts' },
  { id: 'sysprep', label: 'Cleaning up the image (sysprep)' },
  { id: 'readiness', label: 'Checking image readiness' },
  { id: 'shutdown', label: 'Shutting down machine' },
  { id: 'save', label: 'Saving the new image' },
  { id: 'done', label: 'Finished building image increment.' },
] as const;

export type StepId = typeof STEPS[number]['id'];
export type StepState = 'pending' | 'running' | 'done' | 'skipped' | 'failed' | 'cancelled';
export type BuildStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'kept' | 'cleaned';

export interface StepRecord {
  id: StepId;
  label: string;
  state: StepState;
  startedAt?: string;
  durationMs?: number;
  /** One line: what the step did or why it failed ('No packages to install', 'Installing packages: hello'). */
  detail?: string;
  /** The whole error of a failed step (e.g. the boot doctor's diagnosis and the last console lines). */
  error?: string;
  /** This step's own log (its part of build.log), once it has started. */
  logPath?: string;
}

/** What build.json holds (data.builds/<id>/build.json). */
export interface BuildRecord {
  id: string;
  recipePath: string;
  status: BuildStatus;
  startedAt: string;
  endedAt?: string;
  steps: StepRecord[];
  /** The build VM, while it exists. */
  instanceId?: string;
  error?: string;
  failedStep?: StepId;
  result?: { imageId: string; imagePath: string; metadataPath?: string; metadataProblem?: string };
  logPath: string;
  /** The process running the build (a 'running' record whose process is gone was interrupted: resumable). */
  pid?: number;
  /** Build-cache checkpoints the build VM's disk reads through (a prune keeps them). */
  cacheInUse?: string[];
  /** How many checkpointed steps were reused, and from which build. */
  reused?: { steps: number; from: string };
}

export const stepIndex = (id: StepId) => STEPS.findIndex(s => s.id === id);
/** Steps after which the build VM exists (a retry from them reuses it). */
export const VM_STEPS: readonly StepId[] = ['ssh', 'prerecipe', 'packages', 'recipe', 'scripts', 'sysprep', 'readiness', 'shutdown'];
