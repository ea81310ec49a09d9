import * as os from 'os';
import * as path from 'path';

/** Everything the embedded defaults keep lives under one data folder. */
export interface DataLayout {
  root: string;
  marketplace: string;
  images: string;
  instances: string;
  volumes: string;
  builds: string;
  keys: string;
}

export function defaultDataRoot(): string {
  return process.env.STRATUS_DATA_DIR || path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'stratus');
}

export function dataLayout(root = defaultDataRoot()): DataLayout {
  const r = path.resolve(root);
  return {
    root: r,
    marketplace: path.join(r, 'marketplace'),
    images: path.join(r, 'images'),
    instances: path.join(r, 'instances'),
    volumes: path.join(r, 'volumes'),
    builds: path.join(r, 'builds'),
    keys: path.join(r, 'keys'),
  };
}
