/** The files `gateway new-plugin <kind> <name>` writes; each kind's package passes its own tests unchanged. */
import {
  customBackendProfile,
  customBackendSimulator,
  customBackendSource,
  customBackendTest,
} from './backend-custom-template.js';
import {
  sinkProfile,
  sinkSource,
  sinkTest,
  surfaceProfile,
  surfaceSource,
  surfaceTest,
} from './sink-surface-templates.js';

export type ScaffoldKind = 'backend' | 'auth' | 'sink' | 'surface';

export const scaffoldKinds: readonly ScaffoldKind[] = ['backend', 'auth', 'sink', 'surface'];

/** A backend's upstream wire: OpenAI-compatible (on openai-compatible) or the provider's own HTTP format. */
export type BackendWire = 'openai' | 'custom';

export const backendWires: readonly BackendWire[] = ['openai', 'custom'];

export interface ScaffoldNames {
  /** npm package name, e.g. `backend-acme` or `@acme/backend-acme`. */
  packageName: string;
  /** Version range of the @llm-gateway packages (spec, helper packages, testkit), e.g. `^0.1.0`. */
  gatewayRange: string;
}

interface KindTemplate {
  description: string;
  /** The gateway's helper packages the source imports beside @llm-gateway/spec, at the gateway's range. */
  gatewayPackages: readonly string[];
  dependencies: Record<string, string>;
  /** Beside testkit and the toolchain (a surface's Fastify types). */
  devDependencies?: Record<string, string>;
  source(names: ScaffoldNames): string;
  test(names: ScaffoldNames): string;
  profile(names: ScaffoldNames): string;
  /** More source files (a provider simulator for the tests). */
  extraFiles?: Record<string, string>;
}

// The toolchain the gateway itself is built and tested with.
const toolchain = { '@types/node': '^24.10.0', typescript: '~5.9.3', vitest: '^4.0.0' };

const backend: KindTemplate = {
  description: 'A backend for an OpenAI-compatible provider, built on @llm-gateway/openai-compatible.',
  gatewayPackages: ['@llm-gateway/openai-compatible'],
  dependencies: { openai: '^6.9.0' },
  source: ({ packageName }) => `import { type BackendPlugin, disabled } from '@llm-gateway/spec';
import {
  createOpenAICompatibleBackend,
  type OpenAICompatibleConfig,
  openAICompatibleConfigSchema,
  upstreamFetch,
} from '@llm-gateway/openai-compatible';
import OpenAI from 'openai';

/** The provider's OpenAI-compatible endpoint; the profile's \`baseURL\` overrides it. */
export const DEFAULT_BASE_URL = 'https://api.example.com/v1';

/** \`apiKey\`, \`baseURL\`, \`models\`, \`timeoutMs\`; any other key is refused as a typo. */
const configSchema = openAICompatibleConfigSchema(['example-model']);

const plugin: BackendPlugin<OpenAICompatibleConfig> = {
  specificationVersion: 'v1',
  kind: 'backend',
  name: '${packageName}',
  description: 'Chat completions from an OpenAI-compatible provider.',
  configSchema,
  async create(config, host) {
    // Disabled, not failed: the server shows which variable to set to switch it on.
    if (!config.apiKey) return disabled('no API key', ['apiKey']);
    const client = new OpenAI({
      apiKey: config.apiKey,
      baseURL: config.baseURL ?? DEFAULT_BASE_URL,
      // The gateway retries and falls back across backends itself.
      maxRetries: 0,
      timeout: config.timeoutMs,
      fetch: upstreamFetch,
    });
    // Declare request features the provider lacks in \`unsupported\` (e.g. ['n', 'logprobs']): they get a 400.
    return createOpenAICompatibleBackend({ name: host.instanceName, client, models: config.models });
  },
};

export default plugin;
`,
  test: () => `import { backendConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

// The gateway's backend contract, checked against the OpenAI-wire simulator (it serves /v1).
backendConformance({
  plugin,
  simulator: 'openai',
  config: (sim) => ({ apiKey: 'sk-conformance', baseURL: \`\${sim.url}/v1\`, models: ['example-model'] }),
  model: 'example-model',
});
`,
  profile: ({ packageName }) => `backends:
  example:
    plugin: ${packageName}
    config:
      apiKey: \${EXAMPLE_API_KEY:-}
      baseURL: \${EXAMPLE_BASE_URL:-https://api.example.com/v1}
      models: [example-model]`,
};

