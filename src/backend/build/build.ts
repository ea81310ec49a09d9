import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { checkRecipe, confinedRecipeFile, effectiveInstaller, classifyBase } from '../../core/recipe/check';
import { parseRecipe, type ParsedRecipe, type RecipeDiagnostic } from '../../core/recipe/parse';
import { createMultipart } from '../../core/context/cloudinit';
import type { InstanceRecord, LaunchOptions, ProgressEvent, ProgressPhase } from '../kvm/types';
import { GuestSession } from './guest';
import { installPackages, readiness, runInline, sysprep, type GuestStepContext } from './guestSteps';
import { buildCacheOf, DEFAULT_CACHE_MAX_BYTES, RecipeInvalidError, type BuildOptions } from './options';
import { namesToResolve, planUnits, type Unit } from './plan';
import { STEPS, VM_STEPS, stepIndex, type BuildRecord, type StepId, type StepRecord } from './steps';
import { CancelledError, abortable, checkpointsInUse, isResumable, listBuilds, sleep } from './util';
import { DiskCheckpoints } from './checkpoints';
import { publicKeyLines } from '../../core/sshKeys';

export { CancelledError, checkpointsInUse, isResumable, listBuilds } from './util';
export { buildCacheOf, DEFAULT_CACHE_MAX_BYTES, RecipeInvalidError, type BaseLookup, type BuildOptions, type BuildVmApi } from './options';

function newBuildId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/**
 * One create-image build. `run` goes through STEPS; on failure or cancel it stops and leaves the VM
 * as it is, so the caller chooses: `cleanup()` (VM and overlay gone), `keep()` (VM left running)
 * or `retry()` (from the failed step, same VM). Nothing is registered before the save step.
 */
export class Build {
  readonly record: BuildRecord;
  readonly dir: string;
  private session?: GuestSession;
  private baseOs?: string;
  private readonly recipeDir: string;

  private units: Unit[] = [];
  private keys: string[] = [];
  private reused = 0;
  private ckpt?: DiskCheckpoints;

  private constructor(readonly recipePath: string, readonly parsed: ParsedRecipe, readonly diagnostics: RecipeDiagnostic[], private readonly opts: BuildOptions, id = newBuildId()) {
    this.recipeDir = path.dirname(recipePath);
    this.dir = path.join(opts.data.builds, id);
    this.record = {
      id, recipePath, status: 'running', pid: process.pid, startedAt: new Date().toISOString(), logPath: path.join(this.dir, 'build.log'),
      steps: STEPS.map(s => ({ id: s.id, label: s.label, state: 'pending' })),
    };
  }

  /** Parses and checks the recipe; throws RecipeInvalidError when it has errors. */
  static async prepare(recipePath: string, opts: BuildOptions, resumeId?: string): Promise<Build> {
    const abs = path.resolve(recipePath);
    const text = await fs.promises.readFile(abs, 'utf8').catch(e => { throw new Error(`Cannot read recipe ${abs}: ${(e as Error).message}`); });
    const parsed = parseRecipe(text);
    const diagnostics = await checkRecipe(parsed, { recipeDir: path.dirname(abs), lookupBase: opts.lookupBase, instanceTypes: opts.instanceTypes, allowOutsidePaths: opts.allowOutsidePaths });
    if (diagnostics.some(d => d.severity === 'error')) throw new RecipeInvalidError(diagnostics, abs);
    const b = new Build(abs, parsed, diagnostics, opts, resumeId);
    await fs.promises.mkdir(b.dir, { recursive: true });
    if (resumeId) b.log(` :: Resuming build ${resumeId} from its last checkpoint\n`);
    for (const d of diagnostics) b.log(`  [WARNING] ${path.basename(abs)}:${d.range.line}:${d.range.column}: ${d.message}\n`);
    b.save();
    return b;
  }

