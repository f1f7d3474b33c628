import { z } from '@llm-gateway/spec';

const flag = (value: unknown) => {
  if (value === '' || value === null) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
};

export const configSchema = z.strictObject({
  /** Send `x-gateway-backend` and `x-gateway-model` (which upstream answered) with each response. */
  exposeBackendHeader: z.preprocess(flag, z.boolean().default(true)),
});

export type OpenAISurfaceConfig = z.output<typeof configSchema>;
