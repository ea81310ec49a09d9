import type { CliCommand } from '../command';

export const hostsCommands: CliCommand[] = [];
