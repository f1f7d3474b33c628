/** The conformance suite every surface plugin's tests run: a scripted pipeline behind a test host. */

import { firstValue } from '@llm-gateway/plugin-kit';
import {
  type AuthScheme,
  type ChatRequest,
  type ChatStreamPart,
  GatewayError,
  type Pipeline,
  type RequestContext,
  type SurfacePlugin,
} from '@llm-gateway/spec';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNeeding } from './capability-check.js';
import { mountSurface, type SurfaceApp } from './surface-host.js';

/** One HTTP request in the surface's own wire format. */
export interface SurfaceRequest {
  method?: 'GET' | 'POST';
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

/**
 * What the surface offers; a check of a capability it declares it lacks is skipped with the reason
 * printed. Each defaults to true.
 */
export interface SurfaceCapabilities {
  /** Its chat route requires credentials (a public route does not): the 401 check. */
  authentication?: boolean;
}

export interface SurfaceConformanceOptions<Config> {
  /** Suite title; defaults to the plugin's name. */
  name?: string;
  plugin: SurfacePlugin<Config>;
  /** Raw profile config (parsed with the plugin's configSchema). */
  config: unknown;
  /** A non-streaming chat request for `model` whose last user message is `prompt`. */
  chat(model: string, prompt: string): SurfaceRequest;
  /** The answer text in the surface's response body (JSON parsed when the body is JSON). */
  replyText(body: unknown): string;
  /** How the surface takes a credential: the headers that carry `key` (default `Authorization: Bearer`). */
  credentials?(key: string): Record<string, string>;
  /** Configs the schema must refuse; defaults to a number and a string. */
  invalidConfigs?: unknown[];
  /** What the surface offers (default: everything); checks of what it lacks are skipped, saying why. */
  capabilities?: SurfaceCapabilities;
}

/** What the scripted pipeline answers and what it saw. */
export interface ScriptedPipeline extends Pipeline {
  calls: Array<{ request: ChatRequest; context: RequestContext }>;
  /** Thrown by the next call instead of answering. */
  failNext?: GatewayError;
}

const usage = { promptTokens: 4, completionTokens: 3, totalTokens: 7 };

/** A Pipeline answering `Echo: <last user text>` to chat and stream, recording each call. */
export function scriptedPipeline(model = 'conformance-model'): ScriptedPipeline {
  const meta = {
    requestedModel: model,
    backend: 'scripted',
    model,
    cached: false,
    retries: 0,
    fallback: false,
  };
  const answer = (request: ChatRequest) => `Echo: ${request.messages.at(-1)?.content ?? ''}`;
  const pipeline: ScriptedPipeline = {
    defaultModel: model,
    calls: [],
    async chat(request, context) {
      take(request, context);
      const text = answer(request);
      const result = { id: 'chatcmpl-conf', model, created: 0, text, finishReason: 'stop' as const, usage };
      return { result, meta };
    },
    async stream(request, context) {
      take(request, context);
      const words = answer(request).split(/(?<= )/);
      async function* parts(): AsyncGenerator<ChatStreamPart> {
        for (const text of words) yield { type: 'text-delta', text };
        yield { type: 'finish', finishReason: 'stop', usage };
      }
      return { meta, parts: parts() };
    },
    async models() {
      return [{ id: model, backend: 'scripted', created: 0 }];
    },
  };
  function take(request: ChatRequest, context: RequestContext): void {
    pipeline.calls.push({ request, context });
    const failure = pipeline.failNext;
    pipeline.failNext = undefined;
    if (failure) throw failure;
  }
  return pipeline;
}

const conformanceKey = 'surface-conformance-key-0123';

/** A scheme accepting one bearer key as principal `conformance-user`, refusing any other with 401. */
function requiredKeyScheme(): AuthScheme {
  return {
    name: 'conformance-keys',
    credentialNames: { headers: ['authorization'], query: [] },
    async authenticate(input) {
      const header = firstValue(input.headers.authorization);
      if (header === undefined) return undefined;
      if (header !== `Bearer ${conformanceKey}`)
        throw new GatewayError('authentication', 'Invalid API key', { code: 'invalid_api_key' });
      return { id: 'conformance-user', kind: 'api_key', scheme: 'conformance-keys' };
    },
  };
}

function send(app: SurfaceApp, request: SurfaceRequest, headers: Record<string, string> = {}) {
  const json = request.payload !== undefined && typeof request.payload !== 'string';
  return app.inject({
    method: request.method ?? 'POST',
    url: request.url,
    headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...request.headers, ...headers },
    ...(request.payload === undefined
      ? {}
      : { payload: json ? JSON.stringify(request.payload) : (request.payload as string) }),
  });
}

