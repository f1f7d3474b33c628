import type { z } from 'zod';
import type { Logger } from './logger.js';
import type { ManagedKeyLookup } from './managed-keys.js';

export type PluginKind = 'backend' | 'auth' | 'sink' | 'queue' | 'surface';

/** What every plugin instance receives from the server that builds it. */
export interface PluginHost {
  /** The instance's name in the profile (e.g. `openai`, `keys`), not the package name. */
  instanceName: string;
  log: Logger;
  /**
   * Which of several gateway processes on one port this is (1..server.workers); absent when it runs alone.
   * A plugin that writes local files keeps them apart by it, so two processes never append to one file.
   */
  worker?: number;
  /** Managed API keys (`/admin/keys`), for auth schemes that take API keys; absent when the gateway has none. */
  managedKeys?: ManagedKeyLookup;
}

/** Returned by `create` when the config leaves the instance switched off (e.g. no API key). */
export interface Disabled {
  disabled: true;
  reason: string;
  /**
   * Config keys any one of which, once set, would switch the instance on (e.g. `['apiKey']`). The server
   * names the environment variables the profile reads them from, so plugins never guess those names.
   */
  missing?: readonly string[];
}

export function disabled(reason: string, missing?: readonly string[]): Disabled {
  return missing === undefined ? { disabled: true, reason } : { disabled: true, reason, missing };
}

export function isDisabled(value: unknown): value is Disabled {
  return typeof value === 'object' && value !== null && (value as Disabled).disabled === true;
}

/**
 * A plugin package's default export. The server validates the profile's `config` block with
 * `configSchema`, then calls `create` once per configured instance.
 */
export interface PluginDefinition<
  K extends PluginKind,
  Config,
  Instance,
  Host extends PluginHost = PluginHost,
> {
  specificationVersion: 'v1';
  kind: K;
  /** The package's short name, e.g. `backend-openai`. */
  name: string;
  description?: string;
  configSchema: z.ZodType<Config>;
  create(config: Config, host: Host): Promise<Instance | Disabled>;
}

export const SPECIFICATION_VERSION = 'v1' as const;
