import { type Principal, z } from '@llm-gateway/spec';
import { parseSecretHash } from './secret-hash.js';

const text = () => z.string().trim().min(1);
const count = () => z.number().int().positive();

/**
 * One client file: the DSP gateway's documented fields, plus the secret as `client_secret_hash` (or, to be
 * converted, a plaintext `client_secret`). Unknown keys are refused (typos).
 */
export const clientFileSchema = z.strictObject({
  client_id: text(),
  name: text().nullish(),
  description: z.string().nullish(),
  client_secret_hash: z
    .string()
    .refine((value) => parseSecretHash(value) !== undefined, {
      message: 'must be scrypt$N$r$p$saltBase64$hashBase64 (create one with `gateway hash-secret`)',
    })
    .optional(),
  client_secret: z.string().min(1).optional(),
  allowed_providers: z.array(text()).nullish(),
  default_provider: text().nullish(),
  default_model: text().nullish(),
  max_tokens_limit: count().nullish(),
  rate_limit: z
    .strictObject({ requests_per_minute: count().nullish(), tokens_per_day: count().nullish() })
    .nullish(),
  allowed_endpoints: z.array(text()).nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});

export type ClientFile = z.output<typeof clientFileSchema>;

/** The principal a client authenticates as; fields the file leaves out are left out here too. */
export function clientPrincipal(client: ClientFile, scheme: string): Principal {
  const principal: Principal = { id: client.client_id, kind: 'client', scheme };
  if (client.name) principal.displayName = client.name;
  const limits: NonNullable<Principal['limits']> = {};
  if (client.rate_limit?.requests_per_minute)
    limits.requestsPerMinute = client.rate_limit.requests_per_minute;
  if (client.rate_limit?.tokens_per_day) limits.tokensPerDay = client.rate_limit.tokens_per_day;
  if (Object.keys(limits).length > 0) principal.limits = limits;
  if (client.allowed_providers) principal.allowedProviders = [...client.allowed_providers];
  if (client.allowed_endpoints) principal.allowedEndpoints = [...client.allowed_endpoints];
  const defaults: NonNullable<Principal['defaults']> = {};
  if (client.default_provider) defaults.provider = client.default_provider;
  if (client.default_model) defaults.model = client.default_model;
  if (client.max_tokens_limit) defaults.maxTokensLimit = client.max_tokens_limit;
  if (Object.keys(defaults).length > 0) principal.defaults = defaults;
  return principal;
}
