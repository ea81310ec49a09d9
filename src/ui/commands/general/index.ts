// The commands that belong to no single area (one file per command in this folder); the command table (src/ui/commandTable.ts) loads this module on first use.
export { showLog } from './showLog';
