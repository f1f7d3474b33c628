import { z } from '@llm-gateway/spec';
import { blankSetting, numberSetting } from '@llm-gateway/spec/fastapi-errors';

export const configSchema = z.strictObject({
  /** The model tasks run on (OLLAMA_MODEL); blank: the profile's `routing.defaultModel`. */
  model: z.preprocess(blankSetting, z.string().min(1).optional()),
  /** MAX_NEW_TOKENS: `max_tokens` when the request leaves it out. */
  defaultMaxTokens: z.preprocess(numberSetting, z.number().int().positive().default(512)),
  /** TEMPERATURE: `temperature` when the request leaves it out. */
  defaultTemperature: z.preprocess(numberSetting, z.number().min(0).max(2).default(0.7)),
  defaultTopP: z.preprocess(numberSetting, z.number().min(0).max(1).default(0.9)),
  /** Seconds between SSE comment lines on a quiet stream, so proxies keep it open. */
  keepAliveSeconds: z.preprocess(numberSetting, z.number().positive().default(15)),
});

export type InferenceConfig = z.output<typeof configSchema>;
