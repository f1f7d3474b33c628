import { z } from '@llm-gateway/spec';

/** Values interpolated from `${VAR:-}` arrive as strings; a blank one means "not set". */
const blank = (value: unknown) => (value === '' || value === null ? undefined : value);

const number = (value: unknown) => {
  if (typeof value !== 'string') return blank(value);
  if (value.trim() === '') return undefined;
  const parsed = Number(value);
  // Not a number: left as is so the profile error shows what was given.
  return Number.isNaN(parsed) ? value : parsed;
};

/** A backend instance name, as the profile spells them. */
export const providerName = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export const configSchema = z.strictObject({
  /** DEFAULT_PROVIDER: the backend instance used when neither the request nor the client names one. */
  defaultProvider: z.preprocess(blank, z.string().regex(providerName).optional()),
  /** DEFAULT_MODEL: used when neither the request nor the client names one; else the profile's default. */
  defaultModel: z.preprocess(blank, z.string().min(1).optional()),
  /** `max_tokens` when the request leaves it out (capped at the client's max_tokens_limit). */
  defaultMaxTokens: z.preprocess(number, z.number().int().positive().default(150)),
  /** `temperature` when the request leaves it out. */
  defaultTemperature: z.preprocess(number, z.number().min(0).max(2).default(0.7)),
});

export type DspConfig = z.output<typeof configSchema>;
export type DspConfigInput = z.input<typeof configSchema>;
