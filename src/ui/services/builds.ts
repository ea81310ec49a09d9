import * as vscode from 'vscode';
import type { UiContext } from '../context';
import { config } from '../context';
import { Build, isResumable, listBuilds } from '../../backend/build/build';
import type { BuildRecord } from '../../backend/build/steps';
import { prepareBuild } from '../../backend/build/setup';
import { servicesFor } from './hostServices';
import { uiMarketplaces, uiTrusted } from './marketplaces';

interface Live { build: Build; controller?: AbortController; running?: Promise<BuildRecord> }

/** Builds of this window (live) plus the records of earlier ones under data.builds. */
export class BuildsModel implements vscode.Disposable {
  private readonly live = new Map<string, Live>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private timer?: NodeJS.Timeout;

  constructor(private readonly ctx: UiContext) {}

  dispose(): void { this.changed.dispose(); for (const l of this.live.values()) l.controller?.abort(); }

  /** Coalesces bursts of step updates into one tree refresh. */
  fire(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; this.changed.fire(); }, 100);
  }

  async records(): Promise<BuildRecord[]> {
    const stored = await listBuilds(this.ctx.data);
    return stored.map(r => this.live.get(r.id)?.build.record ?? r);
  }

  get(id: string): Live | undefined { return this.live.get(id); }

  /** A build of an earlier session that stopped midway (its process is gone): Resume or Discard. */
  interrupted(r: BuildRecord): boolean { return !this.live.has(r.id) && isResumable(r); }

  /** `resume`: the id of an interrupted build to continue from its last checkpoint (its leftover VM is removed). */
  async prepare(recipePath: string, resume?: string): Promise<Build> {
    const build = await prepareBuild(recipePath, { resume,
      // the build VM runs under the host's own manager: the Instances tree hears it as any launch
      servicesFor: host => servicesFor(this.ctx, host),
      data: this.ctx.data, marketplaces: uiMarketplaces(this.ctx), trusted: uiTrusted(),
      publicKeyFile: config().get<string>('build.publicKey') || undefined,
      allowUntrusted: config().get<boolean>('build.allowUntrustedBase') ?? false,
      allowOutsidePaths: config().get<boolean>('build.allowPathsOutsideRecipe') ?? false,
      onOutput: text => { for (const line of text.split('\n')) if (line.trim()) this.ctx.log.info(`[build] ${line}`); },
      onChange: () => this.fire(),
      cacheMaxBytes: (config().get<number>('build.cacheMaxGiB') ?? 10) * 2 ** 30,
    });
    this.live.set(build.record.id, { build });
    this.fire();
    return build;
  }

  /** Runs (or retries) with a fresh cancel token; resolves with the record whatever the outcome. */
  run(build: Build, retry = false): { controller: AbortController; done: Promise<BuildRecord> } {
    const live = this.live.get(build.record.id) ?? { build };
    const controller = new AbortController();
    live.controller = controller;
    live.running = retry ? build.retry(controller.signal) : build.run(controller.signal);
    this.live.set(build.record.id, live);
    live.running.finally(() => { live.controller = undefined; live.running = undefined; this.fire(); });
    return { controller, done: live.running };
  }
}

let model: BuildsModel | undefined;
/** This window's builds, shared by the Builds view and the recipe commands. */
export function buildsModel(ctx: UiContext): BuildsModel {
  if (!model) { model = new BuildsModel(ctx); ctx.ext.subscriptions.push(model, { dispose: () => { model = undefined; } }); }
  return model;
}
