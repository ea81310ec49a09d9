import * as vscode from 'vscode';

/** Root rdf:RDF (any prefix) with a StratusLab namespace declared: cheap enough for every keystroke. */
export function isMetadataDocument(doc: vscode.TextDocument): boolean {
  if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled') return false;
  if (!/\.(xml|rdf)$/i.test(doc.fileName) && doc.languageId !== 'xml') return false;
  const head = doc.getText(new vscode.Range(0, 0, Math.min(doc.lineCount, 60), 0));
  const root = /<(?!\?|!)([\w.-]+:)?([\w.-]+)/.exec(head.replace(/<!--[\s\S]*?-->/g, ''));
  return !!root && root[2] === 'RDF' && /http:\/\/mp\.stratuslab\.eu\/sl(req|terms)#/.test(head);
}

/** 1-based, end-exclusive core ranges → VS Code ranges. */
export function toRange(r: { line: number; column: number; endLine: number; endColumn: number }): vscode.Range {
  return new vscode.Range(r.line - 1, r.column - 1, r.endLine - 1, Math.max(r.endColumn - 1, 0));
}