  /**
   * The newest build of this recipe that did not finish (failed, cancelled, or 'running' by a process
   * that is gone — killed, or the machine restarted). Its leftover VM is removed; the new run keeps the
   * build's id and folder and starts from its last checkpoint.
   */
  static async resume(recipePath: string, opts: BuildOptions, id?: string): Promise<Build> {
    const abs = path.resolve(recipePath);
    const rec = (await listBuilds(opts.data)).find(b => b.recipePath === abs && isResumable(b) && (!id || b.id === id));
    if (!rec) throw new Error(`No interrupted build of ${abs} to resume: build it with create-image ${path.basename(abs)}`);
    if (rec.instanceId) {
      await opts.vms.kill(rec.instanceId).catch(() => undefined);
      await opts.vms.forget(rec.instanceId).catch(() => undefined);
    }
    return Build.prepare(abs, opts, rec.id);
  }

  get recipe() { return this.parsed.recipe; }

  step(id: StepId): StepRecord { return this.record.steps.find(s => s.id === id)!; }

  /** Runs from `from` (default: the first step) to the end; resolves with the record whatever the outcome. */
  async run(signal?: AbortSignal, from: StepId = 'check-base'): Promise<BuildRecord> {
    this.record.status = 'running';
    this.record.error = undefined; this.record.failedStep = undefined; this.record.endedAt = undefined;
    const start = stepIndex(from);
    // A retried save asks for a new shutdown/Epilog (the manager resumes one whose save failed).
    if (start >= stepIndex('shutdown')) this.shutdownP = undefined;
    for (const s of this.record.steps.slice(start)) { s.state = 'pending'; s.detail = undefined; s.durationMs = undefined; s.error = undefined; }
    if (start === 0) this.log(` ${':'.repeat(29)}\n :: Starting image creation ::\n ${':'.repeat(29)}\n`);
    this.save();
    for (const def of STEPS.slice(start)) {
      const s = this.step(def.id);
      if (s.state === 'done' || s.state === 'skipped') continue;
      const t0 = Date.now();
      this.current = def.id;
      s.state = 'running'; s.startedAt = new Date().toISOString();
      s.logPath = path.join(this.dir, 'steps', `${String(stepIndex(def.id) + 1).padStart(2, '0')}-${def.id}.log`);
      this.log(` :: ${def.label}${start > 0 && def.id === from ? ' (retry)' : ''}\n`);
      this.save();
      try {
        if (signal?.aborted) throw new CancelledError();
        const detail = await this.runStep(def.id, signal);
        s.state = detail === SKIPPED || (typeof detail === 'object' && detail.skipped) ? 'skipped' : 'done';
        s.detail = typeof detail === 'object' ? detail.detail : detail === SKIPPED ? undefined : detail;
      } catch (e) {
        const cancelled = signal?.aborted || e instanceof CancelledError;
        s.state = cancelled ? 'cancelled' : 'failed';
        s.durationMs = Date.now() - t0;
        s.detail = cancelled ? 'Cancelled' : (e as Error).message.split('\n')[0];
        if (!cancelled) s.error = (e as Error).message;
        this.record.status = cancelled ? 'cancelled' : 'failed';
        this.record.failedStep = def.id;
        this.record.error = cancelled ? 'Cancelled' : (e as Error).message;
        this.record.endedAt = new Date().toISOString();
        this.log(cancelled ? '  Build cancelled\n' : `  [ERROR] ${(e as Error).message}\n`);
        this.save();
        return this.record;
      }
      s.durationMs = Date.now() - t0;
      if (s.detail) this.log(`    ${s.detail}\n`);
      this.save();
    }
    this.record.status = 'succeeded';
    this.record.endedAt = new Date().toISOString();
    // the build VM ended with the save and its disk is the new image's volume now: its record goes, as a
    // build tool's VM does (a shutdown: false build leaves its VM running for the user)
    const vm = this.record.instanceId;
    if (vm && this.record.result) {
      await this.opts.vms.forget(vm).then(() => { this.record.instanceId = undefined; this.log('  Build VM removed (its disk is the new image)\n'); }, () => undefined);
    }
    this.save();
    await this.pruneCache();
    return this.record;
  }

