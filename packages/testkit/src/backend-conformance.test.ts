import type { BackendPlugin } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { ollamaFixturePlugin } from './__fixtures__/ollama-backend.js';
import { openAIFixturePlugin } from './__fixtures__/openai-backend.js';
import {
  backendConformance,
  type ConformanceEnv,
  conformanceChecks,
  lackingCapability,
} from './backend-conformance.js';
import { type FeatureCheckName, featureChecks } from './backend-conformance-features.js';
import { startOpenAISimulator } from './openai-simulator.js';

const fixtureSkips = Object.keys(featureChecks) as FeatureCheckName[];

backendConformance({
  plugin: openAIFixturePlugin,
  simulator: 'openai',
  config: (sim) => ({ apiKey: 'sim-key', baseURL: `${sim.url}/v1`, models: ['gpt-4o-mini'] }),
  model: 'gpt-4o-mini',
  // The fixture backends speak text only: they exist to test the suite, not the Chat Completions features.
  skip: fixtureSkips,
});

backendConformance({
  plugin: { ...openAIFixturePlugin, name: 'backend-groq-like-fixture' },
  simulator: 'openai',
  config: (sim) => ({ apiKey: 'sim-key', baseURL: `${sim.url}/openai/v1`, models: ['llama-3.1-8b-instant'] }),
  model: 'llama-3.1-8b-instant',
  // The fixture backends speak text only: they exist to test the suite, not the Chat Completions features.
  skip: fixtureSkips,
});

backendConformance({
  plugin: ollamaFixturePlugin,
  simulator: 'ollama',
  config: (sim) => ({ host: sim.url, models: ['llama3.2'] }),
  model: 'llama3.2',
  // The fixture backends speak text only: they exist to test the suite, not the Chat Completions features.
  skip: fixtureSkips,
});

describe('the conformance checks catch broken backends', () => {
  async function envFor(
    plugin: BackendPlugin<unknown>,
    config: (url: string) => unknown,
  ): Promise<ConformanceEnv> {
    const sim = await startOpenAISimulator({ models: ['gpt-4o-mini'] });
    const validConfig = config(sim.url);
    const backend = await plugin.create(plugin.configSchema.parse(validConfig), {
      instanceName: 'test',
      log: { debug() {}, info() {}, warn() {}, error() {}, child: () => ({}) as never },
    });
    if ('disabled' in backend) throw new Error('disabled');
    return {
      sim,
      backend,
      model: 'gpt-4o-mini',
      plugin,
      validConfig,
      call: (signal = new AbortController().signal) => ({ signal, requestId: 'r', log: {} as never }),
    };
  }

  it('fails a backend that retries on its own, estimates usage and swallows errors', async () => {
    const broken: BackendPlugin<unknown> = {
      ...(openAIFixturePlugin as BackendPlugin<unknown>),
      async create(config, host) {
        const inner = await openAIFixturePlugin.create(config as never, host);
        if ('disabled' in inner) return inner;
        return {
          ...inner,
          async chat(request, call) {
            try {
              return await inner.chat(request, call);
            } catch {
              // Retries once, hiding the upstream failure the pipeline should have seen.
              const result = await inner.chat(request, call);
              return { ...result, usage: { ...result.usage, estimated: true } };
            }
          },
        };
      },
    };
    const env = await envFor(broken, (url) => ({ apiKey: 'k', baseURL: `${url}/v1` }));
    try {
      await expect(conformanceChecks['upstream-500'].run(env)).rejects.toThrow();
      env.sim.reset();
      await expect(conformanceChecks['upstream-400'].run(env)).rejects.toThrow();
    } finally {
      await env.sim.close();
    }
  });

  it('fails a backend that loses usage in streams, and a lax config schema', async () => {
    const laxSchema = openAIFixturePlugin.configSchema.or(
      openAIFixturePlugin.configSchema.transform((c) => c),
    );
    const noUsage: BackendPlugin<unknown> = {
      ...(openAIFixturePlugin as BackendPlugin<unknown>),
      configSchema: laxSchema.catch({ apiKey: 'k', baseURL: 'http://127.0.0.1:1', models: [] }),
      async create(config, host) {
        const inner = await openAIFixturePlugin.create(config as never, host);
        if ('disabled' in inner) return inner;
        return {
          ...inner,
          async *stream(request, call) {
            for await (const part of inner.stream(request, call)) {
              yield part.type === 'finish' ? { type: 'finish', finishReason: part.finishReason } : part;
            }
          },
        };
      },
    };
    const env = await envFor(noUsage, (url) => ({ apiKey: 'k', baseURL: `${url}/v1` }));
    try {
      await expect(conformanceChecks.stream.run(env)).rejects.toThrow(/usage/);
      await expect(conformanceChecks['config-schema'].run(env)).rejects.toThrow(/accepted/);
      env.sim.reset();
      await expect(conformanceChecks.chat.run(env)).resolves.toBeUndefined();
    } finally {
      await env.sim.close();
    }
  });

  it('fails a backend that turns a stream ended without its final line into a finish', async () => {
    const lax: BackendPlugin<unknown> = {
      ...(openAIFixturePlugin as BackendPlugin<unknown>),
      async create(config, host) {
        const inner = await openAIFixturePlugin.create(config as never, host);
        if ('disabled' in inner) return inner;
        return {
          ...inner,
          async *stream(request, call) {
            try {
              yield* inner.stream(request, call);
            } catch {
              // Hides the truncation: what a backend that trusts a clean end of the body does.
              yield { type: 'finish', finishReason: 'stop' };
            }
          },
        };
      },
    };
    const env = await envFor(lax, (url) => ({ apiKey: 'k', baseURL: `${url}/v1` }));
    try {
      await expect(conformanceChecks['stream-ended-early'].run(env)).rejects.toThrow(/should have failed/);
    } finally {
      await env.sim.close();
    }
  });
});

describe('capabilities', () => {
  it('names the capability a check needs only when the provider declared it lacking', () => {
    expect(lackingCapability('tool-call', { tools: false })).toBe('tools');
    expect(lackingCapability('unknown-model', { modelField: false })).toBe('modelField');
    expect(lackingCapability('tool-call', {})).toBeUndefined();
    expect(lackingCapability('stream-ended-early', { tools: false })).toBeUndefined();
  });
});