function bodyOf(response: LightMyRequestResponse): unknown {
  try {
    return response.json();
  } catch {
    return response.body;
  }
}

/**
 * Registers the checks every surface must pass: its chat request reaches the pipeline with the
 * authenticated principal and the answer comes back; missing or wrong credentials get a 401 before
 * the pipeline; a pipeline GatewayError keeps its status; an obviously wrong config is refused.
 */
export function surfaceConformance<Config>(options: SurfaceConformanceOptions<Config>): void {
  const { plugin } = options;
  const credentials = options.credentials ?? ((key: string) => ({ authorization: `Bearer ${key}` }));
  const model = 'conformance-model';
  const pipeline = scriptedPipeline(model);
  let app: SurfaceApp;

  describe(`surface conformance: ${options.name ?? plugin.name}`, () => {
    beforeAll(async () => {
      const mounted = await mountSurface(plugin, options.config, {
        pipeline,
        authSchemes: [requiredKeyScheme()],
        instanceName: `${plugin.name}-conformance`,
      });
      app = mounted.app;
    });
    afterAll(() => app?.close());

    it('is a surface plugin with a v1 contract that refuses an obviously wrong config', () => {
      expect(plugin.specificationVersion).toBe('v1');
      expect(plugin.kind).toBe('surface');
      for (const config of options.invalidConfigs ?? [42, 'not a config object']) {
        expect(plugin.configSchema.safeParse(config).success, JSON.stringify(config)).toBe(false);
      }
    });

    it('passes the chat request to the pipeline with the principal and answers its text', async () => {
      const before = pipeline.calls.length;
      const response = await send(app, options.chat(model, 'hello surface'), credentials(conformanceKey));
      expect(response.statusCode, response.body).toBe(200);
      expect(options.replyText(bodyOf(response))).toBe('Echo: hello surface');
      const call = pipeline.calls.at(-1);
      expect(pipeline.calls.length).toBe(before + 1);
      expect(call?.request.messages.at(-1)?.content).toBe('hello surface');
      expect(call?.context.principal.id).toBe('conformance-user');
    });

    checkNeeding(
      'surface',
      options.capabilities,
      'authentication',
      'answers 401 without credentials or with a wrong key, never reaching the pipeline',
      async () => {
        const before = pipeline.calls.length;
        const missing = await send(app, options.chat(model, 'no key'));
        const wrong = await send(app, options.chat(model, 'bad key'), credentials('wrong-key-0123456789'));
        expect(missing.statusCode, missing.body).toBe(401);
        expect(wrong.statusCode, wrong.body).toBe(401);
        expect(wrong.body).not.toContain('wrong-key-0123456789');
        expect(pipeline.calls.length).toBe(before);
      },
    );

    it("renders a pipeline GatewayError with the error's status", async () => {
      pipeline.failNext = new GatewayError('rate_limited', 'Too many requests', { retryAfterMs: 1000 });
      const response = await send(app, options.chat(model, 'too fast'), credentials(conformanceKey));
      expect(response.statusCode, response.body).toBe(429);
    });

    it('answers a malformed body with a 4xx, not a 5xx', async () => {
      const request = { ...options.chat(model, 'x'), payload: '{"not json' };
      const response = await send(app, request, {
        ...credentials(conformanceKey),
        'content-type': 'application/json',
      });
      expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, response.body).toBeLessThan(500);
    });
  });
}
