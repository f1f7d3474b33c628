/** The request bodies, validated the way the FastAPI service's pydantic models did (lax numbers, extra fields ignored). */

import { laxNumber } from '@llm-gateway/plugin-kit/fastapi-errors';
import { z } from '@llm-gateway/spec';

const text = () => z.string().min(1);

export const completionRequest = z.object({
  soeid: text(),
  project_name: text(),
  prompt: text(),
  model: z.string().nullish(),
  temperature: z.preprocess(laxNumber, z.number().min(0).max(2)).nullish(),
  max_tokens: z.preprocess(laxNumber, z.number().int().positive()).nullish(),
});

export const tokenRequest = z.object({
  soeid: text(),
  project_id: z.string().nullish(),
});

export const verifyTokenRequest = z.object({
  token: text(),
});

export { telemetryEvent } from './telemetry-event.js';

export type CompletionRequest = z.output<typeof completionRequest>;
export type TokenRequest = z.output<typeof tokenRequest>;
