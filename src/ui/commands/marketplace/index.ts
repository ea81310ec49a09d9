// The marketplace commands (one file per command in this folder); the command table (src/ui/commandTable.ts) loads this module on first use.
export { add } from './add';
export { remove } from './remove';
export { refresh } from './refresh';
export { filter, clearFilter } from './filter';
export { status } from './status';
export { groupBy } from './groupBy';
export { openMetadata } from './openMetadata';
export { copyIdentifier } from './copyIdentifier';
export { download } from './download';
export { verify } from './verify';
export { launch } from './launch';
export { deprecate } from './deprecate';
export { upload } from './upload';
export { editEndpoints } from './editEndpoints';
