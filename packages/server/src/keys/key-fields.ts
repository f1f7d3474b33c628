import { z } from 'zod';

const budget = z.strictObject({
  period: z.enum(['day', 'month']),
  usd: z.number().nonnegative().optional(),
  tokens: z.number().int().nonnegative().optional(),
});

const fields = {
  project: z.string().min(1).max(128).optional(),
  models: z.array(z.string().min(1).max(256)).max(256).optional(),
  rpm: z.number().int().nonnegative().optional(),
  tpd: z.number().int().nonnegative().optional(),
  budgets: z.array(budget).max(8).optional(),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
};

/** `POST /admin/keys`: every field but `name` optional; an unknown field is a 400 naming it. */
export const createKeySchema = z.strictObject({ name: z.string().min(1).max(128), ...fields });

/** `PATCH /admin/keys/{id}`: any of the same fields (`null` expires_at: never). */
export const updateKeySchema = z.strictObject({ name: z.string().min(1).max(128).optional(), ...fields });

export type CreateKey = z.infer<typeof createKeySchema>;
export type UpdateKey = z.infer<typeof updateKeySchema>;

/** A stored key: what the admin API shows, plus the secret's digest (never shown). */
export interface ManagedKeyRecord extends Omit<CreateKey, 'expires_at'> {
  id: string;
  created_at: string;
  expires_at?: string | null;
  /** SHA-256 (hex) of the secret; the secret itself is shown once and never stored. */
  digest: string;
  /** The secret before a rotation, valid until `until` (ISO). */
  previous?: { digest: string; until: string };
}

/** What the admin API shows of a key: never a digest. */
export function publicKey(record: ManagedKeyRecord): Omit<ManagedKeyRecord, 'digest' | 'previous'> {
  const { digest: _digest, previous: _previous, ...shown } = record;
  return shown;
}

/** The first problem of a failed parse, named by its field: `budgets.0.usd: Too small...`. */
export function firstIssue(error: z.ZodError): { param: string; message: string } {
  const issue = error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys : [];
  const param = [...issue.path.map(String), ...keys.slice(0, 1)].join('.') || '(body)';
  return { param, message: `${param}: ${issue.message}` };
}
