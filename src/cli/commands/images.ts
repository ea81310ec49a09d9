import type { CliCommand } from '../command';

export const imagesCommands: CliCommand[] = [];
