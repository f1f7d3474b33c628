import { MAX_EVENT_DEPTH } from './telemetry-event.js';

/** Field names no telemetry store can hold (a leading `$`, a `.`, a NUL), refused at any depth. */
const unstorableName = '^\\$|\\.|\\x00';

/**
 * The JSON schema of a value at `depth` in an event, as /telemetry checks it: objects refuse unstorable field
 * names, and nothing nests past MAX_EVENT_DEPTH. Spelled out level by level (OpenAPI 3.0 has no
 * recursion limit), so a fuzzer reading /openapi.json knows exactly what to break.
 */
function eventValueSchema(depth: number): Record<string, unknown> {
  if (depth >= MAX_EVENT_DEPTH) return { not: { type: ['object', 'array'] } };
  return {
    propertyNames: { not: { pattern: unstorableName } },
    additionalProperties: eventValueSchema(depth + 1),
  };
}

/** The body of POST /telemetry in /openapi.json: any JSON object a telemetry store can hold. */
export const telemetryEventSchema = {
  type: 'object',
  ...eventValueSchema(0),
  description:
    "The event; `project_name`, when a string, is also filed as the record's project. Field names with a NUL, a leading `$` or a `.`, and nesting deeper than 16 levels, are refused with a 422 (no store can hold them).",
  examples: [{ event_type: 'feedback', project_name: 'risk-analysis', rating: 5 }],
};