  /** Runs again from the failed (or cancelled) step; the build VM, if it exists, is reused. */
  async retry(signal?: AbortSignal): Promise<BuildRecord> {
    const failed = this.record.failedStep ?? 'check-base';
    if (this.record.instanceId && VM_STEPS.includes(failed)) return this.run(signal, failed);
    // Before SSH works there is no VM (launch cleans up after itself) — except a guest whose network check
    // failed, which is discarded: start over from the base.
    const stale = this.record.instanceId;
    if (stale) {
      await this.opts.vms.kill(stale).catch(() => undefined);
      await this.opts.vms.forget(stale).catch(() => undefined);
      this.record.instanceId = undefined;
    }
    return this.run(signal, 'check-base');
  }

  /** Destroys the build VM and its overlay. */
  async cleanup(): Promise<void> {
    this.session?.end(); this.session = undefined;
    const id = this.record.instanceId;
    if (id) {
      await this.opts.vms.kill(id).catch(() => undefined);
      await this.opts.vms.forget(id).catch(() => undefined);
      this.record.instanceId = undefined;
    }
    this.record.status = 'cleaned';
    this.log('  Build VM removed\n');
    this.save();
  }

  /** The build VM's instance record, while it exists. */
  instance(): Promise<InstanceRecord | undefined> {
    return this.record.instanceId ? this.opts.vms.describe(this.record.instanceId) : Promise.resolve(undefined);
  }

  /** Leaves the VM running for inspection. */
  keep(): void {
    this.session?.end(); this.session = undefined;
    this.record.status = 'kept';
    this.save();
  }

  private async runStep(id: StepId, signal?: AbortSignal): Promise<string | typeof SKIPPED | { skipped: boolean; detail: string }> {
    const r = this.recipe;
    switch (id) {
      case 'check-base': return this.checkBase();
      case 'manifest': return this.manifest();
      case 'start': return this.startVm(signal);
      case 'boot': return this.awaitBoot(signal);
      case 'network': return this.awaitNetwork(signal);
      case 'ssh': return this.connect(signal);
      case 'prerecipe': return r.prerecipe ? this.unitStep('prerecipe', () => runInline(this.stepContext(signal), this.record.id, 'prerecipe', r.prerecipe!), signal) : { skipped: true, detail: 'No prerecipe to execute' };
      case 'packages': return this.unitStep('packages', () => installPackages(this.stepContext(signal)), signal);
      case 'recipe': return r.recipe ? this.unitStep('recipe', () => runInline(this.stepContext(signal), this.record.id, 'recipe', r.recipe!), signal) : { skipped: true, detail: 'No recipe to execute' };
      case 'scripts': return this.runScripts(signal);
      case 'sysprep': await this.finalizeDisk(signal); return sysprep(this.stepContext(signal));
      case 'readiness': return readiness(this.stepContext(signal));
      case 'shutdown': return this.shutdown(signal);
      case 'save': return this.awaitSave(signal);
      case 'done': return r.shutdown ? `New image ${this.record.result?.imageId}` : 'Machine ready for use';
    }
  }

  // ---- checkpoints -------------------------------------------------------------------------

  /** Runs a checkpointed step, or skips it when its checkpoint was reused. */
  private async unitStep<T>(step: StepId, run: () => Promise<T>, signal?: AbortSignal): Promise<T | { skipped: boolean; detail: string }> {
    const i = this.units.findIndex(u => u.step === step);
    if (i >= 0 && i < this.reused) return { skipped: true, detail: `Reused from build ${this.record.reused!.from}` };
    const d = await run();
    await this.checkpoint(i, signal);
    return d;
  }

  private ckptOff = false;

