/** The conformance suite every backend plugin's tests run against a simulator, through the plugin's SDK. */
import {
  type Backend,
  type BackendPlugin,
  type CallContext,
  type ChatRequest,
  isDisabled,
  isGatewayError,
  silentLogger,
} from '@llm-gateway/spec';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicSimulator } from './anthropic-simulator.js';
import {
  type ConformanceFeature,
  type FeatureCheck,
  type FeatureCheckName,
  featureChecks,
} from './backend-conformance-features.js';
import { collectChat } from './collect.js';
import { startOllamaSimulator } from './ollama-simulator.js';
import { startOpenAISimulator } from './openai-simulator.js';
import type { Simulator, SimulatorOptions } from './simulator.js';

export type ConformanceCheckName =
  | 'config-schema'
  | 'chat'
  | 'chat-length'
  | 'stream'
  | 'stream-length'
  | 'upstream-500'
  | 'upstream-429'
  | 'upstream-400'
  | 'unknown-model'
  | 'abort-chat'
  | 'abort-stream'
  | 'deadline'
  | 'stream-dropped'
  | 'stream-ended-early'
  | 'models';

/** Starts the author's own simulator (built with `startSimulator`) serving `options.models`. */
export type SimulatorStarter = (options: SimulatorOptions) => Promise<Simulator>;

/**
 * What the provider offers; a check of a capability it declares it lacks is skipped with the reason
 * printed. Every one defaults to true (the built-in simulators offer them all).
 */
export interface BackendCapabilities {
  /** Requests name a model (a single-model provider's do not): the model assertions and `unknown-model`. */
  modelField?: boolean;
  /** Function calling: `tool-call`, `tool-round-trip`, `stream-tool-call`. */
  tools?: boolean;
  /** JSON output: `structured-output`, `json-mode`. */
  jsonMode?: boolean;
  /** Image parts in messages: `image`. */
  images?: boolean;
  /** Several choices per request: `n-choices`. */
  n?: boolean;
  /** `embed()`: run `embeddingsConformance` for it; declared false, the backend must have no `embed`. */
  embeddings?: boolean;
}

/** The capability each check needs, and how a skip explains itself. */
const checkCapability: Partial<Record<ConformanceCheckName | FeatureCheckName, keyof BackendCapabilities>> = {
  'unknown-model': 'modelField',
  'tool-call': 'tools',
  'tool-round-trip': 'tools',
  'stream-tool-call': 'tools',
  'structured-output': 'jsonMode',
  'json-mode': 'jsonMode',
  image: 'images',
  'n-choices': 'n',
};

/** The capability a check needs that the provider declared it lacks, if any. */
export function lackingCapability(
  name: ConformanceCheckName | FeatureCheckName,
  capabilities: BackendCapabilities = {},
): keyof BackendCapabilities | undefined {
  const needed = checkCapability[name];
  return needed !== undefined && capabilities[needed] === false ? needed : undefined;
}

export interface BackendConformanceOptions<C> {
  plugin: BackendPlugin<C>;
  /** A built-in simulator of that wire, or the author's own (see `startSimulator`). */
  simulator: 'openai' | 'ollama' | 'anthropic' | SimulatorStarter;
  /** What the provider offers (default: everything); checks of what it lacks are skipped, saying why. */
  capabilities?: BackendCapabilities;
  /** Builds the plugin config pointing at the simulator; it goes through `configSchema` first. */
  config: (sim: Simulator) => C;
  /** A model the backend serves; the simulator knows only this one. */
  model: string;
  /** Configs the schema must reject (default: non-objects, and the valid config with each string field set to 42). */
  invalidConfigs?: unknown[];
  /** Checks to leave out, with the reason in a comment at the call site. */
  skip?: Array<ConformanceCheckName | FeatureCheckName>;
  /** Features the upstream lacks: their checks expect a 400 naming the parameter instead. */
  unsupported?: ConformanceFeature[];
  /** Per-test timeout (default 30 s). */
  timeoutMs?: number;
}

/** What every check gets: the simulator, the backend under test, and a call context factory. */
export interface ConformanceEnv {
  sim: Simulator;
  backend: Backend;
  model: string;
  plugin: BackendPlugin<unknown>;
  validConfig: unknown;
  invalidConfigs?: unknown[];
  /** As declared by the caller (absent: everything). */
  capabilities?: BackendCapabilities;
  call(signal?: AbortSignal, deadline?: number): CallContext;
}

export const conformancePrompt = 'Tell me about the gateway';

export function conformanceRequest(model: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model,
    messages: [
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: conformancePrompt },
    ],
    ...extra,
  };
}

async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`${what} should have failed but succeeded`);
}

