import * as vscode from 'vscode';
import type { UiContext } from '../../context';
import { MetadataDiagnostics } from './diagnostics';
import { MetadataHoverProvider } from './hover';
import { MetadataCodeActions } from './codeActions';
import { registerSignatureLens } from './signatureLens';

const SELECTOR: vscode.DocumentSelector = [{ scheme: 'file', pattern: '**/*.{xml,rdf}' }, { scheme: 'untitled', language: 'xml' }, { language: 'xml' }];

/** The live diagnostics instance (commands re-validate through it). */
export let diagnostics: MetadataDiagnostics | undefined;

/** Diagnostics, hovers and code actions for metadata documents. */
export function register(ctx: UiContext): void {
  diagnostics = new MetadataDiagnostics(ctx.log);
  registerSignatureLens(ctx);
  ctx.ext.subscriptions.push(
    diagnostics,
    vscode.languages.registerHoverProvider(SELECTOR, new MetadataHoverProvider()),
    vscode.languages.registerCodeActionsProvider(SELECTOR, new MetadataCodeActions(), { providedCodeActionKinds: MetadataCodeActions.kinds }),
  );
}
