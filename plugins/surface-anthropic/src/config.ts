import { blankSetting, flagSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

export const configSchema = z.strictObject({
  /** Send `x-gateway-backend` and `x-gateway-model` (which upstream answered) with each response. */
  exposeBackendHeader: z.preprocess(flagSetting, z.boolean().default(true)),
  /** The model of a request that names none on this surface; blank: the profile's. */
  defaultModel: z.preprocess(blankSetting, z.string().trim().min(1).optional()),
});

export type AnthropicSurfaceConfig = z.output<typeof configSchema>;