const customBackend: KindTemplate = {
  description:
    'A backend for a provider with its own HTTP API: JSON `POST /generate`, newline-delimited JSON streams.',
  gatewayPackages: ['@llm-gateway/plugin-kit'],
  dependencies: {},
  source: customBackendSource,
  test: customBackendTest,
  profile: customBackendProfile,
  extraFiles: { 'src/simulator.fixture.ts': customBackendSimulator() },
};

const auth: KindTemplate = {
  description: 'An auth scheme: static API keys per principal, in a header or `Authorization: Bearer`.',
  gatewayPackages: ['@llm-gateway/plugin-kit'],
  dependencies: {},
  source: ({ packageName }) => `import { createHash, timingSafeEqual } from 'node:crypto';
import { presentedCredential } from '@llm-gateway/plugin-kit';
import { type AuthPlugin, disabled, GatewayError, z } from '@llm-gateway/spec';

/** \`keys\` maps each principal id to its key; \`header\` is where clients send it (lower-case). */
export const configSchema = z.strictObject({
  keys: z.record(z.string().min(1), z.string().min(16)).default({}),
  header: z.string().toLowerCase().default('authorization'),
});

export type Config = z.infer<typeof configSchema>;

const digest = (value: string) => createHash('sha256').update(value).digest();

const plugin: AuthPlugin<Config> = {
  specificationVersion: 'v1',
  kind: 'auth',
  name: '${packageName}',
  description: 'Static API keys per principal.',
  configSchema,
  async create(config, host) {
    const entries = Object.entries(config.keys).map(([id, key]) => ({ id, digest: digest(key) }));
    if (entries.length === 0) return disabled('no keys configured', ['keys']);
    return {
      name: host.instanceName,
      // The server keeps these headers' values out of every log line.
      credentialNames: { headers: [config.header], query: [] },
      async authenticate(input) {
        const presented = presentedCredential(input, [config.header]);
        // Absent: the next scheme of the surface may try.
        if (presented === undefined) return undefined;
        const seen = digest(presented.value);
        // Equal-length digests compared in constant time: no timing hint about the key.
        const match = entries.find((entry) => timingSafeEqual(entry.digest, seen));
        if (!match) throw new GatewayError('authentication', 'Invalid API key', { code: 'invalid_api_key' });
        return { id: match.id, kind: 'api_key', scheme: host.instanceName };
      },
    };
  },
};

export default plugin;
`,
  test: () => `import { authConformance } from '@llm-gateway/testkit';
import plugin from './index.js';

// The gateway's auth contract: absent → next scheme, valid → principal, wrong → 401 without the secret.
authConformance({
  plugin,
  config: { keys: { 'example-user': 'example-key-0123456789abcdef' } },
  validCredentials: { headers: { authorization: 'Bearer example-key-0123456789abcdef' } },
  invalidCredentials: [
    { label: 'a wrong key', credentials: { headers: { authorization: 'Bearer wrong-key-0123456789abcdef' } } },
    { label: 'an empty bearer', credentials: { headers: { authorization: 'Bearer ' } } },
  ],
  expectedPrincipalId: 'example-user',
});
`,
  profile: ({ packageName }) => `auth:
  example:
    plugin: ${packageName}
    config:
      keys: { alice: \${ALICE_KEY} }
surfaces:
  openai:
    plugin: surface-openai
    auth: [example]`,
};

