import * as vscode from 'vscode';
import { validateMetadata, ValidationResult } from '../../../core/metadata/validate';
import type { Diagnostic } from '../../../core/metadata/types';
import { trustedCertificates } from '../../services/trust';
import { isMetadataDocument, toRange } from './detect';

const SEVERITY = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, info: vscode.DiagnosticSeverity.Information };
const DEBOUNCE_MS = 200;

/** The last validation of each open metadata document (hovers and code actions reuse it). */
export const results = new Map<string, ValidationResult>();

// One parse and one signature check per edit: diagnostics, the signature CodeLens and hovers all ask for
// the validation of a document version under a trust list, and only the first asker computes it.
const cache = new Map<string, { version: number; trust: string; result: ValidationResult }>();

export function validationOf(doc: vscode.TextDocument, trusted: string[]): ValidationResult {
  const key = doc.uri.toString(), trust = trusted.join('\n');
  const hit = cache.get(key);
  if (hit && hit.version === doc.version && hit.trust === trust) return hit.result;
  const result = validateMetadata(doc.getText(), { trusted });
  cache.set(key, { version: doc.version, trust, result });
  results.set(key, result);
  return result;
}

export function toVscode(d: Diagnostic): vscode.Diagnostic {
  const v = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
  v.source = `stratus ${d.layer}`;
  v.code = d.code;
  return v;
}

/** Live diagnostics: on open, and debounced while typing. */
export class MetadataDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('stratus-metadata');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument(d => this.validate(d)),
      vscode.workspace.onDidChangeTextDocument(e => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument(d => { this.collection.delete(d.uri); results.delete(d.uri.toString()); cache.delete(d.uri.toString()); }),
      vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('stratus.trustedCertificates')) vscode.workspace.textDocuments.forEach(d => this.validate(d)); }),
    );
    vscode.workspace.textDocuments.forEach(d => this.validate(d));
  }

  schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => { this.timers.delete(key); this.validate(doc); }, DEBOUNCE_MS));
  }

  validate(doc: vscode.TextDocument): ValidationResult | undefined {
    if (!isMetadataDocument(doc)) { cache.delete(doc.uri.toString()); if (results.delete(doc.uri.toString())) this.collection.delete(doc.uri); return undefined; }
    try {
      const r = validationOf(doc, trustedCertificates(this.log));
      this.collection.set(doc.uri, r.diagnostics.map(toVscode));
      return r;
    } catch (e) {
      this.log.error(`metadata validation of ${doc.uri.fsPath} failed: ${(e as Error).stack ?? e}`);
      return undefined;
    }
  }

  dispose(): void {
    this.timers.forEach(t => clearTimeout(t));
    this.subs.forEach(s => s.dispose());
    this.collection.dispose();
  }
}