  private async checkpoint(i: number, signal?: AbortSignal): Promise<void> {
    if (!this.ckpt || this.ckptOff || i < 0) return;
    const unit = this.units[i];
    try {
      const g = await this.guest(signal);
      await g.run(['sync'], 'sync', { signal });
      const taken = await this.ckpt.take(this.keys[i], { parent: i ? this.keys[i - 1] : undefined, build: this.record.id, unit: unit.label });
      this.log(taken ? `    Checkpoint after ${unit.label} (${this.keys[i].slice(0, 12)})\n` : `    Checkpoint after ${unit.label} already cached\n`);
    } catch (e) {
      if (signal?.aborted) throw e;
      this.ckptOff = true;
      this.log(`    [WARNING] No checkpoint after ${unit.label}: ${(e as Error).message.split('\n')[0]}; no more checkpoints in this build\n`);
    }
  }

  /** The build VM's disk back to one overlay over the base (the save must not depend on the cache). */
  private async finalizeDisk(signal?: AbortSignal): Promise<void> {
    if (!this.ckpt) return;
    this.log('    Folding the checkpoint layers into the image disk\n');
    await this.ckpt.finalize(signal);
    this.ckpt = undefined;
    this.record.cacheInUse = undefined;
    this.save();
  }

  private async pruneCache(): Promise<void> {
    const cache = buildCacheOf(this.opts.vms);
    if (!cache) return;
    try {
      const { removed } = await cache.prune(this.opts.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES, checkpointsInUse(await listBuilds(this.opts.data)));
      if (removed.length) this.log(`  Build cache over its bound: ${removed.length} old checkpoint(s) removed\n`);
    } catch (e) { this.log(`  [WARNING] Build cache not pruned: ${(e as Error).message}\n`); }
  }

  /** After the launch: checkpoints over the new VM's disk, when its monitor can take them. */
  private async attachCheckpoints(x: InstanceRecord): Promise<void> {
    const cache = buildCacheOf(this.opts.vms), vms = this.opts.vms;
    const probe = cache && vms.host ? vms.qmp?.(x.id, 'query-status') : undefined;
    if (!cache || !vms.host || !probe) { this.log('    (no checkpoints: this host\'s VMs have no QMP monitor)\n'); return; }
    await probe;
    const info = JSON.parse(await vms.host.run(['qemu-img', 'info', '-U', '--output=json', '--', x.base])) as { format: string };
    const base = { file: x.base, format: info.format };
    const start = this.reused ? { file: cache.file(this.keys[this.reused - 1]), format: 'qcow2' } : base;
    this.ckpt = new DiskCheckpoints(vms.host, (c, a) => vms.qmp!(x.id, c, a)!, cache, x.overlay, base, start);
    this.ckpt.startedFromCache = this.reused > 0;
  }

  // ---- steps -------------------------------------------------------------------------------

  private baseKind() { return classifyBase(this.recipe.base!); }

  private async checkBase(): Promise<string> {
    const base = this.recipe.base!;
    switch (this.baseKind()) {
      case 'identifier': {
        const found = await this.opts.lookupBase?.(base);
        if (!found) throw new Error(`Image ${base} is not in any configured marketplace`);
        if (found.trust?.refused && !this.opts.allowUntrusted) throw new Error(`Base image ${base}: ${found.trust.message} (allow untrusted images to build from it anyway)`);
        this.baseOs = found.os;
        return `${base}${found.title ? ` (${found.title})` : ''}${found.marketplace ? ` in ${found.marketplace}` : ''}`;
      }
      case 'file': {
        const abs = path.resolve(this.recipeDir, base);
        const st = await fs.promises.stat(abs).catch(() => undefined);
        if (!st?.isFile()) throw new Error(`Base image file ${abs} not found`);
        return abs;
      }
      default: return `${base} (checked when the image is fetched)`;
    }
  }

