// The context commands (one file per command in this folder); the command table (src/ui/commandTable.ts) loads this module on first use.
export { prepareContext } from './prepareContext';
