import {
  type AuthInput,
  type AuthPlugin,
  type AuthScheme,
  isDisabled,
  isGatewayError,
  type PluginHost,
  silentLogger,
} from '@llm-gateway/spec';
import { beforeAll, describe, expect, it } from 'vitest';

/** Credentials as a request carries them; header names are lower-case, as in AuthInput. */
export interface AuthCredentials {
  headers?: AuthInput['headers'];
  query?: Record<string, unknown>;
  /** Defaults to true, so query-string credentials are exercised where the scheme reads them. */
  allowQueryCredentials?: boolean;
}

export interface InvalidAuthCase {
  label: string;
  credentials: AuthCredentials;
}

export interface AuthConformanceOptions<Config> {
  /** Suite title; defaults to the plugin's name. */
  name?: string;
  plugin: AuthPlugin<Config>;
  /** Raw profile config (parsed with the plugin's configSchema), or a function run in beforeAll. */
  config: unknown;
  host?: PluginHost;
  validCredentials: AuthCredentials;
  invalidCredentials: Array<AuthCredentials | InvalidAuthCase>;
  expectedPrincipalId: string;
  /** Configs the schema must refuse; defaults to a number and a string. */
  invalidConfigs?: unknown[];
}

/** Values shorter than this are too common ('1', 'abc') to look for inside a message meaningfully. */
const minimumSecretLength = 6;

function toInput(credentials: AuthCredentials): AuthInput {
  return {
    headers: credentials.headers ?? {},
    query: credentials.query ?? {},
    allowQueryCredentials: credentials.allowQueryCredentials ?? true,
  };
}

/** Every credential string in a request, plus the parts of `Bearer <x>` style values. */
function credentialValues(credentials: AuthCredentials): string[] {
  const values: string[] = [];
  const add = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(add);
    if (typeof value !== 'string') return;
    for (const part of [value, ...value.split(/\s+/)]) {
      if (part.length >= minimumSecretLength) values.push(part);
    }
  };
  Object.values(credentials.headers ?? {}).forEach(add);
  Object.values(credentials.query ?? {}).forEach(add);
  return values;
}

function normalizeCase(entry: AuthCredentials | InvalidAuthCase, index: number): InvalidAuthCase {
  if ('credentials' in entry && 'label' in entry) return entry;
  return { label: `invalid credentials #${index + 1}`, credentials: entry as AuthCredentials };
}

/**
 * Registers the checks every auth plugin must pass: no credentials → undefined (the next scheme
 * tries); valid → a principal without the credential in it; the names its secrets travel in are
 * declared for log redaction; each invalid → a 401 GatewayError that does not quote the credential;
 * an obviously wrong config is refused by the schema.
 */
export function authConformance<Config>(options: AuthConformanceOptions<Config>): void {
  const { plugin } = options;
  const host: PluginHost = options.host ?? { instanceName: `${plugin.name}-conformance`, log: silentLogger };
  const invalidCases = options.invalidCredentials.map(normalizeCase);

  describe(`auth conformance: ${options.name ?? plugin.name}`, () => {
    let scheme: AuthScheme;

    beforeAll(async () => {
      const raw =
        typeof options.config === 'function'
          ? await (options.config as () => unknown | Promise<unknown>)()
          : options.config;
      const created = await plugin.create(plugin.configSchema.parse(raw), host);
      if (isDisabled(created))
        throw new Error(`the conformance config left the plugin disabled: ${created.reason}`);
      scheme = created;
    });

    it('is an auth plugin with a v1 contract', () => {
      expect(plugin.specificationVersion).toBe('v1');
      expect(plugin.kind).toBe('auth');
      expect(plugin.name).toMatch(/\S/);
      expect(scheme.name).toBe(host.instanceName);
    });

    it('returns undefined when its credentials are absent', async () => {
      expect(await scheme.authenticate(toInput({}))).toBeUndefined();
      const unrelated = { 'content-type': 'application/json', 'user-agent': 'conformance/1.0' };
      expect(
        await scheme.authenticate(toInput({ headers: unrelated, query: { stream: 'true' } })),
      ).toBeUndefined();
    });

    it('authenticates valid credentials as the expected principal', async () => {
      const principal = await scheme.authenticate(toInput(options.validCredentials));
      expect(principal).toBeDefined();
      expect(principal?.id).toBe(options.expectedPrincipalId);
      expect(principal?.kind).toMatch(/\S/);
      expect(principal?.scheme).toBe(scheme.name);
      const again = await scheme.authenticate(toInput(options.validCredentials));
      expect(again?.id).toBe(principal?.id);
    });

    it('never puts the credential into the principal', async () => {
      const principal = await scheme.authenticate(toInput(options.validCredentials));
      const serialized = JSON.stringify(principal);
      const secrets = credentialValues(options.validCredentials).filter((value) => value !== principal?.id);
      for (const secret of secrets) expect(serialized).not.toContain(secret);
    });

    it('names every header and query parameter its secrets travel in (credentialNames), for log redaction', async () => {
      const principal = await scheme.authenticate(toInput(options.validCredentials));
      const names = scheme.credentialNames;
      expect(names, 'credentialNames').toBeDefined();
      const secretUnder = (entries: Record<string, unknown>) =>
        Object.entries(entries)
          .filter(([, value]) => credentialValues({ headers: { value: value as string } }).length > 0)
          .filter(([, value]) => value !== principal?.id)
          .map(([name]) => name.toLowerCase());
      for (const name of secretUnder(options.validCredentials.headers ?? {}))
        expect(names?.headers, `header ${name}`).toContain(name);
      for (const name of secretUnder(options.validCredentials.query ?? {}))
        expect(
          names?.query.map((q) => q.toLowerCase()),
          `query ${name}`,
        ).toContain(name);
    });

    it.each(invalidCases)('refuses $label with a 401 authentication error', async ({ credentials }) => {
      const caught = await scheme.authenticate(toInput(credentials)).then(
        (principal) => ({ resolved: principal }),
        (error: unknown) => error,
      );
      expect(isGatewayError(caught), `expected a GatewayError, got ${JSON.stringify(caught)}`).toBe(true);
      if (!isGatewayError(caught)) return;
      expect(caught.type).toBe('authentication');
      expect(caught.status).toBe(401);
      expect(caught.message).toMatch(/\S/);
      const visible = `${caught.message} ${JSON.stringify({ ...caught, message: caught.message })}`;
      for (const secret of credentialValues(credentials)) expect(visible).not.toContain(secret);
    });

    it('refuses an obviously wrong config', () => {
      for (const config of options.invalidConfigs ?? [42, 'not a config object']) {
        expect(plugin.configSchema.safeParse(config).success, JSON.stringify(config)).toBe(false);
      }
    });
  });
}
