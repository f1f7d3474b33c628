import { blankSetting, numberSetting } from '@llm-gateway/plugin-kit/fastapi-errors';
import { z } from '@llm-gateway/spec';

/** A backend instance name, as the profile spells them. */
export const providerName = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export const configSchema = z.strictObject({
  /** DEFAULT_PROVIDER: the backend instance used when neither the request nor the client names one. */
  defaultProvider: z.preprocess(blankSetting, z.string().regex(providerName).optional()),
  /** DEFAULT_MODEL: used when neither the request nor the client names one; else the profile's default. */
  defaultModel: z.preprocess(blankSetting, z.string().min(1).optional()),
  /** `max_tokens` when the request leaves it out (capped at the client's max_tokens_limit). */
  defaultMaxTokens: z.preprocess(numberSetting, z.number().int().positive().default(150)),
  /** `temperature` when the request leaves it out. */
  defaultTemperature: z.preprocess(numberSetting, z.number().min(0).max(2).default(0.7)),
});

export type DspConfig = z.output<typeof configSchema>;
export type DspConfigInput = z.input<typeof configSchema>;
