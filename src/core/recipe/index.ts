export * from './fields';
export * from './parse';
export * from './check';
export * from './installer';
export * from './complete';
export * from './template';
export * from './schema';
export * from './sysprep';