function expectGatewayError(
  error: unknown,
  what: string,
): asserts error is {
  type: string;
  isRetryable: boolean;
  upstreamStatus?: number;
  retryAfterMs?: number;
} {
  expect(isGatewayError(error), `${what}: expected a GatewayError, got ${String(error)}`).toBe(true);
}

/** Resolves/rejects with `promise`, or rejects when it takes longer than `ms` (a liveness bound, not a speed check). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function defaultInvalidConfigs(valid: unknown): unknown[] {
  const configs: unknown[] = [42, 'not a config', null, []];
  if (valid && typeof valid === 'object') {
    for (const [key, value] of Object.entries(valid)) {
      if (typeof value === 'string') configs.push({ ...valid, [key]: 42 });
    }
  }
  return configs;
}

/** The checks, runnable one by one (they throw on failure); `backendConformance` wraps each in an `it`. */
export const conformanceChecks: Record<
  ConformanceCheckName,
  { title: string; run(env: ConformanceEnv): Promise<void> }
> = {
  'config-schema': {
    title: 'configSchema accepts the simulator config and rejects obviously wrong ones',
    async run(env) {
      expect(env.plugin.configSchema.safeParse(env.validConfig).success).toBe(true);
      for (const invalid of env.invalidConfigs ?? defaultInvalidConfigs(env.validConfig)) {
        const parsed = env.plugin.configSchema.safeParse(invalid);
        expect(parsed.success, `configSchema accepted ${JSON.stringify(invalid)}`).toBe(false);
      }
    },
  },
  chat: {
    title: 'chat() returns the upstream text, finish reason and usage',
    async run(env) {
      const result = await env.backend.chat(conformanceRequest(env.model), env.call());
      const seen = env.sim.lastRequest();
      expect(seen?.reply, 'the simulator saw no chat request').toBeDefined();
      if (env.capabilities?.modelField !== false)
        expect((seen?.body as { model?: unknown }).model).toBe(env.model);
      expect(seen?.reply?.text).toBe(`Echo: ${conformancePrompt}`);
      expect(result.text).toBe(seen?.reply?.text);
      expect(result.finishReason).toBe('stop');
      expect(result.usage).toMatchObject({
        promptTokens: seen?.reply?.promptTokens,
        completionTokens: seen?.reply?.completionTokens,
        totalTokens: seen?.reply?.totalTokens,
      });
      expect(result.usage.estimated ?? false).toBe(false);
      expect(typeof result.id).toBe('string');
      expect(result.model).toContain(env.model.split(':')[0]!);
      expect(Number.isFinite(result.created)).toBe(true);
      expect(env.sim.requests, 'the backend must not retry or call the upstream twice').toHaveLength(1);
    },
  },
  'chat-length': {
    title: 'chat() with maxTokens below the reply length finishes with length',
    async run(env) {
      const result = await env.backend.chat(conformanceRequest(env.model, { maxTokens: 2 }), env.call());
      expect(result.text).toBe('Echo: Tell');
      expect(result.finishReason).toBe('length');
      expect(result.usage.completionTokens).toBe(2);
    },
  },
  stream: {
    title: 'stream() yields text deltas adding up to the text, then a finish part with usage',
    async run(env) {
      const { parts, text, finish } = await collectChat(
        env.backend.stream(conformanceRequest(env.model), env.call()),
      );
      const seen = env.sim.lastRequest();
      expect(seen?.stream, 'the backend did not ask the upstream for a stream').toBe(true);
      expect(text).toBe(seen?.reply?.text);
      expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(1);
      expect(parts.at(-1)?.type, 'the last part must be finish').toBe('finish');
      expect(parts.filter((p) => p.type === 'finish')).toHaveLength(1);
      expect(finish?.finishReason).toBe('stop');
      expect(finish?.usage, 'the finish part must carry the upstream usage').toMatchObject({
        promptTokens: seen?.reply?.promptTokens,
        completionTokens: seen?.reply?.completionTokens,
        totalTokens: seen?.reply?.totalTokens,
      });
      expect(finish?.usage?.estimated ?? false).toBe(false);
    },
  },
  'stream-length': {
    title: 'stream() with maxTokens below the reply length finishes with length',
    async run(env) {
      const { text, finish } = await collectChat(
        env.backend.stream(conformanceRequest(env.model, { maxTokens: 3 }), env.call()),
      );
      expect(text).toBe('Echo: Tell me');
      expect(finish?.finishReason).toBe('length');
    },
  },
  'upstream-500': {
    title: 'an upstream 500 throws a retryable GatewayError carrying upstreamStatus 500',
    async run(env) {
      env.sim.inject({ status: 500 });
      const error = await rejection(
        env.backend.chat(conformanceRequest(env.model), env.call()),
        'chat on a 500',
      );
      expectGatewayError(error, 'upstream 500');
      expect(error.isRetryable).toBe(true);
      expect(error.upstreamStatus).toBe(500);
      expect(env.sim.requests, 'the backend must not retry on its own (the pipeline does)').toHaveLength(1);
      env.sim.inject({ status: 500 });
      const streamError = await rejection(
        collectChat(env.backend.stream(conformanceRequest(env.model), env.call())),
        'stream on a 500',
      );
      expectGatewayError(streamError, 'upstream 500 on a stream');
      expect(streamError.isRetryable).toBe(true);
      expect(streamError.upstreamStatus).toBe(500);
    },
  },
  'upstream-429': {
    title: 'an upstream 429 with Retry-After: 2 throws rate_limited, retryable, retryAfterMs 2000',
    async run(env) {
      env.sim.inject({ status: 429, headers: { 'retry-after': '2' } });
      const error = await rejection(
        env.backend.chat(conformanceRequest(env.model), env.call()),
        'chat on a 429',
      );
      expectGatewayError(error, 'upstream 429');
      expect(error.type).toBe('rate_limited');
      expect(error.isRetryable).toBe(true);
      expect(error.retryAfterMs).toBe(2000);
      expect(error.upstreamStatus).toBe(429);
    },
  },
  'upstream-400': {
    title: 'an upstream 400 throws a GatewayError that is not retryable',
    async run(env) {
      env.sim.inject({ status: 400 });
      const error = await rejection(
        env.backend.chat(conformanceRequest(env.model), env.call()),
        'chat on a 400',
      );
      expectGatewayError(error, 'upstream 400');
      expect(error.isRetryable).toBe(false);
      expect(error.upstreamStatus).toBe(400);
    },
  },
  'unknown-model': {
    title: 'an unknown model (upstream 404) throws a GatewayError that is not retryable',
    async run(env) {
      const error = await rejection(
        env.backend.chat(conformanceRequest('no-such-model-xyz'), env.call()),
        'chat with an unknown model',
      );
      expect(env.sim.lastRequest()?.status).toBe(404);
      expectGatewayError(error, 'unknown model');
      expect(error.isRetryable).toBe(false);
      expect(error.upstreamStatus).toBe(404);
    },
  },
  'abort-chat': {
    title: 'aborting the call signal mid-call rejects promptly and the upstream sees the abort',
    async run(env) {
      env.sim.inject({ hang: true });
      const controller = new AbortController();
      const pending = rejection(
        env.backend.chat(conformanceRequest(env.model), env.call(controller.signal)),
        'chat',
      );
      await env.sim.waitFor((s) => s.inFlight === 1, 10_000);
      controller.abort();
      const error = await within(pending, 10_000, 'an aborted chat');
      expectGatewayError(error, 'aborted chat');
      expect(error.type).toBe('cancelled');
      await env.sim.waitFor((s) => s.aborted === 1, 10_000);
    },
  },
  'abort-stream': {
    title: 'aborting the call signal while a stream waits rejects the iterator and aborts upstream',
    async run(env) {
      env.sim.inject({ hang: true });
      const controller = new AbortController();
      const pending = rejection(
        collectChat(env.backend.stream(conformanceRequest(env.model), env.call(controller.signal))),
        'stream',
      );
      await env.sim.waitFor((s) => s.inFlight === 1, 10_000);
      controller.abort();
      const error = await within(pending, 10_000, 'an aborted stream');
      expectGatewayError(error, 'aborted stream');
      expect(error.type).toBe('cancelled');
      await env.sim.waitFor((s) => s.aborted === 1, 10_000);
    },
  },
  deadline: {
    title: 'a passed CallContext deadline gives up with upstream_timeout and aborts upstream',
    async run(env) {
      env.sim.inject({ hang: true });
      const error = await within(
        rejection(
          env.backend.chat(conformanceRequest(env.model), env.call(undefined, Date.now() + 300)),
          'chat past its deadline',
        ),
        10_000,
        'a chat past its deadline',
      );
      expectGatewayError(error, 'deadline');
      expect(error.type).toBe('upstream_timeout');
      expect(error.isRetryable).toBe(true);
      await env.sim.waitFor((s) => s.aborted === 1, 10_000);
    },
  },
  'stream-dropped': {
    title: 'a stream the upstream drops midway throws a GatewayError from the iterator',
    async run(env) {
      env.sim.inject({ dropAfterChunks: 2 });
      const seen: string[] = [];
      const error = await rejection(
        (async () => {
          for await (const part of env.backend.stream(conformanceRequest(env.model), env.call())) {
            if (part.type === 'text-delta') seen.push(part.text);
          }
        })(),
        'a dropped stream',
      );
      expect(env.sim.lastRequest()?.dropped).toBe(true);
      expectGatewayError(error, 'dropped stream');
      expect(seen.join('')).not.toBe(`Echo: ${conformancePrompt}`);
    },
  },
  'stream-ended-early': {
    title:
      'a stream the upstream ends cleanly without its final line throws a GatewayError, never a silent finish',
    async run(env) {
      env.sim.inject({ endAfterChunks: 2 });
      const parts: string[] = [];
      const error = await rejection(
        (async () => {
          for await (const part of env.backend.stream(conformanceRequest(env.model), env.call())) {
            parts.push(part.type);
          }
        })(),
        `a stream ended cleanly after 2 chunks (parts seen: ${parts.join(', ')})`,
      );
      expect(env.sim.lastRequest()?.endedEarly, 'the simulator did not end the stream early').toBe(true);
      expectGatewayError(error, 'stream ended without its final line');
      expect(error.type).toBe('upstream_error');
      expect(parts).not.toContain('finish');
    },
  },
  models: {
    title: 'models() returns an array of model ids',
    async run(env) {
      const models = await env.backend.models();
      expect(Array.isArray(models)).toBe(true);
      for (const model of models) expect(typeof model).toBe('string');
    },
  },
};

