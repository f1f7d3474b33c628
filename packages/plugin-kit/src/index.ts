export * from './chat-features.js';
export * from './credentials.js';
export * from './header-value.js';
export * from './log-failure.js';
export * from './settings.js';
export * from './sse-headers.js';
export * from './task-helpers.js';
export * from './task-runtime.js';
