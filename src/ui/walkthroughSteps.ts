import * as vscode from 'vscode';
import type { UiContext } from './context';

/**
 * The steps of the "Get started with Stratus" walkthrough: each is done when the real thing happened, its
 * context key (stratus.walkthrough.<step>) set from the event itself and remembered across sessions.
 * Small on purpose: activation restores the keys; the steps' commands live in walkthrough.ts (loaded on use).
 */

export type WalkthroughStep = 'launched' | 'sshOpened' | 'webOpened' | 'built' | 'published' | 'launchedBuilt';
const STEPS: WalkthroughStep[] = ['launched', 'sshOpened', 'webOpened', 'built', 'published', 'launchedBuilt'];
const stateKey = 'stratus.walkthrough.done';

export async function markStep(ctx: UiContext, step: WalkthroughStep): Promise<void> {
  const done = new Set(ctx.ext.globalState.get<WalkthroughStep[]>(stateKey) ?? []);
  if (!done.has(step)) { done.add(step); await ctx.ext.globalState.update(stateKey, [...done]); }
  await vscode.commands.executeCommand('setContext', `stratus.walkthrough.${step}`, true);
}

export function doneSteps(ctx: UiContext): WalkthroughStep[] { return ctx.ext.globalState.get<WalkthroughStep[]>(stateKey) ?? []; }

/** At activation: the remembered steps' keys, and the SSH step's watch (an SSH terminal opened from anywhere). */
export function register(ctx: UiContext): void {
  const done = new Set(doneSteps(ctx));
  for (const s of STEPS) void vscode.commands.executeCommand('setContext', `stratus.walkthrough.${s}`, done.has(s));
  ctx.ext.subscriptions.push(vscode.window.onDidOpenTerminal(t => { if (/^ssh /.test(t.name)) void markStep(ctx, 'sshOpened'); }));
}
