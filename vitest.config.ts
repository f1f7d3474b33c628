import { defineConfig } from 'vitest/config';

/**
 * The e2e files whose requests can take the same-wire relay (Chat Completions to an OpenAI-wire backend,
 * Messages to Anthropic): they run twice, relayed (the default) and translated (`server.relay: false`,
 * see e2e/helpers/gateway.ts), so every feature is shown to behave the same on both paths.
 */
const relayPaths = [
  'e2e/openai-surface.test.ts',
  'e2e/chat-completions-full-api.test.ts',
  'e2e/all-surfaces.test.ts',
  'e2e/all-surfaces-deepseek.test.ts',
  'e2e/api-matrix.test.ts',
  'e2e/messages-api.test.ts',
  'e2e/anthropic-backend.test.ts',
  'e2e/relay.test.ts',
  'e2e/resilience.test.ts',
  'e2e/resilience-redis.test.ts',
  'e2e/server-timing.test.ts',
  'e2e/spend-tracing.test.ts',
  'e2e/spend-shared.test.ts',
  'e2e/tracing.test.ts',
  'e2e/hardening.test.ts',
  'e2e/abuse-requests.test.ts',
];

// One run over every package: unit tests beside the code, black-box tests in e2e/.
export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // CI also writes a JSON report, from which .ci/run prints the 'N passed, N failed' line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: process.env.CI ? { json: '.ci-results.json' } : undefined,
    projects: [
      {
        extends: true,
        test: {
          name: 'all',
          include: ['packages/*/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'e2e/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'e2e-translated', include: relayPaths, env: { E2E_RELAY: 'off' } },
      },
    ],
  },
});
