import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import type { UiContext } from '../../context';
import { recipeTemplate } from '../../../core/recipe/template';

/** stratus.recipe.new: writes a commented recipe and opens it. Returns the file's URI (tests use it). */
export async function newRecipe(ctx: UiContext, target?: vscode.Uri) {
  let uri = target;
  if (!uri) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    uri = await vscode.window.showSaveDialog({
      title: 'New Recipe', saveLabel: 'Create Recipe', filters: { 'Stratus recipe': ['recipe.yaml', 'yaml'] },
      defaultUri: folder ? vscode.Uri.joinPath(folder, 'image.recipe.yaml') : undefined,
    });
    if (!uri) return undefined;
  }
  let file = uri.fsPath;
  if (!/\.recipe\.yaml$|(^|[\\/])stratus-recipe\.yaml$/.test(file)) file = file.replace(/(\.ya?ml)?$/, '.recipe.yaml');
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await fs.promises.writeFile(tmp, recipeTemplate());
  await fs.promises.rename(tmp, file);
  const doc = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(doc);
  ctx.log.info(`New recipe ${file}`);
  return vscode.Uri.file(file);
}
