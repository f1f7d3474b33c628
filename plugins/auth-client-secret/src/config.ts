import { blankSetting, flagSetting } from '@llm-gateway/plugin-kit';
import { z } from '@llm-gateway/spec';

const headerName = (fallback: string) =>
  z.preprocess(
    blankSetting,
    z
      .string()
      .min(1)
      .default(fallback)
      .transform((name) => name.toLowerCase()),
  );

export const configSchema = z.strictObject({
  /** Directory of per-client JSON files; blank leaves the instance disabled. */
  dir: z.preprocess((value) => (value === null || value === undefined ? '' : value), z.string()),
  /**
   * The secret of a client file that carries none (the DSP seed kept one shared secret in code): plaintext
   * or a `scrypt$...` hash. Blank: such files are skipped. Every client using it is warned about.
   */
  defaultSecret: z.preprocess(blankSetting, z.string().min(1).optional()),
  /**
   * Load clients whose secret is the published example `password` (DSP_ALLOW_EXAMPLE_SECRET in the shipped
   * profiles): for demos and tests only. Off: such files are refused, named in the log and the reload answer.
   */
  allowExampleSecret: z.preprocess(flagSetting, z.boolean().default(false)),
  idHeader: headerName('client_id'),
  secretHeader: headerName('client_secret'),
  /** How long a successful verification is remembered (scrypt is slow on purpose); 0 turns it off. */
  cacheTtlMs: z.preprocess(blankSetting, z.coerce.number().int().min(0).default(60_000)),
  cacheSize: z.preprocess(blankSetting, z.coerce.number().int().min(0).default(1000)),
  /** scrypt verifications at once; more wait in a queue of maxQueuedVerifications, then get 503. */
  maxConcurrentVerifications: z.preprocess(blankSetting, z.coerce.number().int().min(1).default(2)),
  maxQueuedVerifications: z.preprocess(blankSetting, z.coerce.number().int().min(0).default(100)),
});

export type ClientSecretConfigInput = z.input<typeof configSchema>;
export type ClientSecretConfig = z.output<typeof configSchema>;
