import type { PrincipalLimits } from './auth.js';

/** A budget a principal carries itself (a managed key's): per calendar UTC day or month. */
export interface PrincipalBudget {
  period: 'day' | 'month';
  usd?: number;
  tokens?: number;
}

/** What a managed API key grants once its secret matches. */
export interface ManagedKeyIdentity {
  /** The key's id: the principal id. */
  id: string;
  project?: string;
  /** Models it may ask for (absent: any). */
  models?: string[];
  limits?: PrincipalLimits;
  budgets?: PrincipalBudget[];
}

/**
 * Keys created at run time (`POST /admin/keys`), provided by the host to API-key schemes: the secret a client
 * presented, or undefined when no live managed key has it. Changes show within a second on every instance.
 */
export interface ManagedKeyLookup {
  find(secret: string): Promise<ManagedKeyIdentity | undefined>;
}
