import type { CliCommand } from '../command';

export const contextCommands: CliCommand[] = [];
