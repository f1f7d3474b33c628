/** The request bodies, validated the way the FastAPI service's pydantic models did (lax numbers, extra fields ignored). */
import { z } from '@llm-gateway/spec';

/** pydantic's lax mode reads numbers sent as strings ("0.5"). */
const laxNumber = (value: unknown) => {
  if (typeof value !== 'string' || value.trim() === '') return value;
  const parsed = Number(value);
  return Number.isNaN(parsed) ? value : parsed;
};

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

export const telemetryEvent = z.record(z.string(), z.unknown());

export type CompletionRequest = z.output<typeof completionRequest>;
export type TokenRequest = z.output<typeof tokenRequest>;
