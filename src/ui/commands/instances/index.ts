// The instances commands (one file per command in this folder); the command table (src/ui/commandTable.ts) loads this module on first use.
export { launch } from './launch';
export { openSshTerminal } from './openSshTerminal';
export { copyIp } from './copyIp';
export { showConsoleLog } from './showConsoleLog';
export { shutdown } from './shutdown';
export { kill } from './kill';
export { remove } from './remove';
export { attachVolume } from './attachVolume';
export { refresh } from './refresh';
export { openPort, copyPortUrl } from './ports';
