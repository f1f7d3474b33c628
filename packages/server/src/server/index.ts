export { type BuildServerOptions, buildServer, type GatewayServer } from './build-server.js';
export type { HealthContribution, HealthContributor } from './health-route.js';
export { censor, LogRedaction, maskSecrets } from './log-redaction.js';
export { createLogger, type GatewayLoggerOptions } from './logger.js';
export { chooseFormat, type MetricsFormat } from './metrics-route.js';
export type { GatewayRequestState } from './request-state.js';
export { type RunningServer, type StartServerOptions, startServer } from './start-server.js';
export { composeAuthenticator, createSurfaceHost, withResponseHeaders } from './surface-host.js';
export { requestRecord, type TelemetryEmitter } from './telemetry.js';