const starters = {
  openai: startOpenAISimulator,
  ollama: startOllamaSimulator,
  anthropic: startAnthropicSimulator,
};

/** Registers a check the provider cannot pass as skipped, printing why; true when it did. */
function skippedForCapability(
  name: ConformanceCheckName | FeatureCheckName,
  title: string,
  capabilities: BackendCapabilities | undefined,
): boolean {
  const lacking = lackingCapability(name, capabilities);
  if (lacking === undefined) return false;
  const reason = `the provider declares capabilities.${lacking}: false`;
  console.info(`backend conformance: skipped "${title}": ${reason}`);
  it.skip(`${title} (skipped: ${reason})`, () => {});
  return true;
}

/** Registers the conformance tests (a `describe` block) for one backend plugin. */
export function backendConformance<C>(options: BackendConformanceOptions<C>): void {
  const timeout = options.timeoutMs ?? 30_000;
  const skip = new Set(options.skip ?? []);
  let env: ConformanceEnv | undefined;
  let requestCount = 0;

  const simulatorName = typeof options.simulator === 'string' ? options.simulator : 'custom';
  describe(`backend conformance: ${options.plugin.name} (${simulatorName} simulator)`, () => {
    beforeAll(async () => {
      const start = typeof options.simulator === 'string' ? starters[options.simulator] : options.simulator;
      const sim = await start({ models: [options.model] });
      const validConfig = options.config(sim);
      const parsed = options.plugin.configSchema.safeParse(validConfig);
      if (!parsed.success) {
        await sim.close();
        throw new Error(`configSchema rejected the simulator config: ${parsed.error.message}`);
      }
      const created = await options.plugin.create(parsed.data, { instanceName: 'test', log: silentLogger });
      if (isDisabled(created)) {
        await sim.close();
        throw new Error(`the plugin disabled itself for the simulator config: ${created.reason}`);
      }
      env = {
        sim,
        backend: created,
        model: options.model,
        plugin: options.plugin as BackendPlugin<unknown>,
        validConfig,
        ...(options.invalidConfigs ? { invalidConfigs: options.invalidConfigs } : {}),
        ...(options.capabilities ? { capabilities: options.capabilities } : {}),
        call(signal = new AbortController().signal, deadline) {
          requestCount += 1;
          const context: CallContext = {
            signal,
            requestId: `conformance-${requestCount}`,
            log: silentLogger,
          };
          if (deadline !== undefined) context.deadline = deadline;
          return context;
        },
      };
    }, 60_000);

    afterEach(() => env?.sim.reset());

    afterAll(async () => {
      await env?.backend.close?.();
      await env?.sim.close();
    });

    it('create() names the backend after the instance', () => {
      expect(env?.backend.name).toBe('test');
    });

    if (options.capabilities?.embeddings === false)
      it('declares no embeddings, so it has no embed()', () => {
        expect(env?.backend.embed).toBeUndefined();
      });

    for (const [name, check] of Object.entries(conformanceChecks) as Array<
      [ConformanceCheckName, (typeof conformanceChecks)[ConformanceCheckName]]
    >) {
      // A check the caller opted out of is not registered, so a run never reports skips by design.
      if (skip.has(name)) continue;
      if (skippedForCapability(name, check.title, options.capabilities)) continue;
      it(
        check.title,
        async () => {
          if (!env) throw new Error('the conformance setup failed');
          await check.run(env);
        },
        timeout,
      );
    }

    const unsupported = new Set(options.unsupported ?? []);
    for (const [name, check] of Object.entries(featureChecks) as Array<[FeatureCheckName, FeatureCheck]>) {
      if (skip.has(name)) continue;
      if (skippedForCapability(name, check.title, options.capabilities)) continue;
      it(
        check.title,
        async () => {
          if (!env) throw new Error('the conformance setup failed');
          await check.run(env, unsupported);
        },
        timeout,
      );
    }
  });
}
