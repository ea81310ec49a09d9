import type { UiContext } from '../../context';
import * as add from './add';
import * as remove from './remove';
import * as refresh from './refresh';
import * as filter from './filter';
import * as status from './status';
import * as groupBy from './groupBy';
import * as openMetadata from './openMetadata';
import * as copyIdentifier from './copyIdentifier';
import * as download from './download';
import * as verify from './verify';
import * as launch from './launch';
import * as deprecate from './deprecate';
import * as upload from './upload';
import * as editEndpoints from './editEndpoints';

/** Registers the marketplace commands (one file per command in this folder). */
export function register(ctx: UiContext): void {
  for (const c of [add, remove, refresh, filter, status, groupBy, openMetadata, copyIdentifier, download, verify, launch, deprecate, upload, editEndpoints]) c.register(ctx);
}
