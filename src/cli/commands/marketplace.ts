import type { CliCommand } from '../command';

export const marketplaceCommands: CliCommand[] = [];
