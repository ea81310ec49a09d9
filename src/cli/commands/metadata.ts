import type { CliCommand } from '../command';

export const metadataCommands: CliCommand[] = [];
