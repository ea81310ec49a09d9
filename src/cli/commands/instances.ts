import type { CliCommand } from '../command';

export const instancesCommands: CliCommand[] = [];
