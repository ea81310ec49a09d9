import type { CliCommand } from '../command';

export const recipeCommands: CliCommand[] = [];
