import type { CliCommand } from '../command';

export const volumesCommands: CliCommand[] = [];
