import type { CliCommand } from '../command';
import { signatureCommands } from './metadataSign';
import { validationCommands } from './metadataValidate';

export const metadataCommands: CliCommand[] = [...validationCommands, ...signatureCommands];
