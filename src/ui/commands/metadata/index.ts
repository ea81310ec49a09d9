import type { UiContext } from '../../context';
import * as sign from './sign';
import * as verify from './verify';
import * as generateCertificate from './generateCertificate';
import * as buildMetadata from './buildMetadata';
import * as validate from './validate';
import * as recompute from './recompute';

/** Registers the metadata commands (one file per command in this folder). */
export function register(ctx: UiContext): void {
  sign.register(ctx);
  verify.register(ctx);
  generateCertificate.register(ctx);
  buildMetadata.register(ctx);
  validate.register(ctx);
  recompute.register(ctx);
  // commands of this area are added here as they land
}
