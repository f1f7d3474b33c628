import { looksLikeJwt, presentedCredential } from '@llm-gateway/plugin-kit';
import { type AuthPlugin, type AuthScheme, disabled, GatewayError, type Principal } from '@llm-gateway/spec';
import { type ApiKeyConfig, configSchema } from './config.js';
import { type KeyEntry, KeySet } from './key-set.js';
import { dedupe, keysFromConfig, loadKeyFile } from './key-sources.js';
import { managedPrincipal } from './managed-principal.js';

export type { ApiKeyConfig } from './config.js';
export { configSchema } from './config.js';
export { keyIdFor } from './key-set.js';

function invalidKey(): GatewayError {
  return new GatewayError('authentication', 'Invalid API key', { code: 'invalid_api_key' });
}

const plugin: AuthPlugin<ApiKeyConfig> = {
  specificationVersion: 'v1',
  kind: 'auth',
  name: 'auth-api-key',
  description: 'API keys from the profile or a key file, in a header, `Authorization: Bearer` or the query.',
  configSchema,
  async create(config, host) {
    const fromConfig = keysFromConfig(config.keys);

    async function collect(): Promise<{ entries: KeyEntry[]; errors: string[]; unreadable: boolean }> {
      if (config.file === undefined) return { entries: dedupe(fromConfig), errors: [], unreadable: false };
      const loaded = await loadKeyFile(config.file);
      const entries = dedupe([...fromConfig, ...loaded.entries]);
      return { entries, errors: loaded.errors, unreadable: loaded.unreadable === true };
    }

    const initial = await collect();
    // A key file that is named but unreadable is a broken profile, not "no keys": stop the start.
    if (initial.unreadable)
      throw new Error(`auth-api-key ${host.instanceName}: ${initial.errors.join('; ')}`);
    for (const message of initial.errors) host.log.warn(message);
    const managed = host.managedKeys;
    if (initial.entries.length === 0 && !managed) return disabled('no API keys configured', ['keys', 'file']);
    let keys = new KeySet(initial.entries);
    host.log.info({ count: keys.size, ids: keys.ids }, 'API keys loaded');

    const scheme: AuthScheme = {
      name: host.instanceName,
      credentialNames: { headers: config.headers, query: config.queryParam ? [config.queryParam] : [] },
      async authenticate(input) {
        const presented = presentedCredential(input, config.headers, config.queryParam || undefined);
        if (presented === undefined) return undefined;
        const identity = keys.match(presented.value);
        if (identity === undefined) {
          // A JWT in `Authorization: Bearer` is left to a JWT scheme composed after this one.
          if (presented.bearer && looksLikeJwt(presented.value)) return undefined;
          const found = await managed?.find(presented.value);
          if (found) return managedPrincipal(found, host.instanceName);
          throw invalidKey();
        }
        const principal: Principal = { id: identity.id, kind: 'api_key', scheme: host.instanceName };
        if (identity.limits !== undefined) principal.limits = identity.limits;
        return principal;
      },
      async reload() {
        const next = await collect();
        // A failed read keeps the keys in force rather than locking every client out.
        if (!next.unreadable && next.entries.length > 0) keys = new KeySet(next.entries);
        for (const message of next.errors) host.log.warn(message);
        host.log.info({ count: keys.size }, 'API keys reloaded');
        return { count: keys.size, errors: next.errors };
      },
    };
    return scheme;
  },
};

export default plugin;
