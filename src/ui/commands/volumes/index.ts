// The volumes commands (one file per command in this folder); the command table (src/ui/commandTable.ts) loads this module on first use.
export { create } from './create';
export { deleteVolume } from './delete';
export { copyOnWrite } from './copyOnWrite';
export { exportVolumeCommand } from './export';
export { attach } from './attach';
export { detach } from './detach';
export { refresh } from './refresh';
