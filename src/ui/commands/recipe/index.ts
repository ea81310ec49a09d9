// The recipe commands (one file per command in this folder); the command table (src/ui/commandTable.ts) loads this module on first use.
export { newRecipe } from './newRecipe';
export { createImage } from './createImage';
export { openLog } from './openLog';
export { cancel } from './cancel';
export { retry, resume, discard } from './retry';
export { cleanup } from './cleanup';
export { sshTerminal } from './sshTerminal';
export { refresh } from './refresh';
