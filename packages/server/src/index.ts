export * from './cli/index.js';
export * from './plugins/index.js';
export * from './profile/index.js';
export * from './server/index.js';
