import type { PrincipalBudget } from './managed-keys.js';
import type { PluginDefinition, PluginHost } from './plugin.js';

/** What an auth scheme may read from a request. Header names are lower-case. */
export interface AuthInput {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  /** Whether this surface lets credentials travel in the query string (EventSource clients). */
  allowQueryCredentials: boolean;
}

export type PrincipalKind = 'user' | 'api_key' | 'client' | 'development' | 'anonymous';

export interface PrincipalLimits {
  requestsPerMinute?: number;
  tokensPerDay?: number;
  burst?: number;
}

/** Who is calling, and what they may do. Never carries the credential itself. */
export interface Principal {
  /** Stable id used for telemetry and limits: a SOEID, a key id, a client id. */
  id: string;
  kind: PrincipalKind;
  /** The auth scheme instance that authenticated it. */
  scheme: string;
  displayName?: string;
  /** Free-form labels for telemetry (e.g. project_id). */
  attributes?: Record<string, string>;
  limits?: PrincipalLimits;
  /** Restrictions; absent means unrestricted. */
  allowedProviders?: string[];
  allowedEndpoints?: string[];
  /** Models it may ask for (a managed key's `models`); absent means any. */
  allowedModels?: string[];
  /** Budgets of its own (a managed key's), beside the profile's. */
  budgets?: PrincipalBudget[];
  /** Per-principal defaults applied by surfaces when the request leaves a field out. */
  defaults?: { provider?: string; model?: string; maxTokens?: number; maxTokensLimit?: number };
}

/**
 * The one key that names a principal wherever principals are compared or counted (limits, budgets,
 * task ownership, usage, cache): namespaced by the auth scheme instance, so a JWT subject can never
 * collide with an API key's id. Anonymous callers share one key.
 */
export function principalKey(principal: Pick<Principal, 'kind' | 'scheme' | 'id'>): string {
  return principal.kind === 'anonymous' ? 'anonymous' : `${principal.scheme}:${principal.id}`;
}

export const anonymousPrincipal: Principal = Object.freeze({
  id: 'anonymous',
  kind: 'anonymous',
  scheme: 'none',
});

/** Where a scheme reads its credentials: the server keeps their values out of every log line. */
export interface CredentialNames {
  /** Lower-case header names. */
  headers: readonly string[];
  /** Query parameter names (read only on surfaces that allow query credentials). */
  query: readonly string[];
}

export interface AuthScheme {
  readonly name: string;
  /** The header and query names this instance reads secrets from, as configured (they may be renamed). */
  readonly credentialNames?: CredentialNames;
  /**
   * Returns the principal, `undefined` when this scheme's credentials are absent (so the next
   * scheme may try), or throws a GatewayError('authentication') when they are present but wrong.
   */
  authenticate(input: AuthInput): Promise<Principal | undefined>;
  /**
   * Who the request claims to be, unverified and never the secret (a client id): the server throttles
   * failed logins per address and claimed identity. Absent: derived from the credential's value.
   */
  claimedIdentity?(input: AuthInput): string | undefined;
  /** Token-issuing schemes (JWT). */
  issueToken?(subject: string, claims?: Record<string, string>): Promise<string>;
  verifyToken?(token: string): Promise<Principal>;
  /** Schemes backed by files reload them on demand. */
  reload?(): Promise<ReloadOutcome>;
  close?(): Promise<void>;
}

/** A configuration file a reload left out or accepted with a caveat; never quotes its contents. */
export interface ReloadFileNote {
  file: string;
  reason: string;
}

export interface ReloadOutcome {
  /** Entries loaded and now in force. */
  count: number;
  /** Every problem as one line (`<file>: <reason>`, or one not tied to a file). */
  errors: string[];
  /** Files left out, by name and reason. */
  skipped?: ReloadFileNote[];
  /** Files loaded despite a problem the operator should fix (e.g. a plaintext secret). */
  warnings?: ReloadFileNote[];
}

export type AuthPlugin<Config = unknown> = PluginDefinition<'auth', Config, AuthScheme, PluginHost>;