const sink: KindTemplate = {
  description: 'A telemetry sink appending records to a JSON-lines file.',
  gatewayPackages: [],
  dependencies: {},
  source: sinkSource,
  test: sinkTest,
  profile: sinkProfile,
};

const surface: KindTemplate = {
  description:
    'A surface: a minimal JSON chat API (POST { model, prompt } → { text }) on the gateway pipeline.',
  gatewayPackages: [],
  dependencies: {},
  // The gateway brings Fastify at run time; the plugin needs its types to build.
  devDependencies: { fastify: '^5.6.0' },
  source: surfaceSource,
  test: surfaceTest,
  profile: surfaceProfile,
};

export const kindTemplates: Record<ScaffoldKind, KindTemplate> = { backend, auth, sink, surface };

/** The template of a kind (and, for a backend, of its wire). */
export function templateFor(kind: ScaffoldKind, wire: BackendWire = 'openai'): KindTemplate {
  return kind === 'backend' && wire === 'custom' ? customBackend : kindTemplates[kind];
}

function packageJson(kind: ScaffoldKind, template: KindTemplate, names: ScaffoldNames): string {
  const pkg = {
    name: names.packageName,
    version: '0.1.0',
    description: template.description,
    type: 'module',
    engines: { node: '>=22' },
    keywords: ['llm-gateway-plugin', `llm-gateway-${kind}`],
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    files: ['dist'],
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc --noEmit',
      test: 'vitest run',
      prepack: 'tsc -p tsconfig.build.json',
    },
    dependencies: {
      '@llm-gateway/spec': names.gatewayRange,
      ...Object.fromEntries(template.gatewayPackages.map((name) => [name, names.gatewayRange])),
      ...template.dependencies,
    },
    devDependencies: {
      '@llm-gateway/testkit': names.gatewayRange,
      ...toolchain,
      ...template.devDependencies,
    },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const tsconfig = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      declaration: true,
      sourceMap: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      types: ['node'],
      rootDir: 'src',
      outDir: 'dist',
    },
    include: ['src'],
  },
  null,
  2,
)}\n`;

// Tests and their fixtures (a provider simulator) stay out of the published dist/.
const tsconfigBuild = `${JSON.stringify(
  { extends: './tsconfig.json', exclude: ['src/**/*.test.ts', 'src/**/*.fixture.ts'] },
  null,
  2,
)}\n`;

const vitestConfig = `import { defineConfig } from 'vitest/config';

// Conformance checks start a simulator per suite; each test is bounded.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
});
`;

function readme(kind: ScaffoldKind, template: KindTemplate, names: ScaffoldNames): string {
  const { packageName } = names;
  return `# ${packageName}

${template.description}

A plugin for the LLM gateway (specification \`v1\`). Install it next to the gateway
(\`npm install ${packageName}\` in the directory the gateway starts from) and name it in a profile:

\`\`\`yaml
${template.profile(names)}
\`\`\`

## Develop

\`\`\`sh
npm install        # or pnpm install
npm test           # the testkit conformance suite for ${kind} plugins
npm run build      # dist/
npm pack           # a tarball to install next to the gateway
\`\`\`

See the gateway's docs/plugins.md for the contract: config validation, \`disabled\`, errors, usage, streaming.
`;
}

/** Every file of the package, by path relative to its directory. */
export function scaffoldFiles(
  kind: ScaffoldKind,
  names: ScaffoldNames,
  wire: BackendWire = 'openai',
): Record<string, string> {
  const template = templateFor(kind, wire);
  return {
    'package.json': packageJson(kind, template, names),
    'tsconfig.json': tsconfig,
    'tsconfig.build.json': tsconfigBuild,
    'vitest.config.ts': vitestConfig,
    '.gitignore': 'node_modules/\ndist/\n*.tgz\n',
    'README.md': readme(kind, template, names),
    'src/index.ts': template.source(names),
    'src/index.test.ts': template.test(names),
    ...template.extraFiles,
  };
}
