// The metadata commands (one file per command in this folder); the command table (src/ui/commandTable.ts) loads this module on first use.
export { sign } from './sign';
export { verify } from './verify';
export { generateCertificateCommand } from './generateCertificate';
export { buildMetadataCommand } from './buildMetadata';
export { validate } from './validate';
export { recompute } from './recompute';
