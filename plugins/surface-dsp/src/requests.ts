/** The request body, validated the way the FastAPI service's pydantic model did (lax numbers, extra fields ignored). */

import { laxNumber } from '@llm-gateway/plugin-kit/fastapi-errors';
import { z } from '@llm-gateway/spec';
import { providerName } from './config.js';

export const generateRequest = z.object({
  prompt: z.string().min(1),
  temperature: z.preprocess(laxNumber, z.number().min(0).max(2)).nullish(),
  max_tokens: z.preprocess(laxNumber, z.number().int().positive()).nullish(),
  provider: z.string().regex(providerName).nullish(),
  model: z.string().min(1).nullish(),
});

export type GenerateRequest = z.output<typeof generateRequest>;
