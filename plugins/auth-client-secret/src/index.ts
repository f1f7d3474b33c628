import { randomBytes } from 'node:crypto';
import { firstValue } from '@llm-gateway/plugin-kit';
import {
  type AuthPlugin,
  type AuthScheme,
  disabled,
  GatewayError,
  type Logger,
  type Principal,
} from '@llm-gateway/spec';
import { clientPrincipal } from './client-file.js';
import { type LoadedClient, type LoadedClients, loadClients } from './client-store.js';
import { type ClientSecretConfig, configSchema } from './config.js';
import { hashSecret, parseSecretHash } from './secret-hash.js';
import { VerificationCache } from './verification-cache.js';
import { VerificationGate } from './verification-gate.js';

export { type ClientFile, clientFileSchema, clientPrincipal } from './client-file.js';
export { type RewriteOutcome, rewriteClientFiles } from './client-rewrite.js';
export {
  type LoadClientsOptions,
  type LoadedClient,
  type LoadedClients,
  loadClients,
} from './client-store.js';
export type { ClientSecretConfig, ClientSecretConfigInput } from './config.js';
export { configSchema } from './config.js';
export {
  defaultScrypt,
  type HashSecretOptions,
  hashSecret,
  type ParsedSecretHash,
  parseSecretHash,
  verifySecret,
} from './secret-hash.js';

function invalidClient(): GatewayError {
  return new GatewayError('authentication', 'Invalid client credentials', { code: 'invalid_client' });
}

interface Entry {
  hash: string;
  principal: Principal;
}

function entries(clients: Map<string, LoadedClient>, scheme: string): Map<string, Entry> {
  const result = new Map<string, Entry>();
  for (const [id, { client, hash }] of clients) {
    result.set(id, { hash, principal: clientPrincipal(client, scheme) });
  }
  return result;
}

/** Logs what a load left out (warn) and the secrets to fix (error: they are a risk, not a typo). */
function report(loaded: LoadedClients, log: Logger): void {
  // The message names the file too: `gateway check` prints messages only.
  for (const { file, reason } of loaded.skipped)
    log.warn({ file, reason }, `client file skipped: ${file}: ${reason}`);
  for (const { file, reason } of loaded.warnings)
    log.error({ file, reason }, `client file secret needs fixing: ${file}: ${reason}`);
  if (loaded.unreadable) for (const message of loaded.errors) log.warn(message);
}

const plugin: AuthPlugin<ClientSecretConfig> = {
  specificationVersion: 'v1',
  kind: 'auth',
  name: 'auth-client-secret',
  description: 'client_id + client_secret headers against per-client JSON files with scrypt-hashed secrets.',
  configSchema,
  async create(config, host) {
    if (config.dir === '') return disabled('no client config directory', ['dir']);
    const name = host.instanceName;
    const secret = config.defaultSecret;
    const options = {
      defaultHash: secret === undefined || parseSecretHash(secret) ? secret : await hashSecret(secret),
      allowExampleSecret: config.allowExampleSecret,
    };
    const initial = await loadClients(config.dir, options);
    // A named but unreadable directory is a broken profile, not "no clients": stop the start.
    if (initial.unreadable) throw new Error(`auth-client-secret ${name}: ${initial.errors.join('; ')}`);
    report(initial, host.log);
    if (initial.clients.size === 0) host.log.warn({ dir: config.dir }, 'no client configurations loaded');
    else host.log.info({ count: initial.clients.size, ids: [...initial.clients.keys()] }, 'clients loaded');

    let clients = entries(initial.clients, name);
    // Timing one hash at start gives unknown ids their first imitation time.
    const timed = performance.now();
    await hashSecret(randomBytes(24).toString('base64'));
    const gate = new VerificationGate({
      maxConcurrent: config.maxConcurrentVerifications,
      maxQueue: config.maxQueuedVerifications,
      initialMs: performance.now() - timed,
    });
    const cache = new VerificationCache(config.cacheSize, config.cacheTtlMs);
    // Bumped on reload so a verification started against old files cannot refill the cleared cache.
    let generation = 0;

    const scheme: AuthScheme = {
      name,
      credentialNames: { headers: [config.secretHeader], query: [] },
      // Failed logins are throttled per claimed client id, so one client's bad secret spares the rest.
      claimedIdentity: (input) => firstValue(input.headers[config.idHeader])?.trim() || undefined,
      async authenticate(input) {
        const id = firstValue(input.headers[config.idHeader])?.trim();
        const secret = firstValue(input.headers[config.secretHeader]);
        if (id === undefined && secret === undefined) return undefined;
        if (!id || !secret) {
          host.log.debug({ reason: 'missing_header' }, 'client rejected');
          throw invalidClient();
        }
        const client = clients.get(id);
        const key = cache.key(id, secret);
        if (client !== undefined && cache.has(key)) return structuredClone(client.principal);
        const started = generation;
        // Unknown ids take as long as a wrong secret but run no scrypt (no id oracle, no free CPU burn).
        const matches = client === undefined ? await gate.imitate() : await gate.verify(secret, client.hash);
        if (client === undefined || !matches) {
          host.log.debug(
            { reason: client === undefined ? 'unknown_client' : 'wrong_secret' },
            'client rejected',
          );
          throw invalidClient();
        }
        if (started === generation) cache.add(key);
        return structuredClone(client.principal);
      },
      async reload() {
        const next = await loadClients(config.dir, options);
        report(next, host.log);
        const { errors, skipped, warnings } = next;
        // A directory that cannot be read keeps the clients in force rather than locking them all out.
        if (next.unreadable) return { count: clients.size, errors, skipped, warnings };
        clients = entries(next.clients, name);
        generation += 1;
        cache.clear();
        host.log.info({ count: clients.size }, 'clients reloaded');
        return { count: clients.size, errors, skipped, warnings };
      },
    };
    return scheme;
  },
};

export default plugin;
