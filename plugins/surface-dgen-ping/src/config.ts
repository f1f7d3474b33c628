import { blankSetting, flagSetting, numberSetting } from '@llm-gateway/plugin-kit/fastapi-errors';
import { z } from '@llm-gateway/spec';

export const configSchema = z.strictObject({
  /** TOKEN_SECRET: the value `X-Token-Secret` must carry on /generate-token and /verify-token; absent → those answer 503. */
  tokenSecret: z.preprocess(blankSetting, z.string().min(1).optional()),
  /** Serve POST /generate-token-simple, which issues tokens without any secret. Development only. */
  simpleTokenEndpoint: z.preprocess(flagSetting, z.boolean().default(false)),
  /** DEFAULT_MODEL; absent → the profile's `routing.defaultModel`. */
  defaultModel: z.preprocess(blankSetting, z.string().min(1).optional()),
  /** DEFAULT_MAX_TOKENS. */
  defaultMaxTokens: z.preprocess(numberSetting, z.number().int().positive().default(2000)),
  /** DEFAULT_TEMPERATURE. */
  defaultTemperature: z.preprocess(numberSetting, z.number().min(0).max(2).default(0.7)),
});

export type DgenPingConfig = z.output<typeof configSchema>;
export type DgenPingConfigInput = z.input<typeof configSchema>;
