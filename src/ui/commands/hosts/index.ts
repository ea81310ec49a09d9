// The hosts commands (one file per command in this folder); the command table (src/ui/commandTable.ts) loads this module on first use.
export { add } from './add';
export { remove } from './remove';
export { reconnect } from './reconnect';
export { check } from './check';
export { selectActive } from './selectActive';
