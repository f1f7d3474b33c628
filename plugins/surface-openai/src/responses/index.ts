export { type ResponsesConfig, responsesConfigSchema } from './responses-config.js';
export { type ResponsesRouteDeps, registerResponsesRoutes } from './responses-routes.js';
