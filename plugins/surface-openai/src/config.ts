import { blankSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';
import { responsesConfigSchema } from './responses/responses-config.js';

const flag = (value: unknown) => {
  if (value === '' || value === null) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
};

export const configSchema = z.strictObject({
  /** Send `x-gateway-backend` and `x-gateway-model` (which upstream answered) with each response. */
  exposeBackendHeader: z.preprocess(flag, z.boolean().default(true)),
  /** The model of a request that names none on this surface (e.g. VITTE_LLM_MODEL); blank: the profile's. */
  defaultModel: z.preprocess(blankSetting, z.string().trim().min(1).optional()),
  /**
   * Chat completions carry `usage.from_cache` (the DeepSeek gateway's contract). On the relay path it is
   * added to the upstream's usage object in place; false relays the upstream's JSON byte for byte.
   */
  usageFromCache: z.preprocess(flag, z.boolean().default(true)),
  /** Stored responses of the Responses API: TTL and size bounds (see the README). */
  responses: responsesConfigSchema,
});

export type OpenAISurfaceConfig = z.output<typeof configSchema>;