  private async manifest(): Promise<string | { skipped: boolean; detail: string }> {
    if (this.baseKind() !== 'identifier') return { skipped: true, detail: `No manifest: the base is a ${this.baseKind()}` };
    const found = await this.opts.lookupBase?.(this.recipe.base!);
    if (!found?.manifest) throw new Error(`No manifest for ${this.recipe.base}`);
    await fs.promises.writeFile(path.join(this.dir, 'base-manifest.xml'), found.manifest);
    this.baseOs = found.os ?? this.baseOs;
    return `OS ${this.baseOs ?? 'unknown'}, installer ${effectiveInstaller(this.recipe, this.baseOs) ?? 'none'}`;
  }

  private launchP?: Promise<InstanceRecord>;
  /** The typed milestones of the current launch/shutdown (ProgressEvent), each settled once by its event. */
  private phases = new Map<ProgressPhase, { p: Promise<ProgressEvent>; resolve(e: ProgressEvent): void }>();

  private phase(name: ProgressPhase): Promise<ProgressEvent> {
    let d = this.phases.get(name);
    if (!d) {
      let resolve!: (e: ProgressEvent) => void;
      const p = new Promise<ProgressEvent>(r => { resolve = r; });
      this.phases.set(name, d = { p, resolve });
    }
    return d.p;
  }

  private onEvent = (e: ProgressEvent) => {
    // the human line came through onStep; console findings (boot doctor) have none, so they are logged here
    if (e.phase === 'console') this.log(`    [console] ${e.message}${e.detail ? `: ${e.detail}` : ''}\n`);
    if (e.phase === 'network' && e.detail) this.log(`    ${e.detail}\n`);
    this.phase(e.phase);
    this.phases.get(e.phase)!.resolve(e);
  };

