import { z } from '@llm-gateway/spec';

/** Values interpolated from `${VAR:-}` arrive as strings; a blank one means "not set". */
const blank = (value: unknown) => (value === '' || value === null ? undefined : value);

const truthy = new Set(['true', '1', 'yes', 'on']);
const falsy = new Set(['false', '0', 'no', 'off']);

const flag = (value: unknown) => {
  const given = blank(value);
  if (typeof given !== 'string') return given;
  const word = given.trim().toLowerCase();
  if (truthy.has(word)) return true;
  if (falsy.has(word)) return false;
  return given;
};

const number = (value: unknown) => {
  if (typeof value !== 'string') return blank(value);
  if (value.trim() === '') return undefined;
  const parsed = Number(value);
  // Not a number: left as is so the profile error shows what was given.
  return Number.isNaN(parsed) ? value : parsed;
};

export const configSchema = z.strictObject({
  /** TOKEN_SECRET: the value `X-Token-Secret` must carry on /generate-token and /verify-token; absent → those answer 503. */
  tokenSecret: z.preprocess(blank, z.string().min(1).optional()),
  /** Serve POST /generate-token-simple, which issues tokens without any secret. Development only. */
  simpleTokenEndpoint: z.preprocess(flag, z.boolean().default(false)),
  /** DEFAULT_MODEL; absent → the profile's `routing.defaultModel`. */
  defaultModel: z.preprocess(blank, z.string().min(1).optional()),
  /** DEFAULT_MAX_TOKENS. */
  defaultMaxTokens: z.preprocess(number, z.number().int().positive().default(2000)),
  /** DEFAULT_TEMPERATURE. */
  defaultTemperature: z.preprocess(number, z.number().min(0).max(2).default(0.7)),
});

export type DgenPingConfig = z.output<typeof configSchema>;
export type DgenPingConfigInput = z.input<typeof configSchema>;
