import { blankSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

const count = () => z.coerce.number().positive();

export const limitsSchema = z.strictObject({
  requestsPerMinute: count().optional(),
  tokensPerDay: count().optional(),
  burst: count().optional(),
});

export const keyObjectSchema = z.strictObject({
  id: z.preprocess(blankSetting, z.string().optional()),
  key: z.string(),
  limits: limitsSchema.optional(),
});

const commaList = (value: unknown) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : value;

export const configSchema = z.strictObject({
  /** A comma-separated string (`${API_KEYS:-}`) or a list of keys or `{ id, key, limits }`. */
  keys: z.preprocess(
    (value) => (value === null || value === undefined ? '' : value),
    z.union([z.string(), z.array(z.union([z.string(), keyObjectSchema]))]),
  ),
  /** A file with one `id:key` or `key` per line; `#` comments. */
  file: z.preprocess(blankSetting, z.string().optional()),
  /** Headers tried in order; `authorization` means `Bearer <key>`. */
  headers: z.preprocess(
    (value) => blankSetting(commaList(value)),
    z
      .array(z.string().min(1))
      .min(1)
      .default(['x-api-key', 'authorization'])
      .transform((names) => names.map((name) => name.toLowerCase())),
  ),
  /** Read only on surfaces that allow query credentials (EventSource clients); '' turns it off. */
  queryParam: z.preprocess((value) => (value === null ? undefined : value), z.string().default('api_key')),
});

export type ApiKeyConfig = z.output<typeof configSchema>;
