import type { CliCommand } from '../command';
import { metadataCommands } from './metadata';
import { marketplaceCommands } from './marketplace';
import { instancesCommands } from './instances';
import { volumesCommands } from './volumes';
import { contextCommands } from './context';
import { recipeCommands } from './recipe';
import { hostsCommands } from './hosts';
import { imagesCommands } from './images';
import { firstStartCommands } from './firstStart';

export const allCommands: CliCommand[] = [
  ...metadataCommands, ...marketplaceCommands, ...instancesCommands, ...volumesCommands,
  ...contextCommands, ...recipeCommands, ...hostsCommands, ...imagesCommands, ...firstStartCommands,
];