  private async startVm(signal?: AbortSignal): Promise<string> {
    const r = this.recipe;
    const keys = [...this.opts.publicKeys];
    const parts = [];
    for (const c of r.context) {
      const content = await fs.promises.readFile(confinedRecipeFile(this.recipeDir, c.file, this.opts.allowOutsidePaths, 'Context file'));
      if (c.type === 'ssh') keys.push(...publicKeyLines(content.toString('utf8')));
      else parts.push({ mimetype: c.type, filename: c.file, content });
    }
    const image = this.baseKind() === 'file' ? path.resolve(this.recipeDir, r.base!) : r.base!;
    this.phases.clear();
    const opts: LaunchOptions = {
      image, type: r.type, name: `creator: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
      sshKeys: keys, privateKeyPath: this.opts.privateKeyPath,
      userData: parts.length ? createMultipart(parts) : undefined,
      save: r.shutdown ? { title: r.image.title!, comment: r.image.comment!, author: r.image.author!, email: r.image.authorEmail!, version: r.image.version } : undefined,
      guestForwards: this.opts.guestForwards, allowUntrusted: this.opts.allowUntrusted,
      network: r.network ?? 'nat',   // packages come from the distribution's mirrors unless the recipe seals the VM
      bootTimeoutMs: (r.timeouts.vmStart + r.timeouts.vmPing) * 1000,
      checkNetwork: { resolve: namesToResolve(r), timeoutMs: r.timeouts.vmPing * 1000 },
    };
    ({ units: this.units, keys: this.keys } = await planUnits(r, this.recipeDir, this.opts.allowOutsidePaths, this.baseOs));
    this.reused = 0; this.ckpt = undefined; this.ckptOff = false;
    const cache = buildCacheOf(this.opts.vms);
    if (cache && !this.opts.noCache && this.keys.length) {
      const { n, meta } = await cache.longestPrefix(this.keys);
      if (n > 0 && meta) {
        this.reused = n;
        opts.startFrom = cache.file(this.keys[n - 1]);
        this.record.reused = { steps: n, from: meta.build };
        this.record.cacheInUse = this.keys.slice(0, n);
        for (const k of this.keys.slice(0, n)) await cache.touch(k);
        this.log(`    Steps 1–${n} (${this.units.slice(0, n).map(u => u.label).join(', ')}) reused from build ${meta.build}\n`);
        this.save();
      }
    }
    const started = this.phase('booting');
    this.launchP = this.opts.vms.launch(opts, { signal, onStep: msg => this.log(`    ${msg}\n`), onEvent: this.onEvent });
    const rec = this.launchP.then(async x => {
      this.record.instanceId = x.id;
      this.save();
      await this.attachCheckpoints(x).catch(e => this.log(`    [WARNING] No checkpoints: ${(e as Error).message.split('\n')[0]}\n`));
      return x;
    }, async e => {
      // A failed launch leaves a Failed record behind; the build's error says why, so nothing half-made stays listed.
      for (const r of (await this.opts.vms.list?.().catch(() => [])) ?? []) {
        if (r.name === opts.name && r.state === 'Failed') await this.opts.vms.forget(r.id).catch(() => undefined);
      }
      throw e;
    });
    rec.catch(() => undefined);
    this.launchP = rec;
    await Promise.race([started, rec]);
    return `VM ${opts.name}`;
  }

  /** Booted = an SSH login with the guest's pinned host key works (the launch's 'ssh' event). */
  private async awaitBoot(signal?: AbortSignal): Promise<string> {
    if (!this.launchP) throw new Error('The VM was not started');
    const booting = await this.phase('booting');
    const e = await abortable(Promise.race([this.phase('ssh'), this.launchP.then(() => this.phase('ssh'))]), signal);
    return `up after ${(e.elapsedS ?? 0) - (booting.elapsedS ?? 0)} s (${e.detail})`;
  }

  /** The guest's own check: an address, and the recipe's repository hosts resolving (the launch's 'network' event). */
  private async awaitNetwork(signal?: AbortSignal): Promise<string> {
    if (!this.launchP) throw new Error('The VM was not started');
    const e = await abortable(Promise.race([this.phase('network'), this.launchP.then(() => this.phase('network'))]), signal);
    await abortable(this.launchP, signal);
    if (!e.ok) throw new Error(`The machine's network was not ready within ${this.recipe.timeouts.vmPing} s (timeouts.vm-ping): ${e.detail}. Check the guest's DHCP and resolver (Keep VM and open a terminal), or the repository host names.`);
    return e.detail ?? '';
  }

  private async connect(signal?: AbortSignal): Promise<string> {
    const id = this.record.instanceId;
    if (!id) throw new Error('There is no build VM (start the build again)');
    this.session?.end();
    const deadline = Date.now() + this.recipe.timeouts.ssh * 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        this.session = new GuestSession(await this.opts.vms.ssh(id, signal));
        await this.session.run(['true'], 'ssh root@guest true', { signal });
        return attempt > 1 ? `connected after ${attempt} attempts` : 'connected';
      } catch (e) {
        if (signal?.aborted) throw new CancelledError();
        if (Date.now() > deadline) throw new Error(`Unable to connect to the machine by SSH in ${this.recipe.timeouts.ssh} seconds: ${(e as Error).message}`);
        await sleep(Math.min(6000, Math.max(0, deadline - Date.now())), signal);
      }
    }
  }

  /** The open session, reconnecting when a retry resumes after a new start or keep(). */
  private async guest(signal?: AbortSignal): Promise<GuestSession> {
    if (!this.session) await this.connect(signal);
    return this.session!;
  }

  private out(_step: StepId) { return (t: string) => this.log(t); }

  /** What the guest-only steps need of this build. */
  private stepContext(signal?: AbortSignal): GuestStepContext {
    return { recipe: this.recipe, baseOs: this.baseOs, guest: () => this.guest(signal), out: t => this.log(t), signal };
  }

  private async runScripts(signal?: AbortSignal): Promise<string | { skipped: boolean; detail: string }> {
    const scripts = this.recipe.scripts;
    if (!scripts.length) return { skipped: true, detail: 'No scripts to execute' };
    const g = await this.guest(signal), out = this.out('scripts');
    out(`    Executing scripts: ${scripts.map(s => s.path).join(', ')}\n`);
    for (const [j, s] of scripts.entries()) {
      const i = this.units.findIndex(u => u.step === 'scripts' && u.script === j);
      if (i >= 0 && i < this.reused) { out(`    Script ${s.path} reused from build ${this.record.reused!.from}\n`); continue; }
      const remote = `/tmp/${path.basename(s.path)}`;
      await g.upload(confinedRecipeFile(this.recipeDir, s.path, this.opts.allowOutsidePaths, 'Script'), remote).catch(e => { throw new Error(`An error occurred while uploading script ${s.path}\n${(e as Error).message}`); });
      await g.run([remote, ...s.args], `An error occurred while executing script ${s.path}`, { signal, onOutput: out });
      await this.checkpoint(i, signal);
    }
    return `Executed ${scripts.length} script(s)`;
  }

  private shutdownP?: Promise<InstanceRecord>;

  private async shutdown(signal?: AbortSignal): Promise<string | { skipped: boolean; detail: string }> {
    const id = this.record.instanceId!;
    if (!this.recipe.shutdown) {
      const rec = await this.opts.vms.describe(id);
      return { skipped: true, detail: `Machine ready for use: ssh -p ${rec?.sshPort} root@${rec?.ip}. Remember to stop the machine when finished` };
    }
    this.session?.end(); this.session = undefined;
    this.phases.delete('saving');
    const epilog = this.phase('saving');
    const p = this.opts.vms.shutdown(id, { signal, onStep: msg => this.log(`    ${msg}\n`), onEvent: this.onEvent });
    p.catch(() => undefined);
    this.shutdownP = p;
    await abortable(Promise.race([epilog, p]), signal);
    return 'ACPI power-off';
  }

  private async awaitSave(signal?: AbortSignal): Promise<string | { skipped: boolean; detail: string }> {
    if (!this.recipe.shutdown) return { skipped: true, detail: 'Nothing saved (shutdown: false)' };
    const rec = await abortable(this.shutdownP ?? this.opts.vms.shutdown(this.record.instanceId!, { signal }), signal);
    if (rec.state === 'Failed' || !rec.saved) throw new Error(`The image was not saved: ${rec.error ?? `instance ended in state ${rec.state}`}`);
    const s = rec.saved;
    this.record.result = { imageId: s.imageId, imagePath: s.imagePath, metadataPath: s.metadataPath, metadataProblem: s.metadataProblem };
    return `New image ${s.imageId}${s.metadataPath ? `, draft metadata ${s.metadataPath}` : ''}${s.metadataProblem ? ` (no draft: ${s.metadataProblem})` : ''}`;
  }

  // ---- records -----------------------------------------------------------------------------

  private current: StepId = 'check-base';

  /** Everything the build prints goes to build.log and to onOutput (the UI's log channel, the CLI's stdout). */
  private log(text: string): void {
    this.opts.onOutput?.(text, this.current);
    try { fs.appendFileSync(this.record.logPath, text); } catch { /* the folder is made in prepare; a vanished one is not fatal */ }
    // and the current step's own file (a retried step appends to it: its earlier attempt stays readable above)
    const stepLog = this.record.steps.find(s => s.id === this.current)?.logPath;
    if (stepLog) {
      try { fs.mkdirSync(path.dirname(stepLog), { recursive: true }); fs.appendFileSync(stepLog, text); } catch { /* as above */ }
    }
  }

  private save(): void {
    const file = path.join(this.dir, 'build.json');
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(this.record, null, 2) + '\n');
      fs.renameSync(tmp, file);
    } catch { /* see log() */ }
    this.opts.onChange?.(this.record);
  }
}

const SKIPPED = Symbol('skipped');
