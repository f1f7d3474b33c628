/** The POST /generate body, validated as the seed's pydantic model did (lax numbers, extra fields ignored). */

import { laxNumber } from '@llm-gateway/plugin-kit/fastapi-errors';
import { z } from '@llm-gateway/spec';

export const generateRequest = z.object({
  prompt: z.string().min(1),
  max_tokens: z.preprocess(laxNumber, z.number().int().positive().max(32_768)).nullish(),
  temperature: z.preprocess(laxNumber, z.number().min(0).max(2)).nullish(),
  top_p: z.preprocess(laxNumber, z.number().min(0).max(1)).nullish(),
  user_id: z.string().max(256).nullish(),
});

export type GenerateRequest = z.output<typeof generateRequest>;
